/**
 * Prisma without engine binaries against a real PostgreSQL: `migrate deploy` through the
 * WebAssembly schema engine, the generated client through the pg driver adapter, constraint
 * errors, transactions; the committed migrations building exactly what prisma/schema.prisma
 * describes (catalog against catalog); and the trigger that keeps CFA operation phases moving
 * forward.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { CONTROL_PLANE_DIR, createPrisma, migrateDeploy, MigrateError, Prisma, runPrismaCli } from '../src/db/prisma.js';

t.test('Prisma over embedded PostgreSQL: migrate, write, constraints, transactions', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-prisma-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const server = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: false });
  t.teardown(() => server.stop().catch(() => undefined));
  const url = await server.database('konsortium_prisma');

  await migrateDeploy(url);
  const db = createPrisma(url);
  t.teardown(() => db.$disconnect());

  const applied = await db.$queryRaw<{ migration_name: string; finished: boolean }[]>`SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name`;
  const committed = (await readdir(path.join(CONTROL_PLANE_DIR, 'prisma', 'migrations'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  t.same(applied.map((m) => m.migration_name), committed, 'every committed migration is applied');
  t.ok(applied.every((m) => m.finished), 'and finished');

  const tenant = await db.tenant.create({ data: { name: 'Acme Bank', memberId: 't-0123456789ab' } });
  t.match(tenant, { name: 'Acme Bank', plan: 'shared', status: 'active', maxUsers: 50, maxApiKeys: 20, maxTxPerDay: 100000 }, 'defaults apply');
  await t.rejects(db.tenant.create({ data: { name: 'Other Bank', memberId: 't-0123456789ab' } }), { code: 'P2002' }, 'member ids are unique');
  t.match(tenant.id, /^[0-9a-f-]{36}$/, 'a uuid id');
  const user = await db.user.create({ data: { email: 'ops@acme.example', passwordHash: 'scrypt$x', role: 'tenant_admin', tenantId: tenant.id } });
  t.equal((await db.user.findUniqueOrThrow({ where: { email: 'ops@acme.example' }, include: { tenant: true } })).tenant?.name, 'Acme Bank', 'the relation reads back');

  const dup = await db.user.create({ data: { email: 'ops@acme.example', passwordHash: 'scrypt$y', role: 'auditor' } }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(dup instanceof Prisma.PrismaClientKnownRequestError, 'a duplicate email is a known Prisma error');
  t.equal((dup as Prisma.PrismaClientKnownRequestError).code, 'P2002', 'with code P2002 (unique violation)');
  t.equal(await db.user.count(), 1, 'and changes nothing');
  t.equal((await db.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash, 'scrypt$x');

  await t.rejects(
    db.$transaction(async (tx) => {
      const t2 = await tx.tenant.create({ data: { name: 'Half Done', plan: 'dedicated', memberId: 't-ba9876543210' } });
      await tx.apiKey.create({ data: { prefix: '0123456789ab', secretHash: 'a'.repeat(64), name: 'ci', tenantId: t2.id, scopes: ['ledger:read'] } });
      await tx.user.create({ data: { email: 'ops@acme.example', passwordHash: 'scrypt$z', role: 'tenant_member', tenantId: t2.id } });
    }),
    { code: 'P2002' },
    'a transaction failing half way rejects',
  );
  t.equal(await db.tenant.count({ where: { name: 'Half Done' } }), 0, 'and leaves no tenant');
  t.equal(await db.apiKey.count(), 0, 'and no API key');

  const log = await db.auditLog.create({ data: { actor: user.id, tenantId: tenant.id, action: 'tenant.create', objectType: 'tenant', objectId: tenant.id, details: { plan: 'shared' } } });
  t.equal(typeof log.id, 'bigint', 'audit ids are bigints');
  t.same(log.details, { plan: 'shared' }, 'details round-trip as JSON');
  const key = await db.apiKey.create({ data: { prefix: 'abcdef012345', secretHash: 'b'.repeat(64), name: 'core banking', tenantId: tenant.id, scopes: ['ledger:read', 'ledger:write'] } });
  t.same(key.scopes, ['ledger:read', 'ledger:write'], 'scopes round-trip as text[]');

  await migrateDeploy(url);
  t.equal((await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM _prisma_migrations`)[0]!.n, committed.length, 'deploying again applies nothing');
  t.equal(await db.tenant.count(), 1, 'and keeps the data');

  const status = await runPrismaCli(['migrate', 'status'], url);
  t.equal(status.exitCode, 0, 'migrate status is clean');
  t.match(status.stdout, /Database schema is up to date/);
});

/** What the comparison looks at: everything `prisma/schema.prisma` can describe. */
interface Catalog {
  tables: unknown[];
  columns: unknown[];
  enums: unknown[];
  indexes: unknown[];
  constraints: unknown[];
  sequences: unknown[];
}

// Prisma's own bookkeeping table is not part of the schema.
const NOT_OURS = `'_prisma_migrations'`;

async function catalogOf(url: string): Promise<Catalog> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql: string) => (await c.query(sql)).rows as unknown[];
    return {
      tables: await q(`SELECT table_name::text AS name FROM information_schema.tables
                       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN (${NOT_OURS}) ORDER BY 1`),
      // By name, not position: a column added by a later migration comes last in the table.
      columns: await q(`SELECT cl.relname::text AS table, a.attname::text AS column, format_type(a.atttypid, a.atttypmod) AS type,
                               a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity, a.attgenerated::text AS generated
                        FROM pg_attribute a
                        JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
                        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                        WHERE n.nspname = 'public' AND cl.relkind IN ('r', 'p') AND cl.relname NOT IN (${NOT_OURS}) AND a.attnum > 0 AND NOT a.attisdropped
                        ORDER BY 1, 2`),
      enums: await q(`SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
                      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
                      WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY 1`),
      indexes: await q(`SELECT tablename::text AS table, indexname::text AS name, indexdef AS def FROM pg_indexes
                        WHERE schemaname = 'public' AND tablename NOT IN (${NOT_OURS}) ORDER BY 1, 2`),
      // Primary keys, unique constraints, foreign keys (with their ON DELETE / ON UPDATE) and checks.
      constraints: await q(`SELECT cl.relname::text AS table, co.conname::text AS name, co.contype::text AS kind, pg_get_constraintdef(co.oid) AS def
                            FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
                            WHERE n.nspname = 'public' AND cl.relname NOT IN (${NOT_OURS}) AND co.contype IN ('p', 'u', 'f', 'c', 'x')
                            ORDER BY 1, 2`),
      sequences: await q(`SELECT sequencename::text AS name, data_type::text AS type, start_value::text AS start, increment_by::text AS step
                          FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`),
    };
  } finally {
    await c.end();
  }
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

t.test('the committed migrations build what prisma/schema.prisma describes; phases only move forward', async (t) => {
  // `migrate diff --from-url <db>` and `--from-migrations` are refused or fail without the
  // engine binaries (README.md, "Database schema"). So: database A gets every committed
  // migration (migrate deploy), database B gets the schema's SQL from scratch (`migrate diff
  // --from-empty`), and their catalogs must be equal. This holds for any number of migrations.
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-prisma-diff-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const server = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: false });
  t.teardown(() => server.stop().catch(() => undefined));
  const migrated = await server.database('konsortium_migrated');
  const fromSchema = await server.database('konsortium_from_schema');

  await migrateDeploy(migrated);
  const diff = await runPrismaCli(['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], fromSchema);
  t.equal(diff.exitCode, 0, diff.stderr);
  t.match(diff.stdout, /CREATE TABLE "tenants"/, 'the schema SQL creates the tables');
  await withClient(fromSchema, (c) => c.query(diff.stdout)); // one multi-statement query: one transaction

  const a = await catalogOf(migrated);
  const b = await catalogOf(fromSchema);
  for (const part of Object.keys(a) as (keyof Catalog)[]) t.ok(a[part].length > 0, `${part}: ${a[part].length} found (not trivially empty)`);
  const names = (a.tables as { name: string }[]).map((x) => x.name);
  t.same(['api_keys', 'cfa_operations', 'refresh_tokens', 'tenants', 'users'].filter((n) => !names.includes(n)), [], `known tables are there (${names.length} tables)`);
  for (const part of Object.keys(a) as (keyof Catalog)[]) t.same(a[part], b[part], `${part}: the migrations and the schema agree`);

  await t.test('the comparison notices a difference', async (t) => {
    const probe = await server.database('konsortium_probe');
    await withClient(probe, (c) => c.query(diff.stdout));
    await withClient(probe, (c) => c.query('ALTER TABLE "tenants" ALTER COLUMN "max_users" DROP DEFAULT; ALTER TYPE "OperationPhase" ADD VALUE \'ARCHIVED\'; DROP INDEX "users_tenant_id_idx"'));
    const p = await catalogOf(probe);
    t.notSame(p.columns, b.columns, 'a dropped default');
    t.notSame(p.enums, b.enums, 'an added enum label');
    t.notSame(p.indexes, b.indexes, 'a dropped index');
  });

  // What only a migration can add: the phase trigger (and its function) exist in A, not in B.
  const triggers = (url: string) =>
    withClient(url, async (c) => (await c.query<{ name: string; table: string; enabled: string; def: string }>(
      `SELECT tg.tgname::text AS name, cl.relname::text AS table, tg.tgenabled::text AS enabled, pg_get_triggerdef(tg.oid) AS def
       FROM pg_trigger tg JOIN pg_class cl ON cl.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE n.nspname = 'public' AND NOT tg.tgisinternal ORDER BY 1`,
    )).rows);
  const inA = (await triggers(migrated)).find((x) => x.name === 'cfa_operations_phase_forward');
  t.ok(inA, 'the migrations create the cfa_operations_phase_forward trigger');
  t.equal(inA?.table, 'cfa_operations');
  t.equal(inA?.enabled, 'O', 'enabled');
  t.match(inA?.def ?? '', /BEFORE UPDATE OF phase ON public\.cfa_operations FOR EACH ROW/);
  t.same(await triggers(fromSchema), [], 'the schema alone creates no trigger (so it is not compared)');

  await t.test('the trigger refuses a backward phase move', async (t) => {
    const c = new pg.Client({ connectionString: migrated });
    await c.connect();
    t.teardown(() => c.end());
    const create = async (): Promise<string> =>
      (await c.query<{ id: string }>(`INSERT INTO cfa_operations (id, channel, method, args, updated_at) VALUES (gen_random_uuid(), 'main', 'cfa.trade', '{}', now()) RETURNING id`)).rows[0]!.id;
    const move = (id: string, phase: string) => c.query('UPDATE cfa_operations SET phase = $2, updated_at = now() WHERE id = $1', [id, phase]);
    const phaseOf = async (id: string) => (await c.query<{ phase: string }>('SELECT phase::text FROM cfa_operations WHERE id = $1', [id])).rows[0]!.phase;
    const refused = async (id: string, from: string, to: string) => {
      const err = await move(id, to).then(() => null, (e: unknown) => e as { code?: string; message?: string });
      t.equal(err?.code, '23514', `${from} → ${to} fails with check_violation`);
      t.match(err?.message ?? '', new RegExp(`^PHASE_BACKWARDS: operation ${id} cannot move from ${from} to ${to}$`), 'naming PHASE_BACKWARDS, the operation and the move');
      t.equal(await phaseOf(id), from, 'and the phase stays');
    };

    const forward = await create();
    t.equal(await phaseOf(forward), 'CREATED', 'a new operation is CREATED');
    for (const phase of ['PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED']) {
      await move(forward, phase);
      t.equal(await phaseOf(forward), phase, `forward to ${phase}`);
    }
    await move(forward, 'SETTLED');
    t.equal(await phaseOf(forward), 'SETTLED', 'setting the same phase again is allowed (an idempotent write)');
    await refused(forward, 'SETTLED', 'PROCESSING');
    await refused(forward, 'SETTLED', 'CREATED');
    await refused(forward, 'SETTLED', 'REJECTED');

    const finalized = await create();
    await move(finalized, 'FINALIZED');
    t.equal(await phaseOf(finalized), 'FINALIZED', 'a forward skip is allowed');
    await refused(finalized, 'FINALIZED', 'REJECTED');
    await refused(finalized, 'FINALIZED', 'ONCHAIN_SUBMITTED');

    const rejected = await create();
    await move(rejected, 'REJECTED');
    t.equal(await phaseOf(rejected), 'REJECTED', 'CREATED → REJECTED is allowed');
    await refused(rejected, 'REJECTED', 'SETTLED');
    await refused(rejected, 'REJECTED', 'CREATED');
    const submitted = await create();
    await move(submitted, 'ONCHAIN_SUBMITTED');
    await move(submitted, 'REJECTED');
    t.equal(await phaseOf(submitted), 'REJECTED', 'ONCHAIN_SUBMITTED → REJECTED is allowed (the chain refused it)');

    // What the API layer sees through Prisma.
    const db = createPrisma(migrated);
    t.teardown(() => db.$disconnect());
    const err = await db.cfaOperation.update({ where: { id: forward }, data: { phase: 'CREATED' } }).then(() => null, (e: unknown) => e);
    t.ok(err instanceof Error, 'through Prisma the update rejects');
    t.match((err as Error).message, /PHASE_BACKWARDS/, 'with PHASE_BACKWARDS in the message');
    t.equal((await db.cfaOperation.findUniqueOrThrow({ where: { id: forward } })).phase, 'SETTLED');
  });
});

t.test('migrateDeploy fails with a coded error', async (t) => {
  const err = await migrateDeploy('postgres://nobody:wrong@127.0.0.1:1/none', { timeoutMs: 60_000 }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof MigrateError);
  t.equal((err as MigrateError).code, 'PRISMA_MIGRATE_FAILED');
  t.ok((err as MigrateError).stderr.length > 0, 'with the CLI stderr');
});
