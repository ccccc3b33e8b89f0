/**
 * Tenants. Platform admins create, change and list them; a tenant's own users read their
 * tenant; auditors read all. Creating a tenant also creates its first tenant admin and starts
 * its onboarding (a provisioning operation): identities on the shared nodes for the shared
 * plan, a dedicated node for the dedicated plan.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { hashPassword } from '../../auth/password.js';
import type { Tenant } from '../../db/prisma.js';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { principalOf, readsEverything, requirePlatformAdmin, requireTenantRead, requireTenantWrite } from '../principal.js';
import { Email, ERRORS, IdParams, iso, Name, Page, pageOf, PageQuery, Uuid } from '../schemas.js';
import { OperationView, operationView } from './operations.js';

export const HexKey = Type.String({ pattern: '^[0-9a-f]{64,200}$', description: 'A public key in lowercase hex (the network suite)' });

const Quotas = Type.Object(
  {
    maxUsers: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    maxApiKeys: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    maxTxPerDay: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);

export const TenantView = Type.Object({
  id: Uuid,
  name: Type.String(),
  plan: Type.Union([Type.Literal('shared'), Type.Literal('dedicated')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  memberId: Type.String(),
  quotas: Type.Object({ maxUsers: Type.Integer(), maxApiKeys: Type.Integer(), maxTxPerDay: Type.Integer() }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const CreateTenantBody = Type.Object(
  {
    name: Name,
    plan: Type.Optional(Type.Union([Type.Literal('shared'), Type.Literal('dedicated')], { default: 'shared' })),
    admin: Type.Object({ email: Email, password: Type.String({ minLength: 12, maxLength: 1024 }) }, { additionalProperties: false }),
    /** Self-custody: the tenant's public key, its private key stays with the tenant. Custodial: the platform makes and holds one. */
    custody: Type.Optional(Type.Union([Type.Literal('self'), Type.Literal('custodial')], { default: 'custodial' })),
    publicKey: Type.Optional(HexKey),
    quotas: Type.Optional(Quotas),
  },
  { additionalProperties: false },
);

const PatchTenantBody = Type.Object(
  {
    name: Type.Optional(Name),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
    quotas: Type.Optional(Quotas),
  },
  { additionalProperties: false, minProperties: 1 },
);

const Created = Type.Object({ tenant: TenantView, adminUserId: Uuid, operation: OperationView });

export function tenantView(t: Tenant): Static<typeof TenantView> {
  return {
    id: t.id,
    name: t.name,
    plan: t.plan,
    status: t.status,
    memberId: t.memberId,
    quotas: { maxUsers: t.maxUsers, maxApiKeys: t.maxApiKeys, maxTxPerDay: t.maxTxPerDay },
    createdAt: iso(t.createdAt)!,
    updatedAt: iso(t.updatedAt)!,
  };
}

/** The tenant's member id on the ledger: fixed at creation, never reused. */
function newMemberId(): string {
  return `t-${randomBytes(6).toString('hex')}`;
}

/** Loads a tenant `p` may read; 404 for absent and for other tenants alike. */
export async function readableTenant(ctx: ApiContext, req: Parameters<typeof principalOf>[0], id: string): Promise<Tenant> {
  const p = principalOf(req);
  requireTenantRead(p, id);
  const t = await ctx.reads.tenant(id);
  if (t === null) throw notFound('tenant', id);
  return t;
}

/** Refuses changes inside a suspended tenant (reads stay possible). */
export function requireActive(t: Tenant): void {
  if (t.status !== 'active') throw new ApiError('TENANT_SUSPENDED', `tenant ${t.id} is suspended`);
}

/** The caller may change tenant `id` with `role` (others: 404/403), and the tenant is active. */
export async function writableTenant(ctx: ApiContext, req: Parameters<typeof principalOf>[0], id: string, role: 'tenant_admin' | 'tenant_member'): Promise<Tenant> {
  requireTenantWrite(principalOf(req), id, role);
  const tenant = await readableTenant(ctx, req, id);
  requireActive(tenant);
  return tenant;
}

/**
 * Locks the tenant's row for the rest of the transaction: quota counts made after it cannot be
 * passed by a concurrent creation.
 */
export async function lockTenant(tx: Pick<ApiContext['db'], '$queryRaw'>, id: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM tenants WHERE id = ${id}::uuid FOR UPDATE`;
}

export const tenantRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/tenants', { schema: { tags: ['tenants'], querystring: PageQuery, response: { 200: Page(TenantView), ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const limit = req.query.limit ?? 100;
    const where = readsEverything(p) ? {} : { id: p.tenantId ?? '' };
    const rows = await ctx.db.tenant.findMany({ where: { ...where, ...(req.query.after ? { id: { gt: req.query.after } } : {}) }, orderBy: { id: 'asc' }, take: limit + 1 });
    const page = pageOf(rows, limit);
    return { items: page.items.map(tenantView), next: page.next };
  });

  app.get('/v1/tenants/:id', { schema: { tags: ['tenants'], params: IdParams, response: { 200: TenantView, ...ERRORS } } }, async (req) => tenantView(await readableTenant(ctx, req, req.params.id)));

  app.post('/v1/tenants', { schema: { tags: ['tenants'], body: CreateTenantBody, response: { 201: Created, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requirePlatformAdmin(p);
    if (ctx.operations === null) throw new ApiError('NOT_CONFIGURED', 'provisioning is not configured on this control plane');
    const b = req.body;
    const custody = b.custody ?? 'custodial';
    if (custody === 'self' && b.publicKey === undefined) throw new ApiError('INVALID_REQUEST', 'self-custody needs the tenant\'s publicKey');
    if (custody === 'custodial' && b.publicKey !== undefined) throw new ApiError('INVALID_REQUEST', 'a custodial tenant gets its key from the platform; do not send publicKey');
    const passwordHash = await hashPassword(b.admin.password);
    const plan = b.plan ?? 'shared';
    const { tenant, user, op } = await ctx.db.$transaction(async (tx) => {
      const tenant = await tx.tenant.create({ data: { name: b.name, plan, memberId: newMemberId(), ...b.quotas } });
      const user = await tx.user.create({ data: { email: b.admin.email.toLowerCase(), passwordHash, role: 'tenant_admin', tenantId: tenant.id } });
      if (custody === 'self') await tx.ledgerIdentity.create({ data: { tenantId: tenant.id, publicKey: b.publicKey!, custody: 'self' } });
      const op = await tx.provisioningOperation.create({
        data: { kind: plan === 'shared' ? 'onboard_shared' : 'onboard_dedicated', tenantId: tenant.id, input: { network: ctx.defaultNetwork, custody }, doneSteps: [] },
      });
      await audit(tx, p, { tenantId: tenant.id, action: 'tenant.create', objectType: 'tenant', objectId: tenant.id, details: { name: b.name, plan, custody, admin: user.id, operation: op.id } });
      return { tenant, user, op };
    });
    await ctx.operations.enqueue(op.id);
    return reply.code(201).send({ tenant: tenantView(tenant), adminUserId: user.id, operation: operationView(op) });
  });

  app.patch('/v1/tenants/:id', { schema: { tags: ['tenants'], params: IdParams, body: PatchTenantBody, response: { 200: TenantView, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    requirePlatformAdmin(p);
    const b = req.body;
    return tenantView(
      await ctx.db.$transaction(async (tx) => {
        const t = await tx.tenant.update({ where: { id: req.params.id }, data: { ...(b.name ? { name: b.name } : {}), ...(b.status ? { status: b.status } : {}), ...b.quotas } });
        await audit(tx, p, { tenantId: t.id, action: 'tenant.update', objectType: 'tenant', objectId: t.id, details: b });
        return t;
      }),
    );
  });

  app.post('/v1/tenants/:id/move-to-dedicated', { schema: { tags: ['tenants'], params: IdParams, response: { 202: OperationView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requireTenantWrite(p, req.params.id, 'tenant_admin');
    if (ctx.operations === null) throw new ApiError('NOT_CONFIGURED', 'provisioning is not configured on this control plane');
    const t = await readableTenant(ctx, req, req.params.id);
    requireActive(t);
    if (t.plan === 'dedicated') throw new ApiError('INVALID_STATE', 'the tenant is on the dedicated plan already');
    const op = await ctx.db.$transaction(async (tx) => {
      const running = await tx.provisioningOperation.findFirst({ where: { tenantId: t.id, kind: 'move_to_dedicated', status: { in: ['queued', 'running'] } } });
      if (running !== null) return running;
      const op = await tx.provisioningOperation.create({ data: { kind: 'move_to_dedicated', tenantId: t.id, input: { network: ctx.defaultNetwork }, doneSteps: [] } });
      await audit(tx, p, { tenantId: t.id, action: 'tenant.move_to_dedicated', objectType: 'tenant', objectId: t.id, details: { operation: op.id } });
      return op;
    });
    await ctx.operations.enqueue(op.id);
    return reply.code(202).send(operationView(op));
  });
};
