/** Provisioning operations: the progress of onboarding and node provisioning, per tenant. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { ProvisioningOperation } from '../../db/prisma.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { principalOf, readsEverything, requireTenantRead } from '../principal.js';
import { ERRORS, IdParams, iso, Page, pageOf, PageQuery, TenantParams, Uuid } from '../schemas.js';

export const OperationView = Type.Object({
  id: Uuid,
  kind: Type.String(),
  tenantId: Type.Union([Uuid, Type.Null()]),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  step: Type.String(),
  doneSteps: Type.Array(Type.String()),
  attempts: Type.Integer(),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export function operationView(o: ProvisioningOperation): Static<typeof OperationView> {
  return {
    id: o.id,
    kind: o.kind,
    tenantId: o.tenantId,
    status: o.status,
    progress: o.progress,
    step: o.step,
    doneSteps: o.doneSteps,
    attempts: o.attempts,
    result: (o.result ?? null) as Record<string, unknown> | null,
    error: o.error,
    createdAt: iso(o.createdAt)!,
    updatedAt: iso(o.updatedAt)!,
  };
}

export const operationRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/operations/:id', { schema: { tags: ['operations'], params: IdParams, response: { 200: OperationView, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const op = await ctx.db.provisioningOperation.findUnique({ where: { id: req.params.id } });
    if (op === null || (!readsEverything(p) && op.tenantId !== p.tenantId)) throw notFound('operation', req.params.id);
    return operationView(op);
  });

  app.get('/v1/tenants/:tenantId/operations', { schema: { tags: ['operations'], params: TenantParams, querystring: PageQuery, response: { 200: Page(OperationView), ...ERRORS } } }, async (req) => {
    requireTenantRead(principalOf(req), req.params.tenantId);
    const limit = req.query.limit ?? 100;
    const rows = await ctx.db.provisioningOperation.findMany({
      where: { tenantId: req.params.tenantId, ...(req.query.after ? { id: { gt: req.query.after } } : {}) },
      orderBy: { id: 'asc' },
      take: limit + 1,
    });
    const page = pageOf(rows, limit);
    return { items: page.items.map(operationView), next: page.next };
  });
};
