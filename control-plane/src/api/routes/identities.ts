/**
 * A tenant's signing identities on the ledger. Self-custody: the tenant sends a public key and
 * keeps the private key (in its SDK or HSM). Custodial: the platform generates the key, keeps it
 * sealed by the master key, and signs for the tenant. Either way the key is registered with the
 * tenant's governance member by a provisioning operation; the private key never leaves the
 * control plane and is never shown.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { LedgerIdentity } from '../../db/prisma.js';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { principalOf, requireTenantRead, requireTenantWrite } from '../principal.js';
import { ERRORS, iso, TenantParams, Uuid } from '../schemas.js';
import { OperationView, operationView } from './operations.js';
import { HexKey, readableTenant, requireActive } from './tenants.js';

export const IdentityView = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  publicKey: Type.String(),
  custody: Type.Union([Type.Literal('self'), Type.Literal('custodial')]),
  registered: Type.Boolean(),
  registeredTxId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

const CreateBody = Type.Union([
  Type.Object({ custody: Type.Literal('self'), publicKey: HexKey }, { additionalProperties: false }),
  Type.Object({ custody: Type.Literal('custodial') }, { additionalProperties: false }),
]);

export function identityView(i: LedgerIdentity): Static<typeof IdentityView> {
  return { id: i.id, tenantId: i.tenantId, publicKey: i.publicKey, custody: i.custody, registered: i.registeredTxId !== null, registeredTxId: i.registeredTxId, createdAt: iso(i.createdAt)! };
}

const MAX_IDENTITIES = 16; // governance keeps at most 16 keys per member

export const identityRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/tenants/:tenantId/identities', { schema: { tags: ['identities'], params: TenantParams, response: { 200: Type.Object({ items: Type.Array(IdentityView) }), ...ERRORS } } }, async (req) => {
    requireTenantRead(principalOf(req), req.params.tenantId);
    const rows = await ctx.db.ledgerIdentity.findMany({ where: { tenantId: req.params.tenantId }, orderBy: { createdAt: 'asc' } });
    return { items: rows.map(identityView) };
  });

  app.post('/v1/tenants/:tenantId/identities', { schema: { tags: ['identities'], params: TenantParams, body: CreateBody, response: { 202: OperationView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requireTenantWrite(p, req.params.tenantId, 'tenant_admin');
    if (ctx.operations === null) throw new ApiError('NOT_CONFIGURED', 'provisioning is not configured on this control plane');
    const tenant = await readableTenant(ctx, req, req.params.tenantId);
    requireActive(tenant);
    const body = req.body;
    const op = await ctx.db.$transaction(async (tx) => {
      if ((await tx.ledgerIdentity.count({ where: { tenantId: tenant.id } })) >= MAX_IDENTITIES) throw new ApiError('QUOTA_EXCEEDED', `a tenant has at most ${MAX_IDENTITIES} ledger keys`);
      if (body.custody === 'self') await tx.ledgerIdentity.create({ data: { tenantId: tenant.id, publicKey: body.publicKey, custody: 'self' } });
      const op = await tx.provisioningOperation.create({ data: { kind: 'register_identity', tenantId: tenant.id, input: { network: ctx.defaultNetwork, custody: body.custody }, doneSteps: [] } });
      await audit(tx, p, { tenantId: tenant.id, action: 'identity.create', objectType: 'tenant', objectId: tenant.id, details: { custody: body.custody, ...(body.custody === 'self' ? { publicKey: body.publicKey } : {}), operation: op.id } });
      return op;
    });
    await ctx.operations.enqueue(op.id);
    return reply.code(202).send(operationView(op));
  });
};
