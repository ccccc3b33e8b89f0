/**
 * The built production entrypoints as processes (control-plane/dist, `npm run build`), against
 * an external PostgreSQL (embedded, but started here) and Redis (redis-server, started here),
 * as the Helm chart runs them:
 *
 * - main.js with --database-url/--redis-url starts neither of its own, with --no-network,
 *   --no-demo and --no-worker makes no network, no demo tenant and runs no worker, prints the
 *   admin's credentials only on the start that made them (they log in), announces the public
 *   URL the nodes get, and stops with exit 0 on SIGTERM;
 * - a second API over the same database with another data directory invents no password;
 * - worker-main.js starts over the API's data directory and stops cleanly on SIGTERM; over a
 *   data directory of its own holding only the master key it starts too (the token signing key
 *   is in the database); without the master key it refuses to start (exit 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createPrisma } from '../src/db/prisma.js';
import { startRedisServer } from '../src/infra/redis-server.js';
import { MasterKey } from '../src/keys/custody.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

interface Proc {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<number | null>;
}

function start(t: Test, file: string, args: string[], env: Record<string, string>): Proc {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|REDIS_URL|KONSORTIUM_.*|LOG_LEVEL|KUBECONFIG)$/.test(k)));
  const child = spawn(process.execPath, [path.join(DIST, file), ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = {
    child,
    out: '',
    err: '',
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (p.out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (p.err += c));
  // Never leave one behind (by its own PID).
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return p;
}

async function until(p: Proc, what: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what.test(p.out)) {
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode} before printing ${what}:\n${p.out}\n${p.err}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${p.out}\n${p.err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopWith(p: Proc, signal: NodeJS.Signals, timeoutMs = 30_000): Promise<number | null> {
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

t.test('main.js and worker-main.js over an external PostgreSQL and Redis', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-entry-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false });
  t.teardown(() => pg.stop().catch(() => undefined));
  const redis = await startRedisServer({ persistent: false });
  t.teardown(() => redis.stop());
  const databaseUrl = await pg.database('konsortium_entry');
  const masterKey = MasterKey.generate().exportBase64Url();
  const env = { KONSORTIUM_MASTER_KEY: masterKey };
  const dataDir = path.join(base, 'api');
  const args = (dir: string) => ['--database-url', databaseUrl, '--redis-url', redis.url, '--port', '0', '--data-dir', dir, '--no-network', '--no-demo', '--no-worker', '--public-url', 'http://cp.konsortium.svc:8700', '--log-level', 'warn'];

  // A stand-in portal build (KONSORTIUM_PORTAL_DIR), served at / beside the API.
  const portalDir = path.join(base, 'portal');
  await mkdir(path.join(portalDir, 'assets'), { recursive: true });
  await writeFile(path.join(portalDir, 'index.html'), '<!doctype html><title>stand-in portal</title>');
  let api = start(t, 'main.js', args(dataDir), { ...env, KONSORTIUM_PORTAL_DIR: portalDir });
  await until(api, /Press Ctrl-C to stop\./, 120_000);
  const url = /Control-plane API {2}(http:\/\/127\.0\.0\.1:\d+)/.exec(api.out)?.[1];
  t.ok(url, `the API listens on loopback (${url})`);
  t.match(api.out, new RegExp(`Web portal {9}${url}/\n`), 'the banner shows the portal URL');
  const page = await fetch(`${url}/tenants`, { headers: { accept: 'text/html' } });
  t.equal(await page.text(), '<!doctype html><title>stand-in portal</title>', 'and it is served');
  t.match(api.out, /\(nodes use http:\/\/cp\.konsortium\.svc:8700\)/, 'the public URL is what the nodes get');
  t.match(api.out, /no worker in this process/);
  t.match(api.out, /Ledger nodes:\n {4}none/, 'no network');
  const creds = /Platform admin {5}(\S+) \/ (\S+)/.exec(api.out);
  t.ok(creds, 'the credentials it made are shown');
  t.notMatch(api.out, /Demo tenant/, 'no demo tenant');
  t.notOk(existsSync(path.join(dataDir, 'postgres')) || existsSync(path.join(dataDir, 'redis')), 'no embedded PostgreSQL or Redis');
  t.notOk(existsSync(path.join(dataDir, 'master.key')), 'the master key came from the environment');
  const login = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: creds![1], password: creds![2] }) });
  t.equal(login.status, 200, 'they log in');
  const db = createPrisma(databaseUrl);
  t.teardown(() => db.$disconnect());
  t.equal(await db.network.count(), 0, '--no-network: none made');
  t.equal(await db.tenant.count(), 0, '--no-demo: no tenant');
  t.equal(await stopWith(api, 'SIGTERM'), 0, 'SIGTERM: exit 0');

  api = start(t, 'main.js', args(dataDir), env);
  await until(api, /Press Ctrl-C to stop\./, 120_000);
  t.notOk(api.out.includes(creds![2]!), 'a later start does not show the password again');
  t.match(api.out, /Credentials: in .*credentials\.json \(shown on the first start only\)/);
  // No portal flag: web-portal/dist of this checkout, found from control-plane/dist.
  const checkoutPortal = path.resolve(DIST, '../../web-portal/dist');
  t.match(api.out, existsSync(path.join(checkoutPortal, 'index.html')) ? /Web portal {9}http:\/\/127\.0\.0\.1:\d+\/\n/ : new RegExp(`Web portal {9}not built \\(${checkoutPortal}`), 'the default portal directory');
  t.equal(await stopWith(api, 'SIGINT'), 0, 'SIGINT: exit 0');

  const other = start(t, 'main.js', [...args(path.join(base, 'api-2')), '--portal-dir', path.join(base, 'no-portal')], env);
  await until(other, /Press Ctrl-C to stop\./, 120_000);
  t.match(other.out, /Web portal {9}not built \(.*no-portal; npm run build builds it\)/, 'without a portal build the API runs alone');
  t.notMatch(other.out, /Platform admin /, 'another instance over the same database shows no (invented) password');
  t.match(other.out, /made by another instance/);
  t.notOk(existsSync(path.join(base, 'api-2', 'credentials.json')), 'and writes none');

  const workerEnv = { ...env, DATABASE_URL: databaseUrl, REDIS_URL: redis.url, KONSORTIUM_PUBLIC_URL: 'http://cp.konsortium.svc:8700', KONSORTIUM_DATA_DIR: dataDir };
  const worker = start(t, 'worker-main.js', [], workerEnv);
  await until(worker, /provisioning worker ready/, 60_000);
  t.equal(await stopWith(worker, 'SIGTERM'), 0, 'the worker: SIGTERM, exit 0');
  t.match(worker.out, /"msg":"stopped"/, 'after finishing what was in flight');

  // Another machine: an empty data directory of its own and the master key from the environment.
  const elsewhere = path.join(base, 'elsewhere');
  await mkdir(elsewhere, { recursive: true });
  const remote = start(t, 'worker-main.js', [], { ...workerEnv, KONSORTIUM_DATA_DIR: elsewhere });
  await until(remote, /provisioning worker ready/, 60_000);
  t.equal(await stopWith(remote, 'SIGTERM'), 0, 'a worker with only the master key starts (the signing key is in the database)');

  const { KONSORTIUM_MASTER_KEY: _key, ...withoutKey } = workerEnv;
  const stray = start(t, 'worker-main.js', [], { ...withoutKey, KONSORTIUM_DATA_DIR: path.join(base, 'empty') });
  t.equal(await stray.exited, 1, 'a worker without the master key: exit 1');
  t.match(stray.out + stray.err, /no master key/);
  t.equal(await stopWith(other, 'SIGTERM'), 0);
});
