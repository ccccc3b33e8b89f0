/**
 * Control-plane API benchmark: authenticated tenant reads at a fixed offered rate, audited
 * writes, a plain fastify + pg peer on the same PostgreSQL for comparison, and the time to
 * provision a dedicated ledger node, all in one run of the whole platform (`startPlatform`:
 * embedded PostgreSQL, redis-server, the API, the provisioning worker and a local 3-node ledger
 * network, fsync on) in a fresh temporary directory.
 *
 *   npm run bench:api -- [--seconds 10] [--warmup 2] [--rate 2000] [--connections 50]
 *                        [--write-rate 200] [--write-seconds 5] [--json] [--keep]
 *
 * Load: autocannon (test workspace), run in a worker thread of this process so that it does not
 * share an event loop with the API under test (it does share the machine's cores). Reads cycle
 * GET /v1/tenants/:id, GET /v1/tenants/:id/users and GET /v1/me with the demo tenant admin's
 * access token. autocannon's rate limit is a per-connection budget per second that a connection
 * spends back to back, so one instance with `overallRate` offers its whole second's load in one
 * burst on every connection at once; to offer a steady rate instead, the fixed-rate runs use one
 * autocannon instance per connection (rate / connections each), started 1000 / connections ms
 * apart. The unthrottled runs are one instance with all connections and no rate (closed loop).
 * Latency is per response, send to last byte, recorded by the bench (microseconds, from
 * autocannon's `response` events) for 2xx answers completed inside the measured window (after
 * the warm-up); throughput is those completions / window. Any non-2xx answer, socket error or
 * timeout fails the bench.
 *
 * The peer is a minimal fastify app (no auth, no schemas, no hooks) answering the same three
 * reads with one `pg` Pool query each (pool of 10, as Prisma's pg adapter), on the same
 * PostgreSQL: the floor of what fastify + PostgreSQL can do on this machine.
 *
 * With --json the last line of stdout is
 * {"rps","p50_ms","p99_ms","peer_rps","peer_p99_ms","write_rps","write_p99_ms","provision_s","max_rps","peer_max_rps"}
 * (rps, p50, p99 and peer_* from the fixed-rate read runs; max_* from the unthrottled ones).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type Platform, startPlatform } from '@konsortium/control-plane/platform';
import { Histogram } from './histogram.js';


const CH = 'consortium';
const GOAL_RATE = 2000;
const GOAL_P99_MS = 10;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const log = (msg: string): void => void process.stderr.write(`[bench:api] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// The load generator (worker thread): autocannon, with our own latency histogram.

/** One request of an autocannon `requests` list (the subset used here). */
interface CannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: CannonRequest, context: Record<string, unknown>) => CannonRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  headers?: Record<string, string>;
  requests: CannonRequest[];
  timeout?: number;
  ignoreCoordinatedOmission?: boolean;
}

interface CannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}

interface CannonInstance extends PromiseLike<CannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
  stop(): void;
}

type Autocannon = (opts: CannonOptions) => CannonInstance;

/** What a load run does; structured-cloneable (it crosses into the worker). */
interface LoadSpec {
  origin: string;
  kind: 'reads' | 'writes';
  /** Reads: the request paths, cycled on every connection. Writes: the tenant id. */
  paths: string[];
  tenantId?: string;
  token?: string;
  connections: number;
  /** Offered requests per second in all; 0: unthrottled (closed loop). */
  rate: number;
  warmupSeconds: number;
  seconds: number;
}

interface LoadResult {
  rps: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const hist = new Histogram();
  // No content-type by default: fastify refuses a DELETE that announces JSON and sends no body.
  const headers: Record<string, string> = spec.token ? { authorization: `Bearer ${spec.token}` } : {};
  const requests = (): CannonRequest[] => {
    if (spec.kind === 'reads') return spec.paths.map((p) => ({ method: 'GET', path: p }));
    // Create a key, then revoke the key just created (the id comes from the creation reply).
    return [
      {
        method: 'POST',
        path: `/v1/tenants/${spec.tenantId}/api-keys`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', scopes: ['read'] }),
        onResponse: (status, body, context) => {
          context.keyId = status === 201 ? (JSON.parse(body) as { apiKey: { id: string } }).apiKey.id : undefined;
        },
      },
      {
        method: 'DELETE',
        path: `/v1/api-keys/${ZERO_UUID}`,
        setupRequest: (req, context) => ({ ...req, path: `/v1/api-keys/${typeof context.keyId === 'string' ? context.keyId : ZERO_UUID}` }),
      },
    ];
  };
  // Fixed rate: one instance per connection, staggered over a second; unthrottled: one instance.
  const instances = spec.rate > 0 ? spec.connections : 1;
  const stagger = spec.rate > 0 ? 1000 / instances : 0;
  const t0 = performance.now();
  const windowStart = t0 + stagger * instances + spec.warmupSeconds * 1000;
  const windowEnd = windowStart + spec.seconds * 1000;
  const totalSeconds = (windowEnd - t0) / 1000 + 0.2;
  let inWindow = 0;
  const started: Promise<CannonResult>[] = [];
  for (let i = 0; i < instances; i++) {
    const delay = stagger * i;
    const rate = spec.rate > 0 ? Math.floor(spec.rate / instances) + (i < spec.rate % instances ? 1 : 0) : 0;
    started.push(
      new Promise<CannonResult>((resolve, reject) => {
        setTimeout(() => {
          const inst = autocannon({
            url: spec.origin,
            connections: spec.rate > 0 ? 1 : spec.connections,
            duration: totalSeconds - delay / 1000,
            ...(rate > 0 ? { overallRate: rate } : {}),
            headers,
            requests: requests(),
            timeout: 10,
            // autocannon's correction assumes 1 ms between requests here (ceil(1 / rate per second)); we record our own latencies.
            ...(rate > 0 ? { ignoreCoordinatedOmission: true } : {}),
          });
          inst.on('response', (_client, statusCode, _bytes, ms) => {
            const now = performance.now();
            if (now < windowStart || now > windowEnd || statusCode < 200 || statusCode > 299) return;
            inWindow++;
            hist.record(ms * 1000);
          });
          inst.then(resolve, reject);
        }, delay);
      }),
    );
  }
  const results = await Promise.all(started);
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [code, s] of Object.entries(r.statusCodeStats)) statuses[code] = (statuses[code] ?? 0) + s.count;
  const ms = (us: number) => us / 1000;
  return {
    rps: inWindow / spec.seconds,
    count: hist.count,
    p50Ms: ms(hist.quantile(0.5)),
    p99Ms: ms(hist.quantile(0.99)),
    maxMs: ms(hist.max),
    meanMs: ms(hist.mean),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    timeouts: results.reduce((a, r) => a + r.timeouts, 0),
    statuses,
  };
}

/** Runs `spec` in a worker thread (this same module); bounded by the run's length + 60 s. */
function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: spec });
    let settled = false;
    const limitMs = (spec.warmupSeconds + spec.seconds + 2) * 1000 + 60_000;
    const timer = setTimeout(() => {
      finish(new Error(`the load worker did not finish within ${limitMs / 1000} s`));
      void worker.terminate();
    }, limitMs);
    const finish = (err: Error | null, r?: LoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(r!);
    };
    worker.once('message', (r: LoadResult) => finish(null, r));
    worker.once('error', (err) => finish(err));
    worker.once('exit', (code) => finish(new Error(`the load worker exited (${code}) without a result`)));
  });
}

// ---------------------------------------------------------------------------------------------
// The main thread: the platform, the peer, the runs, the report.

interface Settings {
  seconds: number;
  warmup: number;
  rate: number;
  connections: number;
  writeRate: number;
  writeSeconds: number;
  json: boolean;
  keep: boolean;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      'write-rate': { type: 'string' },
      'write-seconds': { type: 'string' },
      json: { type: 'boolean' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const int = (v: string | undefined, d: number, name: string, min: number, max: number): number => {
    if (v === undefined) return d;
    if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return Number(v);
  };
  const s = {
    seconds: int(values.seconds, 10, 'seconds', 1, 600),
    warmup: int(values.warmup, 2, 'warmup', 0, 60),
    rate: int(values.rate, GOAL_RATE, 'rate', 1, 1_000_000),
    connections: int(values.connections, 50, 'connections', 1, 1000),
    writeRate: int(values['write-rate'], 200, 'write-rate', 2, 100_000),
    writeSeconds: int(values['write-seconds'], 5, 'write-seconds', 1, 600),
    json: values.json ?? false,
    keep: values.keep ?? false,
  };
  if (s.rate < s.connections) throw new Error('--rate must be at least --connections (each connection offers rate / connections per second)');
  return s;
}

async function call<T>(base: string, method: string, url: string, token: string | null, body?: unknown, expect = [200]): Promise<T> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return (text === '' ? null : JSON.parse(text)) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function login(base: string, email: string, password: string): Promise<string> {
  return (await call<{ accessToken: string }>(base, 'POST', '/v1/auth/login', null, { email, password })).accessToken;
}

interface Operation {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  step: string;
  error: string | null;
}

/** The peer: the same three reads, one pg query each, no auth. */
async function startPeer(databaseUrl: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const { default: Fastify } = await import('fastify');
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', (err) => log(`peer pool: ${err.message}`)); // an idle client lost (e.g. PostgreSQL stopping)
  const app = Fastify({ logger: false });
  app.get<{ Params: { id: string } }>('/tenants/:id', async (req, reply) => {
    const r = await pool.query('SELECT id, name, plan, status, member_id, max_users, max_api_keys, max_tx_per_day, created_at, updated_at FROM tenants WHERE id = $1', [req.params.id]);
    if (r.rows.length === 0) return reply.code(404).send({ code: 'NOT_FOUND' });
    return r.rows[0] as unknown;
  });
  app.get<{ Params: { id: string } }>('/tenants/:id/users', async (req) => {
    const r = await pool.query('SELECT id, email, role, tenant_id, created_at FROM users WHERE tenant_id = $1 ORDER BY id LIMIT 101', [req.params.id]);
    return { items: r.rows as unknown[], next: null };
  });
  app.get<{ Params: { id: string } }>('/users/:id', async (req, reply) => {
    const r = await pool.query('SELECT id, email, role, tenant_id, created_at FROM users WHERE id = $1', [req.params.id]);
    if (r.rows.length === 0) return reply.code(404).send({ code: 'NOT_FOUND' });
    return r.rows[0] as unknown;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('the peer has no address');
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

interface Provisioning {
  totalS: number;
  operationS: number;
  nodeReadyS: number;
  steps: { step: string; s: number }[];
}

/** A dedicated tenant from POST /v1/tenants to its node answering the channel head. */
async function provision(p: Platform, adminToken: string): Promise<Provisioning> {
  const tag = randomBytes(4).toString('hex');
  const t0 = performance.now();
  const el = () => (performance.now() - t0) / 1000;
  const created = await call<{ tenant: { id: string }; operation: Operation }>(
    p.url,
    'POST',
    '/v1/tenants',
    adminToken,
    { name: `Bench Dedicated ${tag}`, plan: 'dedicated', admin: { email: `bench-${tag}@bench.example`, password: randomBytes(12).toString('base64url') }, custody: 'custodial' },
    [201],
  );
  const opId = created.operation.id;
  log(`provisioning: tenant ${created.tenant.id}, operation ${opId} (${created.operation.kind}) at ${el().toFixed(2)} s`);
  let last = '';
  let lastAt = 0;
  const steps: { step: string; s: number }[] = [];
  let op: Operation | null = null;
  const deadline = performance.now() + 180_000;
  for (let i = 0; i < 1000 && performance.now() < deadline; i++) {
    op = await call<Operation>(p.url, 'GET', `/v1/operations/${opId}`, adminToken);
    const label = `${op.status}/${op.step}`;
    if (label !== last) {
      const now = el();
      if (last !== '') steps.push({ step: last, s: now - lastAt });
      log(`provisioning: ${label.padEnd(32)} at ${now.toFixed(2)} s`);
      last = label;
      lastAt = now;
    }
    if (op.status === 'succeeded' || op.status === 'failed') break;
    await sleep(200);
  }
  if (op?.status !== 'succeeded') throw new Error(`provisioning did not succeed within 180 s: ${op?.status ?? 'unknown'} at ${op?.step ?? '?'}: ${op?.error ?? ''}`);
  const operationS = el();
  const nets = await call<{ items: { id: string; name: string }[] }>(p.url, 'GET', '/v1/networks', adminToken);
  const net = nets.items.find((n) => n.name === CH);
  if (net === undefined) throw new Error(`network ${CH} not found`);
  const nodes = await call<{ items: { kind: string; tenantId: string | null; httpUrl: string | null; nodeId: number; status: string }[] }>(p.url, 'GET', `/v1/networks/${net.id}/nodes`, adminToken);
  const node = nodes.items.find((n) => n.kind === 'dedicated' && n.tenantId === created.tenant.id);
  if (node === undefined || node.httpUrl === null) throw new Error(`no dedicated node with an address for tenant ${created.tenant.id}`);
  const nodeToken = (await p.tokens.issueAccessToken({ subject: 'bench', roles: ['admin'], audience: 'konsortium-node' })).token;
  let headStatus = 0;
  const headDeadline = performance.now() + 60_000;
  for (let i = 0; i < 600 && performance.now() < headDeadline; i++) {
    headStatus = await fetch(`${node.httpUrl}/v1/channels/${CH}/head`, { headers: { authorization: `Bearer ${nodeToken}` }, signal: AbortSignal.timeout(5_000) }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 0,
    );
    if (headStatus === 200) break;
    await sleep(100);
  }
  if (headStatus !== 200) throw new Error(`node ${node.nodeId} (${node.httpUrl}) did not answer its channel head within 60 s (last ${headStatus})`);
  const totalS = el();
  steps.push({ step: last, s: operationS - lastAt }, { step: 'node head answers 200', s: totalS - operationS });
  log(`provisioning: node ${node.nodeId} (${node.status}) at ${node.httpUrl} answers ${CH}/head at ${totalS.toFixed(2)} s`);
  return { totalS, operationS, nodeReadyS: totalS - operationS, steps };
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const int = (x: number) => Math.round(x).toLocaleString('en-US');

function row(name: string, r: LoadResult): string {
  return `${name.padEnd(34)} ${int(r.rps).padStart(8)} ${f2(r.p50Ms).padStart(8)} ${f2(r.p99Ms).padStart(8)} ${f2(r.maxMs).padStart(8)} ${String(r.non2xx + r.errors).padStart(7)}`;
}

function problems(name: string, r: LoadResult): string[] {
  const out: string[] = [];
  if (r.non2xx > 0) out.push(`${name}: ${r.non2xx} non-2xx answers (${JSON.stringify(r.statuses)})`);
  if (r.errors > 0) out.push(`${name}: ${r.errors} socket errors (${r.timeouts} timeouts)`);
  if (r.count === 0) out.push(`${name}: no answer inside the window`);
  return out;
}

async function main(): Promise<void> {
  const s = settings();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'konsortium-api-bench-'));
  const { pino } = await import('pino');
  const logger = pino({ level: 'warn' }, pino.destination({ dest: 2, sync: true }));

  let platform: Platform | null = null;
  let peer: Awaited<ReturnType<typeof startPeer>> | null = null;
  let closing: Promise<void> | null = null;
  const closeAll = (): Promise<void> =>
    (closing ??= (async () => {
      if (peer !== null) await peer.close().catch((err: unknown) => log(`peer close: ${String(err)}`));
      if (platform !== null) await platform.close().catch((err: unknown) => log(`platform close: ${String(err)}`));
      if (!s.keep) rmSync(dataDir, { recursive: true, force: true });
      else log(`kept ${dataDir}`);
    })());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping the platform...`);
      const hard = setTimeout(() => process.exit(130), 30_000);
      hard.unref();
      void closeAll().finally(() => process.exit(130));
    });
  }

  const failures: string[] = [];
  let out: Record<string, number | null>;
  try {
    log(`starting the platform in ${dataDir} (embedded PostgreSQL, redis-server, API, worker, 3 ledger nodes; fsync on)...`);
    const t0 = performance.now();
    platform = await startPlatform({ dataDir, port: 0, network: { name: CH, nodes: 3 }, logger });
    log(`platform up at ${platform.url} in ${f1((performance.now() - t0) / 1000)} s`);
    const demo = platform.credentials.demo;
    if (demo === undefined) throw new Error('the platform made no demo tenant');
    const tenantId = demo.tenantId;
    const token = await login(platform.url, demo.email, demo.password);
    const admin = await login(platform.url, platform.credentials.admin.email, platform.credentials.admin.password);

    const opDeadline = performance.now() + 120_000;
    let onboarding: Operation | undefined;
    for (let i = 0; i < 600 && performance.now() < opDeadline; i++) {
      onboarding = (await call<{ items: Operation[] }>(platform.url, 'GET', `/v1/tenants/${tenantId}/operations`, token)).items[0];
      if (onboarding?.status === 'succeeded') break;
      if (onboarding?.status === 'failed') throw new Error(`the demo tenant's onboarding failed: ${onboarding.error ?? ''}`);
      await sleep(200);
    }
    if (onboarding?.status !== 'succeeded') throw new Error(`the demo tenant's onboarding did not succeed within 120 s (${onboarding?.status ?? 'none'} at ${onboarding?.step ?? '?'})`);
    log(`demo tenant ${tenantId} onboarded (${onboarding.kind})`);
    await call(platform.url, 'PATCH', `/v1/tenants/${tenantId}`, admin, { quotas: { maxApiKeys: 10_000 } });
    const me = await call<{ subject: string }>(platform.url, 'GET', '/v1/me', token);

    peer = await startPeer(platform.databaseUrl);
    const ourPaths = [`/v1/tenants/${tenantId}`, `/v1/tenants/${tenantId}/users`, '/v1/me'];
    const peerPaths = [`/tenants/${tenantId}`, `/tenants/${tenantId}/users`, `/users/${me.subject}`];
    for (const [origin, paths, tok] of [
      [platform.url, ourPaths, token],
      [peer.origin, peerPaths, undefined],
    ] as const) {
      for (const pth of paths) await call(origin, 'GET', pth, tok ?? null);
    }
    const base = { warmupSeconds: s.warmup, seconds: s.seconds, connections: s.connections };
    const reads = (origin: string, paths: string[], rate: number, tok?: string): LoadSpec => ({ ...base, origin, kind: 'reads', paths, rate, ...(tok ? { token: tok } : {}) });

    log(`reads at ${s.rate} req/s offered, ${s.connections} connections, ${s.warmup} s warm-up + ${s.seconds} s: control plane...`);
    const ours = await load(reads(platform.url, ourPaths, s.rate, token));
    log(`  ${int(ours.rps)} req/s, p50 ${f2(ours.p50Ms)} ms, p99 ${f2(ours.p99Ms)} ms, max ${f2(ours.maxMs)} ms`);
    log('... peer (fastify + pg)...');
    const peerFixed = await load(reads(peer.origin, peerPaths, s.rate));
    log(`  ${int(peerFixed.rps)} req/s, p50 ${f2(peerFixed.p50Ms)} ms, p99 ${f2(peerFixed.p99Ms)} ms`);
    log(`unthrottled reads, ${s.connections} connections: control plane...`);
    const oursMax = await load(reads(platform.url, ourPaths, 0, token));
    log(`  ${int(oursMax.rps)} req/s, p99 ${f2(oursMax.p99Ms)} ms`);
    log('... peer...');
    const peerMax = await load(reads(peer.origin, peerPaths, 0));
    log(`  ${int(peerMax.rps)} req/s, p99 ${f2(peerMax.p99Ms)} ms`);

    const writeConns = Math.max(1, Math.min(10, Math.floor(s.writeRate / 2)));
    log(`writes (create + revoke an API key, audited) at ${s.writeRate} req/s, ${writeConns} connections, 1 s warm-up + ${s.writeSeconds} s...`);
    const writes = await load({ origin: platform.url, kind: 'writes', paths: [], tenantId, token, connections: writeConns, rate: s.writeRate, warmupSeconds: 1, seconds: s.writeSeconds });
    log(`  ${int(writes.rps)} req/s, p50 ${f2(writes.p50Ms)} ms, p99 ${f2(writes.p99Ms)} ms`);
    // A run ends between a creation and its revocation on up to one key per connection: revoke those.
    const leftover = await platform.db.apiKey.findMany({ where: { tenantId, revokedAt: null }, select: { id: true } });
    if (leftover.length > writeConns) failures.push(`writes: ${leftover.length} API keys were created and not revoked (at most ${writeConns} expected)`);
    for (const k of leftover.slice(0, writeConns)) await call(platform.url, 'DELETE', `/v1/api-keys/${k.id}`, token);

    log('provisioning a dedicated node (local runtime)...');
    const prov = await provision(platform, await login(platform.url, platform.credentials.admin.email, platform.credentials.admin.password));

    for (const [name, r] of [['reads (fixed rate)', ours], ['peer reads (fixed rate)', peerFixed], ['reads (unthrottled)', oursMax], ['peer reads (unthrottled)', peerMax], ['writes', writes]] as const) {
      failures.push(...problems(name, r));
    }
    const met = ours.rps >= 0.98 * s.rate && ours.p99Ms <= GOAL_P99_MS;
    const table = [
      '',
      `Control-plane API, ${s.seconds} s measured after ${s.warmup} s warm-up, ${s.connections} connections`,
      `${'run'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'errors'.padStart(7)}`,
      row(`reads @ ${s.rate}/s: control plane`, ours),
      row(`reads @ ${s.rate}/s: peer fastify+pg`, peerFixed),
      row('reads unthrottled: control plane', oursMax),
      row('reads unthrottled: peer fastify+pg', peerMax),
      row(`writes @ ${s.writeRate}/s (key create+revoke)`, writes),
      '',
      `p99 ratio control plane / peer at ${s.rate}/s: ${f2(ours.p99Ms / Math.max(peerFixed.p99Ms, 0.001))}; max throughput peer / control plane: ${f2(peerMax.rps / Math.max(oursMax.rps, 1))}`,
      `provisioning a dedicated node: ${f1(prov.totalS)} s (operation ${f1(prov.operationS)} s, then node head ${f2(prov.nodeReadyS)} s)`,
      ...prov.steps.map((st) => `  ${st.step.padEnd(34)} ${f2(st.s).padStart(7)} s`),
      '',
      `goal: p99 <= ${GOAL_P99_MS} ms at ${GOAL_RATE} req/s of reads: ${met ? 'MET' : 'NOT MET'} (${int(ours.rps)} req/s achieved of ${s.rate} offered, p99 ${f2(ours.p99Ms)} ms)`,
      '',
    ].join('\n');
    process.stderr.write(`${table}\n`);
    out = {
      rps: Math.round(ours.rps),
      p50_ms: Number(f2(ours.p50Ms)),
      p99_ms: Number(f2(ours.p99Ms)),
      peer_rps: Math.round(peerFixed.rps),
      peer_p99_ms: Number(f2(peerFixed.p99Ms)),
      write_rps: Math.round(writes.rps),
      write_p99_ms: Number(f2(writes.p99Ms)),
      provision_s: Number(f1(prov.totalS)),
      max_rps: Math.round(oursMax.rps),
      peer_max_rps: Math.round(peerMax.rps),
    };
  } finally {
    log('stopping the platform...');
    await closeAll();
  }
  if (failures.length > 0) {
    for (const f of failures) log(`FAILED: ${f}`);
    throw new Error(`${failures.length} problem(s); the figures above are not valid`);
  }
  if (s.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`reads ${out.rps} req/s p99 ${out.p99_ms} ms; peer p99 ${out.peer_p99_ms} ms; writes ${out.write_rps} req/s p99 ${out.write_p99_ms} ms; provisioning ${out.provision_s} s\n`);
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      log(`failed: ${(err as Error).stack ?? String(err)}`);
      process.exit(1);
    },
  );
} else {
  runLoad(workerData as LoadSpec).then(
    (r) => parentPort!.postMessage(r),
    (err: unknown) => {
      throw err;
    },
  );
}
