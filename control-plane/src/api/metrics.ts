/** Prometheus metrics of the API: request durations by route, method and status, plus process metrics. */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpSeconds: Histogram<'route' | 'method' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'konsortium_cp_' });
    this.httpSeconds = new Histogram({
      name: 'konsortium_cp_http_request_duration_seconds',
      help: 'Control-plane HTTP request duration by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  instrument(app: FastifyInstance): void {
    // One child per (route, method, status), looked up once: label hashing per request is measurable.
    const children = new Map<string, { observe(v: number): void }>();
    app.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions.url ?? 'unknown';
      const key = `${route} ${req.method} ${reply.statusCode}`;
      let child = children.get(key);
      if (child === undefined) {
        child = this.httpSeconds.labels({ route, method: req.method, status: String(reply.statusCode) });
        children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
      done();
    });
  }
}
