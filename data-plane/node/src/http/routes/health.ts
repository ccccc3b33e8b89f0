/** /healthz: the process is up. /readyz: it knows a leader and has replayed its log. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readiness } from '../../runtime/node.js';
import { HealthReply } from '../schemas.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ readiness: () => Readiness }> = async (app, { readiness }) => {
  app.get('/healthz', { schema: { response: { 200: HealthReply } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { response: { 200: HealthReply, 503: HealthReply } } }, async (_req, reply) => {
    const r = readiness();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', reason: r.reason });
  });
};
