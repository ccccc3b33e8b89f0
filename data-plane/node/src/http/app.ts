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
import { ChannelAdmin } from '../ledger/channel-admin.js';
import type { ChannelHost } from '../ledger/channel-host.js';
import type { Readiness } from '../runtime/node.js';
import { ADMIN_ROLES, type AuthVerifier, requireCaller } from './auth.js';
import { blockRoutes } from './routes/ledger/blocks.js';
import { cfaRoutes } from './routes/ledger/cfa.js';
import { channelRoutes } from './routes/ledger/channels.js';
import { dataRoutes } from './routes/ledger/data.js';
import { eventRoutes } from './routes/ledger/events.js';
import { stateRoutes } from './routes/ledger/state.js';
import { bulkSubmitRoutes, txRoutes } from './routes/ledger/txs.js';

/**
 * Ready when the KV node is, and every channel is (each has a leader and has replayed its log,
 * and, for a node that joined after the genesis, governance lists it with its keys).
 */
function readinessOf(o: HttpApiOptions): Readiness {
  if (o.node !== undefined) {
    const r = o.node.readiness();
    if (!r.ready) return r;
  }
  for (const c of o.channels?.list() ?? []) {
    const r = c.node.readiness();
    if (!r.ready) return { ready: false, reason: `channel ${c.name}: ${r.reason}` };
    const refusal = c.ledger.refusal();
    if (refusal !== null) return { ready: false, reason: `channel ${c.name}: ${refusal.code}: ${refusal.message}` };
  }
  return { ready: true, reason: 'ok' };
}

export type HttpApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpApiOptions {
  /** The KV node (a node without channels); its routes live under /v1. */
  readonly node?: NodeApi;
  /** Channels served by a ledger node; their routes live under /v1/channels/:channel. */
  readonly channels?: ChannelHost;
  /** JWT verification of callers; null or absent: the API is open. */
  readonly auth?: AuthVerifier | null;
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

  const auth = options.auth ?? null;
  await app.register(healthRoutes, { readiness: () => readinessOf(options) });
  await app.register(metricsRoutes, {
    registries: () => [options.metrics.registry, ...(options.channels?.list() ?? []).filter((c) => c.node.metrics !== options.metrics).map((c) => c.node.metrics.registry)],
  });
  const node = options.node;
  if (node !== undefined) {
    await app.register(statusRoutes, { node, prefix: '/v1' });
    await app.register(kvRoutes, { node, limits });
    await app.register(membersRoutes, { node, prefix: '/v1' });
    await app.register(adminRoutes, { node, prefix: '/v1' });
  }
  const channels = options.channels;
  if (channels !== undefined) {
    await app.register(async (reader) => {
      reader.addHook('onRequest', requireCaller(auth));
      await reader.register(channelRoutes, { channels });
      await reader.register(txRoutes, { channels });
      await reader.register(blockRoutes, { channels });
      await reader.register(stateRoutes, { channels });
      await reader.register(eventRoutes, { channels });
      await reader.register(cfaRoutes, { channels });
      await reader.register(dataRoutes, { channels, blobLimitBytes: limits.blobLimitBytes });
    });
    await app.register(bulkSubmitRoutes, { channels, auth, bulkBodyLimitBytes: limits.bulkBodyLimitBytes });
    // Each channel's Raft group has its own status and membership, under its prefix; admin only.
    for (const c of channels.list()) {
      const node = new ChannelAdmin(c);
      await app.register(
        async (admin) => {
          admin.addHook('onRequest', requireCaller(auth, ADMIN_ROLES));
          await admin.register(statusRoutes, { node });
          await admin.register(membersRoutes, { node });
          await admin.register(adminRoutes, { node });
        },
        { prefix: `/v1/channels/${c.name}/admin` },
      );
    }
  }
  return app;
}
