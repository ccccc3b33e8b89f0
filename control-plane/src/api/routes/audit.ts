/** The audit log: platform admins and auditors read all of it, tenant admins their tenant's part. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { principalOf, readsEverything } from '../principal.js';
import { ERRORS, iso, Uuid } from '../schemas.js';

const AuditQuery = Type.Object(
  {
    tenantId: Type.Optional(Uuid),
    objectType: Type.Optional(Type.String({ maxLength: 64 })),
    objectId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    /** Entries before this id (newest first). */
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })),
  },
  { additionalProperties: false },
);
const Entry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  tenantId: Type.Union([Uuid, Type.Null()]),
  action: Type.String(),
  objectType: Type.String(),
  objectId: Type.String(),
  details: Type.Unknown(),
});

export const auditRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/audit', { schema: { tags: ['audit'], querystring: AuditQuery, response: { 200: Type.Object({ items: Type.Array(Entry), next: Type.Union([Type.String(), Type.Null()]) }), ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const q = req.query;
    let tenantId = q.tenantId;
    if (!readsEverything(p)) {
      if (p.kind !== 'user' || !p.roles.includes('tenant_admin')) throw new ApiError('FORBIDDEN', 'the audit log is for administrators and auditors');
      // A tenant admin asking for another tenant sees nothing of it: its own log only.
      tenantId = p.tenantId!;
    }
    const limit = q.limit ?? 100;
    const rows = await ctx.db.auditLog.findMany({
      where: { ...(tenantId ? { tenantId } : {}), ...(q.objectType ? { objectType: q.objectType } : {}), ...(q.objectId ? { objectId: q.objectId } : {}), ...(q.before ? { id: { lt: BigInt(q.before) } } : {}) },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    const items = rows.slice(0, limit);
    return {
      items: items.map((r) => ({ id: r.id.toString(), at: iso(r.at)!, actor: r.actor, tenantId: r.tenantId, action: r.action, objectType: r.objectType, objectId: r.objectId, details: r.details })),
      next: rows.length > limit ? items[items.length - 1]!.id.toString() : null,
    };
  });
};
