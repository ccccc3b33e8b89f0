/**
 * API keys for a tenant's machine clients. The whole key is shown once, in the creation reply;
 * listings show the public prefix only. Tenant admins manage their own tenant's keys.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { ApiKeyService } from '../../auth/api-keys.js';
import type { ApiKey } from '../../db/prisma.js';
import { PrismaApiKeyRepo } from '../../db/repos/api-keys.js';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { API_KEY_SCOPES, principalOf, readsEverything, requireTenantRead, requireTenantWrite } from '../principal.js';
import { ERRORS, IdParams, iso, Name, Page, pageOf, PageQuery, TenantParams, Uuid } from '../schemas.js';
import { lockTenant, writableTenant } from './tenants.js';

export const ApiKeyView = Type.Object({
  id: Uuid,
  prefix: Type.String(),
  name: Type.String(),
  tenantId: Type.Union([Uuid, Type.Null()]),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const CreateBody = Type.Object(
  {
    name: Name,
    scopes: Type.Array(Type.Union(API_KEY_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: API_KEY_SCOPES.length, uniqueItems: true }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
const Created = Type.Object({ key: Type.String({ description: 'The whole key: shown once, store it now' }), apiKey: ApiKeyView });

export function apiKeyView(k: ApiKey): Static<typeof ApiKeyView> {
  return { id: k.id, prefix: k.prefix, name: k.name, tenantId: k.tenantId, scopes: k.scopes, createdAt: iso(k.createdAt)!, expiresAt: iso(k.expiresAt), revokedAt: iso(k.revokedAt) };
}

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/tenants/:tenantId/api-keys', { schema: { tags: ['api-keys'], params: TenantParams, querystring: PageQuery, response: { 200: Page(ApiKeyView), ...ERRORS } } }, async (req) => {
    requireTenantRead(principalOf(req), req.params.tenantId);
    const limit = req.query.limit ?? 100;
    const rows = await ctx.db.apiKey.findMany({ where: { tenantId: req.params.tenantId, ...(req.query.after ? { id: { gt: req.query.after } } : {}) }, orderBy: { id: 'asc' }, take: limit + 1 });
    const page = pageOf(rows, limit);
    return { items: page.items.map(apiKeyView), next: page.next };
  });

  app.post('/v1/tenants/:tenantId/api-keys', { schema: { tags: ['api-keys'], params: TenantParams, body: CreateBody, response: { 201: Created, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    const tenant = await writableTenant(ctx, req, req.params.tenantId, 'tenant_admin');
    const expiresAtMs = req.body.expiresAt === undefined ? null : Date.parse(req.body.expiresAt);
    if (expiresAtMs !== null && expiresAtMs <= ctx.now()) throw new ApiError('INVALID_REQUEST', 'expiresAt must be in the future');
    const { created, row } = await ctx.db.$transaction(async (tx) => {
      // Counted under a row lock on the tenant, so concurrent creations cannot pass the quota together;
      // the key and its audit entry commit together.
      await lockTenant(tx, tenant.id);
      const active = await tx.apiKey.count({ where: { tenantId: tenant.id, revokedAt: null } });
      if (active >= tenant.maxApiKeys) throw new ApiError('QUOTA_EXCEEDED', `the tenant has its ${tenant.maxApiKeys} API keys already`);
      const created = await new ApiKeyService({ repo: new PrismaApiKeyRepo(tx), now: ctx.now }).create({ name: req.body.name, tenant: tenant.id, scopes: req.body.scopes, expiresAtMs });
      const row = await tx.apiKey.findUniqueOrThrow({ where: { prefix: created.principal.prefix } });
      await audit(tx, p, { tenantId: tenant.id, action: 'api_key.create', objectType: 'api_key', objectId: row.id, details: { prefix: row.prefix, name: row.name, scopes: row.scopes } });
      return { created, row };
    });
    return reply.code(201).send({ key: created.key, apiKey: apiKeyView(row) });
  });

  async function visibleKey(req: Parameters<typeof principalOf>[0], id: string): Promise<ApiKey> {
    const p = principalOf(req);
    const k = await ctx.db.apiKey.findUnique({ where: { id } });
    if (k === null || (!readsEverything(p) && (k.tenantId === null || k.tenantId !== p.tenantId))) throw notFound('API key', id);
    return k;
  }

  app.get('/v1/api-keys/:id', { schema: { tags: ['api-keys'], params: IdParams, response: { 200: ApiKeyView, ...ERRORS } } }, async (req) => apiKeyView(await visibleKey(req, req.params.id)));

  app.delete('/v1/api-keys/:id', { schema: { tags: ['api-keys'], params: IdParams, response: { 200: ApiKeyView, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const k = await visibleKey(req, req.params.id);
    if (k.tenantId === null) throw notFound('API key', k.id);
    requireTenantWrite(p, k.tenantId, 'tenant_admin');
    const tenantId = k.tenantId;
    return apiKeyView(
      await ctx.db.$transaction(async (tx) => {
        await new ApiKeyService({ repo: new PrismaApiKeyRepo(tx), now: ctx.now }).revoke(k.prefix);
        await audit(tx, p, { tenantId, action: 'api_key.revoke', objectType: 'api_key', objectId: k.id, details: { prefix: k.prefix } });
        return tx.apiKey.findUniqueOrThrow({ where: { id: k.id } });
      }),
    );
  });
};
