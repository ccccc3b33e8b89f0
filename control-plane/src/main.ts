#!/usr/bin/env node
/**
 * The control-plane API process. `npm start` runs it on embedded defaults (see
 * platform/platform.ts): embedded PostgreSQL and redis-server in the data directory, local
 * node processes, a 3-node network and a demo tenant, on 127.0.0.1:8700. The Helm chart runs
 * it against an external PostgreSQL and Redis with the Kubernetes runtime, listening on
 * 0.0.0.0, with no in-process worker (worker-main.ts) and no demo tenant. Flags and their
 * environment variables: MAIN_USAGE in platform/options.ts (`--help`).
 *
 * Ctrl-C (SIGINT) or SIGTERM stops everything cleanly; a second signal exits at once.
 * Exit codes: 0 stopped cleanly, 1 failed, 2 bad usage.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseOrExit } from './platform/cli-exit.js';
import { MAIN_USAGE, parseMainOptions } from './platform/options.js';
import type { Platform, PlatformOptions } from './platform/platform.js';

const o = parseOrExit('konsortium', () => parseMainOptions(process.argv.slice(2), process.env), MAIN_USAGE, 'Run with --help for the flags.\n');

const logger = pino({ level: o.logLevel });

/** The portal's Vite build in this checkout: control-plane/dist/main.js → web-portal/dist. */
const DEFAULT_PORTAL_DIR = fileURLToPath(new URL('../../web-portal/dist', import.meta.url));
const portalDir = o.portalDir ?? DEFAULT_PORTAL_DIR;

/** What this start prints: where everything is, and the credentials it made (once). */
async function banner(platform: Platform, startedMs: number): Promise<string> {
  const nodes = (await platform.db.ledgerNode.findMany({ orderBy: { nodeId: 'asc' }, include: { network: { select: { name: true } } } })).map(
    (n) => `    ${n.network.name} node ${n.nodeId} (${n.kind}, ${n.status}): ${n.httpUrl ?? '-'}`,
  );
  const c = platform.credentials;
  const made = platform.credentialsCreated;
  const creds: string[] = [];
  if (made.admin) creds.push(`  Platform admin     ${c.admin.email} / ${c.admin.password}`);
  if (made.demo && c.demo) creds.push(`  Demo tenant admin  ${c.demo.email} / ${c.demo.password}  (tenant ${c.demo.tenantId})`);
  if (made.admin) {
    creds.push('', `  Log in:  curl -s ${platform.url}/v1/auth/login -H 'content-type: application/json' -d '{"email":"${c.admin.email}","password":"${c.admin.password}"}'`);
  }
  return [
    '',
    `Konsortium is running (started in ${((Date.now() - startedMs) / 1000).toFixed(1)} s; data in ${o.dataDir})`,
    '',
    `  Control-plane API  ${platform.url}${platform.publicUrl === platform.url ? '' : `  (nodes use ${platform.publicUrl})`}`,
    `  Web portal         ${platform.portalUrl ?? `not built (${portalDir}; npm run build builds it)`}`,
    `  OpenAPI            ${platform.url}/openapi.json`,
    `  JWKS               ${platform.url}/.well-known/jwks.json`,
    `  Metrics / health   ${platform.url}/metrics  ${platform.url}/readyz`,
    `  Node runtime       ${o.runtime.kind === 'kubernetes' ? `kubernetes (namespace ${(platform.runtime as { namespace?: string }).namespace ?? '?'})` : 'local processes'}`,
    `  Provisioning       ${o.worker ? 'worker in this process' : 'no worker in this process (run worker-main)'}`,
    '  Ledger nodes:',
    ...(nodes.length > 0 ? nodes : ['    none']),
    '',
    ...(creds.length > 0
      ? [...creds, '', `  (shown once; also in ${o.dataDir}/credentials.json, mode 0600)`]
      : [c.admin.password === '' ? '  Credentials: the platform admin was made by another instance over this database (not shown here)' : `  Credentials: in ${o.dataDir}/credentials.json (shown on the first start only)`]),
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

// Loaded once the command line is good: usage errors and --help answer at once.
const { RedisServerMissingError } = await import('./infra/redis-server.js');
const { openKubernetesRuntime } = await import('./platform/kubernetes.js');
const { startPlatform } = await import('./platform/platform.js');

try {
  const started = Date.now();
  let runtime: PlatformOptions['runtime'];
  if (o.runtime.kind === 'kubernetes') {
    runtime = await openKubernetesRuntime(o.runtime, logger);
  }
  const platform = await startPlatform({
    dataDir: o.dataDir,
    host: o.host,
    port: o.port,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}),
    ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
    ...(runtime ? { runtime } : {}),
    // Pods are scheduled and images pulled before a Kubernetes network serves.
    network: { name: 'consortium', nodes: o.nodes, create: o.network, ...(o.runtime.kind === 'kubernetes' ? { readyTimeoutMs: 600_000 } : {}) },
    worker: o.worker,
    demoTenant: o.demo,
    portalDir,
    logger,
  });
  process.stdout.write(await banner(platform, started));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'stopping');
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  if (err instanceof RedisServerMissingError) process.stderr.write(`\n${err.message}\n`);
  else logger.fatal({ err }, 'the platform did not start');
  process.exit(1);
}
