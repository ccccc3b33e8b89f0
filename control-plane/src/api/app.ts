/**
 * The control plane's HTTP API as a fastify app. `build()` assembles it (tests call inject());
 * the caller listens. Order: security headers, rate limiting (auth routes), OpenAPI, error and
 * not-found handlers, metrics hook, then one encapsulated plugin per resource.
 *
 * Validation is strict: no type coercion of bodies, unknown properties refused (not stripped).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import AjvCompiler from '@fastify/ajv-compiler';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions, type FastifyInstance, LogController, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeyService } from '../auth/api-keys.js';
import type { KeyRing } from '../auth/keys.js';
import type { RefreshTokenService } from '../auth/refresh-tokens.js';
import type { TokenService } from '../auth/token-service.js';
import { type HotReads, prismaHotReads } from '../db/hot-reads.js';
import type { PrismaClient } from '../db/prisma.js';
import { type ApiContext, type ApiLimits, type CfaGateway, DEFAULT_API_LIMITS, type IntegrityPort, type OperationQueue } from './context.js';
import { errorHandler } from './errors.js';
import { ApiMetrics } from './metrics.js';
import { type Portal, portalIndex, registerPortal } from './portal.js';
import { createAuthenticator } from './principal.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { cfaRoutes } from './routes/cfa.js';
import { healthRoutes, type Readiness } from './routes/health.js';
import { identityRoutes } from './routes/identities.js';
import { integrityRoutes } from './routes/integrity.js';
import { invoiceRoutes } from './routes/invoices.js';
import { ledgerEndpointRoutes } from './routes/ledger-endpoints.js';
import { ledgerGatewayRoutes, type LedgerGatewayOptions } from './routes/ledger-gateway.js';
import { networkRoutes } from './routes/networks.js';
import { nodeHealthRoutes } from './routes/node-health.js';
import { nodeTokenRoutes } from './routes/node-token.js';
import { operationRoutes } from './routes/operations.js';
import { tenantRoutes } from './routes/tenants.js';
import { usageRoutes } from './routes/usage.js';
import { userRoutes } from './routes/users.js';
import { UsageMeter } from './usage-meter.js';

export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface ApiOptions {
  readonly db: PrismaClient;
  /** Hot reads (default through Prisma; the platform passes a pg pool). Not closed by the app. */
  readonly reads?: HotReads;
  readonly tokens: TokenService;
  readonly keyRing: KeyRing;
  readonly refresh: RefreshTokenService;
  readonly apiKeys: ApiKeyService;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly limits?: Partial<ApiLimits>;
  /** Provisioning (BullMQ); null: tenant onboarding answers NOT_CONFIGURED. */
  readonly operations?: OperationQueue | null;
  /** CFA submission to the ledger; null: CFA operations answer NOT_CONFIGURED. */
  readonly cfa?: CfaGateway | null;
  /** Integrity audits on demand; null: POST /v1/integrity/audits answers NOT_CONFIGURED. */
  readonly integrity?: IntegrityPort | null;
  readonly defaultNetwork?: string;
  /** Extra readiness checks (Redis, the ledger); the database is always checked. */
  readonly readiness?: () => Promise<Readiness>;
  readonly usageFlushMs?: number;
  readonly metrics?: ApiMetrics;
  /** The web portal's build (index.html, assets/); served at `/` when it holds index.html. */
  readonly portalDir?: string;
  /** The ledger gateway's limits and timeouts (`/ledger/:nodeId/*`). */
  readonly gateway?: Omit<LedgerGatewayOptions, 'ctx'>;
  /** Per-node deadline of `GET /v1/networks/:id/nodes/health` (default 2000 ms). */
  readonly nodeHealthTimeoutMs?: number;
}

type RouteSchema = { readonly httpPart?: string };
type CompilerPool = (external: unknown, options: { customOptions?: Record<string, unknown> }) => (route: RouteSchema) => unknown;

/**
 * Bodies are JSON and never coerced (a string is not a number there); query strings and path
 * parameters are text by nature, so `?limit=20` must become the integer its schema asks for.
 * Same ajv options otherwise (fastify's, with ours in `ajv.customOptions`).
 */
function coercingQueryValidators(): FastifyServerOptions['schemaController'] {
  const pool = (): CompilerPool => AjvCompiler() as unknown as CompilerPool;
  const buildValidator: CompilerPool = (external, options) => {
    const strict = pool()(external, options);
    const coercing = pool()(external, { ...options, customOptions: { ...options.customOptions, coerceTypes: true } });
    return (route) => (route.httpPart === 'body' ? strict : coercing)(route);
  };
  return { compilersFactory: { buildValidator: buildValidator as never } };
}

export async function build(o: ApiOptions): Promise<ApiApp> {
  const now = o.now ?? Date.now;
  const app = Fastify({
    ...(o.logger ? { loggerInstance: o.logger as FastifyBaseLogger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
    schemaController: coercingQueryValidators(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const usage = new UsageMeter(o.db, now, o.usageFlushMs);
  usage.start();
  app.addHook('onClose', () => usage.stop());

  const authenticator = createAuthenticator({ tokens: o.tokens, apiKeys: o.apiKeys, now });
  app.decorateRequest('principal', null);
  const ctx: ApiContext = {
    db: o.db,
    reads: o.reads ?? prismaHotReads(o.db),
    tokens: o.tokens,
    keyRing: o.keyRing,
    refresh: o.refresh,
    apiKeys: o.apiKeys,
    now,
    limits: { ...DEFAULT_API_LIMITS, ...o.limits },
    usage,
    operations: o.operations ?? null,
    cfa: o.cfa ?? null,
    integrity: o.integrity ?? null,
    defaultNetwork: o.defaultNetwork ?? 'consortium',
    authenticate: (req, _reply, done) => {
      authenticator.authenticate(req).then(
        (p) => {
          req.principal = p;
          if (p.tenantId !== null) usage.add(p.tenantId, 'api.requests');
          done();
        },
        (err: Error) => done(err),
      );
    },
  };

  await app.register(helmet, { contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }, hsts: { maxAge: 31_536_000 } });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Konsortium control plane', version: '0.1.0', description: 'Tenants, users, API keys, networks, nodes, provisioning, usage, invoices, audit and the CFA projection.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An access token (POST /v1/auth/login) or an API key ksk_…' } } },
      security: [{ bearer: [] }],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler(errorHandler);
  let portal: Portal | null = null;
  app.setNotFoundHandler(async (req, reply) => {
    if (portal !== null && (await portal.fallback(req, reply))) return reply;
    return reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
  const metrics = o.metrics ?? new ApiMetrics();
  metrics.instrument(app);

  await app.register(healthRoutes, {
    readiness: async () => {
      try {
        await o.db.$queryRaw`SELECT 1`;
      } catch (err) {
        return { ready: false, reason: `database: ${(err as Error).message}` };
      }
      return o.readiness ? o.readiness() : { ready: true, reason: 'ok' };
    },
    metrics,
  });
  await app.register(authRoutes, { ctx });
  // Outside the authenticated scope: the gateway verifies node tokens, not API tokens.
  await app.register(ledgerGatewayRoutes, { ...o.gateway, ctx });
  await app.register(async (api) => {
    api.addHook('onRequest', ctx.authenticate);
    await api.register(tenantRoutes, { ctx });
    await api.register(userRoutes, { ctx });
    await api.register(apiKeyRoutes, { ctx });
    await api.register(identityRoutes, { ctx });
    await api.register(networkRoutes, { ctx });
    await api.register(operationRoutes, { ctx });
    await api.register(usageRoutes, { ctx });
    await api.register(invoiceRoutes, { ctx });
    await api.register(auditRoutes, { ctx });
    await api.register(cfaRoutes, { ctx });
    await api.register(integrityRoutes, { ctx });
    await api.register(nodeTokenRoutes, { ctx });
    await api.register(ledgerEndpointRoutes, { ctx });
    await api.register(nodeHealthRoutes, { ctx, ...(o.nodeHealthTimeoutMs === undefined ? {} : { timeoutMs: o.nodeHealthTimeoutMs }) });
  });
  if (o.portalDir !== undefined) {
    if (portalIndex(o.portalDir) !== null) portal = await registerPortal(app, o.portalDir);
    else app.log.info({ portalDir: o.portalDir }, 'the web portal is not built (npm run build builds it): serving the API only');
  }
  return app;
}
