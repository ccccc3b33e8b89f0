/** Metered usage of a tenant per metric and day (API requests, ledger transactions). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { principalOf, requireTenantRead } from '../principal.js';
import { ERRORS, TenantParams } from '../schemas.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const UsageQuery = Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day) }, { additionalProperties: false });
const UsageItem = Type.Object({ metric: Type.String(), day: Type.String(), quantity: Type.String({ description: 'An integer, as text (64-bit)' }) });

export const usageRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/tenants/:tenantId/usage', { schema: { tags: ['usage'], params: TenantParams, querystring: UsageQuery, response: { 200: Type.Object({ items: Type.Array(UsageItem) }), ...ERRORS } } }, async (req) => {
    requireTenantRead(principalOf(req), req.params.tenantId);
    const to = req.query.to ?? new Date(ctx.now()).toISOString().slice(0, 10);
    const from = req.query.from ?? `${to.slice(0, 8)}01`;
    if (from > to) throw new ApiError('INVALID_REQUEST', 'from must not be after to');
    // Counts still in memory count too: flush first, so the reply is never behind the caller's own requests.
    await ctx.usage.flush();
    const rows = await ctx.db.usageRecord.findMany({
      where: { tenantId: req.params.tenantId, day: { gte: new Date(`${from}T00:00:00Z`), lte: new Date(`${to}T00:00:00Z`) } },
      orderBy: [{ day: 'asc' }, { metric: 'asc' }],
    });
    return { items: rows.map((r) => ({ metric: r.metric, day: r.day.toISOString().slice(0, 10), quantity: r.quantity.toString() })) };
  });
};
