/**
 * The migration job (src/migrate.ts over src/platform/migrate-retry.ts): which failures are
 * worth another attempt, the bounded retry loop, and then against a real (embedded)
 * PostgreSQL: a job started before its database applies the migrations once the database
 * comes up; an unreachable database fails after the attempts with the last error; bad
 * credentials fail at once. Finally the built `dist/migrate.js` process: exit 0 and 1.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import t from 'tap';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { CONTROL_PLANE_DIR, MigrateError } from '../src/db/prisma.js';
import { isDatabaseUnreachable, migrateWithRetry } from '../src/platform/migrate-retry.js';

const DIST_MIGRATE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/migrate.js');

async function committedMigrations(): Promise<string[]> {
  return (await readdir(path.join(CONTROL_PLANE_DIR, 'prisma', 'migrations'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

async function appliedMigrations(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name')).rows.map((r) => r.migration_name);
  } finally {
    await c.end();
  }
}

/** Polls (bounded) until `probe` is true. */
async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runMigrate(env: Record<string, string>, timeoutMs = 120_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|KONSORTIUM_.*)$/.test(k)));
    const child = spawn(process.execPath, [DIST_MIGRATE], { env: { ...clean, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

t.test('which failures are retried', async (t) => {
  const m = (stderr: string) => new MigrateError(`prisma migrate deploy failed (exit 1): ${stderr.split('\n').slice(-1)[0]}`, stderr);
  t.ok(isDatabaseUnreachable(m("Error: Can't reach database server at `pg.konsortium.svc:5432`")), 'no server (refused, or no DNS name yet)');
  t.ok(isDatabaseUnreachable(m('Error: P1001: Can\'t reach database server')), 'P1001');
  t.ok(isDatabaseUnreachable(m('FATAL: the database system is starting up')), 'starting up');
  t.ok(isDatabaseUnreachable(m('Error: Database `konsortium` does not exist')), 'its database not created yet');
  t.ok(isDatabaseUnreachable(new Error('connect ECONNREFUSED 10.0.0.1:5432')));
  t.ok(isDatabaseUnreachable(new Error('getaddrinfo ENOTFOUND pg')));
  t.notOk(isDatabaseUnreachable(m('Error: Authentication failed against database server, the provided database credentials for `k` are not valid.')), 'bad credentials are final');
  t.notOk(isDatabaseUnreachable(m('Error: P3009: migrate found failed migrations in the target database')), 'a failed migration is final');
  t.notOk(isDatabaseUnreachable(m('ERROR: syntax error at or near "TABEL"')));
  t.notOk(isDatabaseUnreachable(null));
  t.notOk(isDatabaseUnreachable('ECONNREFUSED'), 'only errors');
});

t.test('the retry loop is bounded', async (t) => {
  const unreachable = () => new MigrateError("prisma migrate deploy failed (exit 1): Error: Can't reach database server at `db:5432`", '');
  let calls = 0;
  const sleeps: number[] = [];
  const retries: number[] = [];
  const base = { databaseUrl: 'postgres://db/k', intervalMs: 2000, sleep: async (ms: number) => void sleeps.push(ms), onRetry: (n: number) => void retries.push(n) };
  await t.rejects(
    migrateWithRetry({
      ...base,
      attempts: 4,
      migrate: async () => {
        calls++;
        throw unreachable();
      },
    }),
    { message: /Can't reach database server/ },
    'the last error after the last attempt',
  );
  t.equal(calls, 4, 'exactly `attempts` attempts');
  t.same(sleeps, [2000, 2000, 2000], 'a pause between attempts, none after the last');
  t.same(retries, [1, 2, 3]);

  calls = 0;
  t.equal(
    await migrateWithRetry({
      ...base,
      attempts: 60,
      migrate: async () => {
        if (++calls < 3) throw unreachable();
      },
    }),
    3,
    'resolves with the attempt that worked',
  );
  calls = 0;
  await t.rejects(
    migrateWithRetry({
      ...base,
      attempts: 60,
      migrate: async () => {
        calls++;
        throw new MigrateError('prisma migrate deploy failed (exit 1): Error: P3018: A migration failed to apply.', '');
      },
    }),
    /P3018/,
  );
  t.equal(calls, 1, 'a failure that is not about reaching the database is not retried');
  await t.rejects(migrateWithRetry({ ...base, attempts: 0 }), RangeError);
});

t.test('against a real PostgreSQL', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-migrate-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const committed = await committedMigrations();

  await t.test('a job started before its database applies the migrations once it is up', async (t) => {
    const port = await freePort();
    const url = `postgres://konsortium:konsortium@127.0.0.1:${port}/postgres`;
    const retries: string[] = [];
    const job = migrateWithRetry({ databaseUrl: url, attempts: 120, intervalMs: 250, onRetry: (_n, err) => void retries.push((err as Error).message) });
    await until(() => retries.length >= 2, 30_000, 'two failed attempts');
    t.match(retries[0], /Can't reach database server at `127\.0\.0\.1:\d+`/, 'nothing listens yet');
    const server = await startEmbeddedPostgres({ dataDir: path.join(base, 'late'), port, persistent: false });
    t.teardown(() => server.stop().catch(() => undefined));
    const attempts = await job;
    t.ok(attempts > retries.length, `applied on attempt ${attempts}, after ${retries.length} retries`);
    t.same(await appliedMigrations(url), committed, 'every committed migration is applied');
    t.equal(await migrateWithRetry({ databaseUrl: url, attempts: 1, intervalMs: 0 }), 1, 'again: nothing to apply, at once');

    const wrong = url.replace('konsortium:konsortium@', 'konsortium:wrong@');
    let retried = 0;
    await t.rejects(migrateWithRetry({ databaseUrl: wrong, attempts: 60, intervalMs: 250, onRetry: () => void retried++ }), { message: /Authentication failed/ });
    t.equal(retried, 0, 'bad credentials fail at once');

    const run = await runMigrate({ DATABASE_URL: url });
    t.equal(run.code, 0, 'dist/migrate.js: exit 0');
    t.match(run.stderr, /migrations applied \(attempt 1,/);
    t.notOk(run.stderr.includes('konsortium:konsortium'), 'the URL (and its password) is not printed');
  });

  await t.test('an unreachable database: the attempts, then exit 1 with the last error', async (t) => {
    const port = await freePort();
    const url = `postgres://konsortium:hunter2@127.0.0.1:${port}/konsortium`;
    let retried = 0;
    await t.rejects(migrateWithRetry({ databaseUrl: url, attempts: 2, intervalMs: 10, onRetry: () => void retried++ }), { message: /Can't reach database server/ });
    t.equal(retried, 1);

    const run = await runMigrate({ DATABASE_URL: url, KONSORTIUM_MIGRATE_ATTEMPTS: '3', KONSORTIUM_MIGRATE_INTERVAL_MS: '10' });
    t.equal(run.code, 1, 'dist/migrate.js: exit 1');
    t.match(run.stderr, /attempt 1\/3: the database is not reachable yet \(prisma migrate deploy failed/);
    t.match(run.stderr, /attempt 2\/3/);
    t.notMatch(run.stderr, /attempt 3\/3/, 'no retry after the last attempt');
    t.match(run.stderr, /failed: prisma migrate deploy failed \(exit 1\):.*Can't reach database server/);
    t.notOk(run.stderr.includes('hunter2'), 'the password is not printed');
  });
});
