/**
 * Prisma without engine binaries against a real PostgreSQL: `migrate deploy` through the
 * WebAssembly schema engine, the generated client through the pg driver adapter, constraint
 * errors, transactions, and the committed migrations matching prisma/schema.prisma.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

  const tenant = await db.tenant.create({ data: { name: 'Acme Bank' } });
  t.match(tenant, { name: 'Acme Bank', plan: 'shared', status: 'active' }, 'defaults apply');
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
      const t2 = await tx.tenant.create({ data: { name: 'Half Done', plan: 'dedicated' } });
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

t.test('the committed migration is what prisma/schema.prisma generates', async (t) => {
  // `migrate diff --from-url <db>` is refused when prisma.config.ts defines an adapter, and
  // introspection through @prisma/adapter-pg fails (README.md, "Database schema"); so compare
  // the schema with the SQL that `migrate deploy` applied. Holds while there is one migration.
  const dirs = (await readdir(path.join(CONTROL_PLANE_DIR, 'prisma', 'migrations'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  if (dirs.length !== 1) {
    t.comment('more than one migration: compare the last one with a diff from the previous schema instead');
    return;
  }
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-prisma-diff-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const server = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: false });
  t.teardown(() => server.stop().catch(() => undefined));
  const url = await server.database('konsortium_diff');
  const r = await runPrismaCli(['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], url);
  t.equal(r.exitCode, 0, r.stderr);
  const committed = await readFile(path.join(CONTROL_PLANE_DIR, 'prisma', 'migrations', dirs[0]!, 'migration.sql'), 'utf8');
  t.equal(r.stdout.trim(), committed.trim(), 'no difference');
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
