/**
 * The embedded PostgreSQL the platform starts by default: a real server on loopback, a database
 * created on demand, transactions, and data that survives a restart of a persistent cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';

t.test('embedded PostgreSQL: start, create a database, transact, restart with the data kept', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-pg-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const dataDir = path.join(base, 'data');
  let server = await startEmbeddedPostgres({ dataDir, persistent: true });
  t.teardown(() => server.stop().catch(() => undefined));
  const url = await server.database('konsortium_test');
  t.match(url, /^postgres:\/\/konsortium:konsortium@127\.0\.0\.1:\d+\/konsortium_test$/);
  t.equal(await server.database('konsortium_test'), url, 'creating an existing database again is a no-op');
  await t.rejects(server.database('Bad-Name; DROP'), RangeError, 'database names are checked');

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const version = (await c.query<{ v: string }>('SELECT current_setting($$server_version$$) AS v')).rows[0]!.v;
  t.match(version, /^\d+\.\d+/, `a real PostgreSQL (${version})`);
  await c.query('CREATE TABLE tenants (id text PRIMARY KEY, name text NOT NULL)');
  await c.query('BEGIN');
  await c.query("INSERT INTO tenants VALUES ('t1', 'Acme')");
  await c.query('ROLLBACK');
  t.equal((await c.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n, 0, 'a rolled-back insert leaves nothing');
  await c.query("INSERT INTO tenants VALUES ('t1', 'Acme')");
  await t.rejects(c.query("INSERT INTO tenants VALUES ('t1', 'Again')"), { code: '23505' }, 'constraints hold (unique violation)');
  await c.end();

  await server.stop();
  server = await startEmbeddedPostgres({ dataDir, persistent: true });
  const again = new pg.Client({ connectionString: await server.database('konsortium_test') });
  await again.connect();
  t.same((await again.query('SELECT id, name FROM tenants')).rows, [{ id: 't1', name: 'Acme' }], 'the data survives a restart');
  await again.end();
  await server.stop();
});
