/**
 * The node's HTTP API as a fastify app. `build()` only assembles it (tests call inject());
 * the caller listens. Load order: error and not-found handlers and hooks, then one
 * encapsulated plugin per resource.
 *
 * Validation is strict: no type coercion (a number is not a string value) and unknown
 * properties are refused rather than silently removed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics.js';
import { errorHandler } from './errors.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits, type NodeApi } from './node-api.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { kvRoutes } from './routes/kv.js';
import { membersRoutes } from './routes/members.js';
import { metricsRoutes } from './routes/metrics.js';
import { statusRoutes } from './routes/status.js';

export type HttpApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpApiOptions {
  readonly node: NodeApi;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  readonly limits?: Partial<HttpLimits>;
  /** Keep-alive idle timeout; load generators keep connections open between requests. */
  readonly keepAliveTimeoutMs?: number;
}

export async function build(options: HttpApiOptions): Promise<HttpApp> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const logger = options.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Keys are path parameters; the default limit (100) would refuse long (or escaped) keys with 414.
    routerOptions: { maxParamLength: 1024 },
    bodyLimit: limits.bodyLimitBytes,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` });
  });
  // One histogram child per (route, method, status), looked up once: label hashing on every
  // request is measurable at tens of thousands of requests per second.
  const httpSeconds = options.metrics.httpSeconds;
  const children = new Map<string, { observe(v: number): void }>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unknown';
    const key = `${route} ${req.method} ${reply.statusCode}`;
    let child = children.get(key);
    if (child === undefined) {
      child = httpSeconds.labels({ route, method: req.method, status: String(reply.statusCode) });
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });

  await app.register(healthRoutes, { node: options.node });
  await app.register(metricsRoutes, { metrics: options.metrics });
  await app.register(statusRoutes, { node: options.node });
  await app.register(kvRoutes, { node: options.node, limits });
  await app.register(membersRoutes, { node: options.node });
  await app.register(adminRoutes, { node: options.node });
  return app;
}
