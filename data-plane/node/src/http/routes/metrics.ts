/** GET /metrics in the Prometheus text format. */
import type { FastifyPluginAsync } from 'fastify';
import type { NodeMetrics } from '../../metrics.js';

export const metricsRoutes: FastifyPluginAsync<{ metrics: NodeMetrics }> = async (app, { metrics }) => {
  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
