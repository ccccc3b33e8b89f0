/** Liveness, readiness and Prometheus metrics: unauthenticated, for probes and scrapers. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ApiMetrics } from '../metrics.js';

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

const Health = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) });

export const healthRoutes: FastifyPluginAsyncTypebox<{ readiness: () => Promise<Readiness>; metrics: ApiMetrics }> = async (app, o) => {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: Health } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['health'], response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    const r = await o.readiness();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', reason: r.reason });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    void reply.header('content-type', o.metrics.registry.contentType);
    return o.metrics.registry.metrics();
  });
};
