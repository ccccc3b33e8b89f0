/**
 * The integrity audit of the ledger-DB projection: its reports (platform admins and auditors),
 * and a run on demand. Each report compares the chain with the projection at one height and
 * lists every difference (balances, operations, money supply, forks).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { IntegrityReport } from '../../db/prisma.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { principalOf, readsEverything } from '../principal.js';
import { ERRORS, iso } from '../schemas.js';

const Channel = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const ReportView = Type.Object({ id: Type.String(), at: Type.String(), channel: Type.String(), height: Type.String(), ok: Type.Boolean(), differences: Type.Unknown() });
const reportView = (r: IntegrityReport): Static<typeof ReportView> => ({ id: r.id.toString(), at: iso(r.at)!, channel: r.channel, height: r.height.toString(), ok: r.ok, differences: r.differences });

function requireReader(req: Parameters<typeof principalOf>[0]): void {
  if (!readsEverything(principalOf(req))) throw new ApiError('FORBIDDEN', 'integrity reports are for platform administrators and auditors');
}

export const integrityRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/integrity/reports',
    { schema: { tags: ['integrity'], querystring: Type.Object({ channel: Type.Optional(Channel), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(ReportView) }), ...ERRORS } } },
    async (req) => {
      requireReader(req);
      const rows = await ctx.db.integrityReport.findMany({ where: req.query.channel ? { channel: req.query.channel } : {}, orderBy: { id: 'desc' }, take: req.query.limit ?? 20 });
      return { items: rows.map(reportView) };
    },
  );

  app.post('/v1/integrity/audits', { schema: { tags: ['integrity'], body: Type.Object({ channel: Channel }, { additionalProperties: false }), response: { 201: ReportView, ...ERRORS } } }, async (req, reply) => {
    requireReader(req);
    if (ctx.integrity === null) throw new ApiError('NOT_CONFIGURED', 'the integrity audit is not configured on this control plane');
    const report = await ctx.integrity.run(req.body.channel);
    const row = await ctx.db.integrityReport.findUnique({ where: { id: report.id } });
    if (row === null) throw notFound('integrity report', report.id.toString());
    return reply.code(201).send(reportView(row));
  });
};
