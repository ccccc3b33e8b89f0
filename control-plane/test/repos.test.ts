/**
 * The repository contracts of the auth core (src/auth/refresh-tokens.ts, src/auth/api-keys.ts),
 * as one behavioural suite run against both implementations: the in-memory repos and the
 * Prisma repos over a real embedded PostgreSQL. Then the services on top (rotation and reuse
 * detection, API key create/verify/revoke) over each.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import {
  type ApiKeyRecord,
  type ApiKeyRepo,
  ApiKeyService,
  MemoryApiKeyRepo,
  MemoryRefreshTokenRepo,
  type RefreshTokenRecord,
  type RefreshTokenRepo,
  RefreshTokenService,
} from '../src/auth/index.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createPrisma, migrateDeploy, type PrismaClient } from '../src/db/prisma.js';
import { PrismaApiKeyRepo, PrismaRefreshTokenRepo } from '../src/db/repos/index.js';
import { codeOf } from './support/auth-code.js';

const T0 = Date.UTC(2030, 0, 1) + 123; // odd milliseconds: timestamps keep them
const DAY = 24 * 60 * 60 * 1000;

/** A fresh repo and the ids it may store: a user (subject) and a tenant that exist. */
interface Ids {
  readonly subject: string;
  readonly tenant: string;
}
interface Fixture<R> extends Ids {
  readonly repo: R;
}
type Factory<R> = () => Promise<Fixture<R>>;

const hash = () => randomBytes(32).toString('hex');
const prefix = () => randomBytes(6).toString('hex');

function tokenRecord(f: Ids, o: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return { hash: hash(), familyId: randomUUID(), subject: f.subject, tenant: f.tenant, issuedAtMs: T0, expiresAtMs: T0 + 30 * DAY, usedAtMs: null, revokedAtMs: null, ...o };
}

function keyRecord(f: Ids, o: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return { prefix: prefix(), secretHash: hash(), name: 'core banking, prod', tenant: f.tenant, scopes: ['ledger:submit', 'ledger:read'], createdAtMs: T0, expiresAtMs: null, revokedAtMs: null, ...o };
}

function refreshTokenRepoSuite(t: Test, make: Factory<RefreshTokenRepo>): void {
  t.test('insert and findByHash round-trip every field', async (t) => {
    const f = await make();
    const live = tokenRecord(f);
    const platform = tokenRecord(f, { tenant: null, issuedAtMs: T0 + 1, expiresAtMs: T0 + DAY + 7, usedAtMs: T0 + 5, revokedAtMs: T0 + 9 });
    await f.repo.insert(live);
    await f.repo.insert(platform);
    t.strictSame(await f.repo.findByHash(live.hash), live, 'a live token');
    t.strictSame(await f.repo.findByHash(platform.hash), platform, 'a used and revoked token without a tenant');
    t.equal(await f.repo.findByHash(hash()), null, 'an unknown hash is null');
    await t.rejects(f.repo.insert({ ...tokenRecord(f), hash: live.hash }), 'a hash is stored once');
    t.strictSame(await f.repo.findByHash(live.hash), live, 'and the first stays');
  });

  t.test('markUsed is a compare-and-set', async (t) => {
    const f = await make();
    const r = tokenRecord(f);
    await f.repo.insert(r);
    t.equal(await f.repo.markUsed(r.hash, T0 + 10), true, 'the first use wins');
    t.equal(await f.repo.markUsed(r.hash, T0 + 20), false, 'the second loses');
    t.equal((await f.repo.findByHash(r.hash))?.usedAtMs, T0 + 10, 'and the first time stays');
    t.equal(await f.repo.markUsed(hash(), T0), false, 'an unknown token cannot be used');
  });

  t.test('concurrent markUsed on one token: exactly one wins', async (t) => {
    const f = await make();
    for (let round = 0; round < 5; round++) {
      const r = tokenRecord(f);
      await f.repo.insert(r);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => f.repo.markUsed(r.hash, T0 + 100 + i)));
      t.equal(results.filter(Boolean).length, 1, `round ${round}: one of 8 wins`);
      t.equal((await f.repo.findByHash(r.hash))?.usedAtMs, T0 + 100 + results.indexOf(true), 'with its time');
    }
  });

  t.test('revokeFamily revokes the family and only it, keeping the first time', async (t) => {
    const f = await make();
    const familyId = randomUUID();
    const a = tokenRecord(f, { familyId });
    const b = tokenRecord(f, { familyId, usedAtMs: T0 + 1 });
    const other = tokenRecord(f);
    for (const r of [a, b, other]) await f.repo.insert(r);
    await f.repo.revokeFamily(familyId, T0 + 50);
    t.equal((await f.repo.findByHash(a.hash))?.revokedAtMs, T0 + 50);
    t.equal((await f.repo.findByHash(b.hash))?.revokedAtMs, T0 + 50, 'used tokens too');
    t.equal((await f.repo.findByHash(other.hash))?.revokedAtMs, null, 'another family is untouched');
    await f.repo.revokeFamily(familyId, T0 + 60);
    t.equal((await f.repo.findByHash(a.hash))?.revokedAtMs, T0 + 50, 'revoking again keeps the first time');
    await f.repo.revokeFamily(randomUUID(), T0);
    await f.repo.revokeFamily('not-a-family', T0);
    t.pass('revoking an unknown family does nothing');
  });

  t.test('a token inserted into a revoked family is stored revoked', async (t) => {
    const f = await make();
    const familyId = randomUUID();
    await f.repo.insert(tokenRecord(f, { familyId }));
    await f.repo.revokeFamily(familyId, T0 + 70);
    const late = tokenRecord(f, { familyId, issuedAtMs: T0 + 80 });
    await f.repo.insert(late);
    t.equal((await f.repo.findByHash(late.hash))?.revokedAtMs, T0 + 70, 'with the family\'s revocation time');
    const own = tokenRecord(f, { familyId, revokedAtMs: T0 + 90 });
    await f.repo.insert(own);
    t.equal((await f.repo.findByHash(own.hash))?.revokedAtMs, T0 + 90, 'a record that comes revoked keeps its own time');
    const elsewhere = tokenRecord(f);
    await f.repo.insert(elsewhere);
    t.equal((await f.repo.findByHash(elsewhere.hash))?.revokedAtMs, null, 'other families stay live');
  });

  t.test('an insert racing a revocation never leaves a live token', async (t) => {
    const f = await make();
    for (let round = 0; round < 10; round++) {
      const familyId = randomUUID();
      await f.repo.insert(tokenRecord(f, { familyId }));
      const racers = Array.from({ length: 3 }, () => tokenRecord(f, { familyId }));
      await Promise.all([...racers.map((r) => f.repo.insert(r)), f.repo.revokeFamily(familyId, T0 + round)]);
      const states = await Promise.all(racers.map((r) => f.repo.findByHash(r.hash)));
      t.ok(
        states.every((s) => s?.revokedAtMs === T0 + round),
        `round ${round}: every token of the family is revoked`,
      );
    }
  });
}

function apiKeyRepoSuite(t: Test, make: Factory<ApiKeyRepo>): void {
  t.test('insert and findByPrefix round-trip every field', async (t) => {
    const f = await make();
    const tenantKey = keyRecord(f, { expiresAtMs: T0 + DAY + 1 });
    const platformKey = keyRecord(f, { tenant: null, scopes: [], name: 'ci «ops»', revokedAtMs: T0 + 3 });
    t.equal(await f.repo.insert(tenantKey), true);
    t.equal(await f.repo.insert(platformKey), true);
    t.strictSame(await f.repo.findByPrefix(tenantKey.prefix), tenantKey, 'a tenant key, scopes in order');
    t.strictSame(await f.repo.findByPrefix(platformKey.prefix), platformKey, 'a revoked platform key without scopes');
    t.equal(await f.repo.findByPrefix(prefix()), null, 'an unknown prefix is null');
  });

  t.test('a taken prefix is refused and nothing is stored', async (t) => {
    const f = await make();
    const first = keyRecord(f);
    t.equal(await f.repo.insert(first), true);
    t.equal(await f.repo.insert(keyRecord(f, { prefix: first.prefix, name: 'intruder', secretHash: hash() })), false, 'false for a taken prefix');
    t.strictSame(await f.repo.findByPrefix(first.prefix), first, 'and the first key is unchanged');
  });

  t.test('concurrent inserts of one prefix: exactly one wins', async (t) => {
    const f = await make();
    const p = prefix();
    const attempts = Array.from({ length: 6 }, (_, i) => keyRecord(f, { prefix: p, name: `attempt ${i}` }));
    const results = await Promise.all(attempts.map((r) => f.repo.insert(r)));
    t.equal(results.filter(Boolean).length, 1, 'one insert wins');
    t.equal((await f.repo.findByPrefix(p))?.name, attempts[results.indexOf(true)]!.name, 'and its record is stored');
  });

  t.test('revoke sets revokedAtMs once; false for an unknown key', async (t) => {
    const f = await make();
    const k = keyRecord(f);
    await f.repo.insert(k);
    t.equal(await f.repo.revoke(k.prefix, T0 + 40), true);
    t.equal((await f.repo.findByPrefix(k.prefix))?.revokedAtMs, T0 + 40);
    t.equal(await f.repo.revoke(k.prefix, T0 + 50), true, 'revoking again is still true');
    t.equal((await f.repo.findByPrefix(k.prefix))?.revokedAtMs, T0 + 40, 'but keeps the first time');
    t.equal(await f.repo.revoke(prefix(), T0), false, 'an unknown prefix is false');
  });
}

interface ServicesFactory {
  refresh: Factory<RefreshTokenRepo>;
  apiKeys: Factory<ApiKeyRepo>;
}

function servicesSuite(t: Test, make: ServicesFactory): void {
  t.test('RefreshTokenService: rotation, reuse detection, concurrent rotation, logout, expiry', async (t) => {
    const f = await make.refresh();
    let now = T0;
    const refresh = new RefreshTokenService({ repo: f.repo, now: () => now, ttlMs: 10 * DAY });
    const a = await refresh.issue({ subject: f.subject, tenant: f.tenant });
    now += DAY;
    const b = await refresh.rotate(a.token);
    t.equal(b.familyId, a.familyId, 'the same family');
    t.equal(b.subject, f.subject);
    t.equal(b.tenant, f.tenant);
    t.equal(b.expiresAtMs, now + 10 * DAY, 'the session slides');
    const c = await refresh.rotate(b.token);
    t.equal(await codeOf(refresh.rotate(a.token)), 'REFRESH_REUSED', 'replaying a used token is a reuse');
    t.equal(await codeOf(refresh.rotate(c.token)), 'REFRESH_REVOKED', 'and the newest token of the family is dead too');

    const x = await refresh.issue({ subject: f.subject, tenant: null });
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => codeOf(refresh.rotate(x.token))));
    t.equal(outcomes.filter((o) => o === 'NO_ERROR').length, 1, `of 4 concurrent rotations one wins (${outcomes.join(', ')})`);
    t.ok(outcomes.every((o) => o === 'NO_ERROR' || o === 'REFRESH_REUSED'), 'the others are reuses');

    const y = await refresh.issue({ subject: f.subject });
    const y2 = await refresh.rotate(y.token);
    await refresh.revoke(y2.token);
    t.equal(await codeOf(refresh.rotate(y2.token)), 'REFRESH_REVOKED', 'logout revokes the session');
    t.equal(await codeOf(refresh.revoke(randomBytes(32).toString('base64url'))), 'REFRESH_INVALID', 'an unknown token is invalid');

    const z = await refresh.issue({ subject: f.subject });
    now += 10 * DAY;
    t.equal(await codeOf(refresh.rotate(z.token)), 'REFRESH_EXPIRED', 'a token past its lifetime expires');
  });

  t.test('ApiKeyService: create, verify, revoke, expiry', async (t) => {
    const f = await make.apiKeys();
    let now = T0;
    const keys = new ApiKeyService({ repo: f.repo, now: () => now });
    const created = await keys.create({ name: 'core banking', tenant: f.tenant, scopes: ['ledger:read', 'ledger:submit', 'ledger:read'], expiresAtMs: T0 + 5 * DAY });
    const principal = await keys.verify(created.key);
    t.strictSame(principal, created.principal, 'verify returns the principal');
    t.strictSame(principal.scopes, ['ledger:read', 'ledger:submit'], 'scopes deduplicated, in order');
    t.equal(principal.tenant, f.tenant);
    t.equal(principal.subject, `api-key:${principal.prefix}`);
    const wrong = created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A');
    t.equal(await codeOf(keys.verify(wrong)), 'API_KEY_INVALID', 'a wrong secret is invalid');
    const platform = await keys.create({ name: 'ops', scopes: [] });
    t.equal((await keys.verify(platform.key)).tenant, null, 'a platform key');
    now += 5 * DAY;
    t.equal(await codeOf(keys.verify(created.key)), 'API_KEY_EXPIRED', 'past its expiry');
    await keys.revoke(platform.principal.prefix);
    t.equal(await codeOf(keys.verify(platform.key)), 'API_KEY_REVOKED', 'a revoked key');
    t.equal(await codeOf(keys.revoke(prefix())), 'API_KEY_INVALID', 'revoking an unknown key');
  });
}

function suites(t: Test, make: ServicesFactory): void {
  t.test('RefreshTokenRepo contract', async (t) => refreshTokenRepoSuite(t, make.refresh));
  t.test('ApiKeyRepo contract', async (t) => apiKeyRepoSuite(t, make.apiKeys));
  t.test('services', async (t) => servicesSuite(t, make));
}

t.test('memory repos', async (t) => {
  const ids = () => ({ subject: randomUUID(), tenant: randomUUID() });
  suites(t, {
    refresh: async () => ({ repo: new MemoryRefreshTokenRepo(), ...ids() }),
    apiKeys: async () => ({ repo: new MemoryApiKeyRepo(), ...ids() }),
  });
});

t.test('Prisma repos over embedded PostgreSQL', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-repos-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const server = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: false });
  t.teardown(() => server.stop().catch(() => undefined));
  const url = await server.database('konsortium_repos');
  await migrateDeploy(url);
  const db: PrismaClient = createPrisma(url);
  t.teardown(() => db.$disconnect());

  // Refresh tokens reference a user and a tenant; API keys a tenant: make them first.
  let n = 0;
  const ids = async () => {
    n++;
    const tenant = await db.tenant.create({ data: { name: `Bank ${n}`, memberId: `t-${n.toString(16).padStart(12, '0')}` } });
    const user = await db.user.create({ data: { email: `ops${n}@bank.example`, passwordHash: 'scrypt$x', role: 'tenant_admin', tenantId: tenant.id } });
    return { subject: user.id, tenant: tenant.id };
  };
  suites(t, {
    refresh: async () => ({ repo: new PrismaRefreshTokenRepo(db), ...(await ids()) }),
    apiKeys: async () => ({ repo: new PrismaApiKeyRepo(db), ...(await ids()) }),
  });

  t.test('Prisma-specific: ids must be UUIDs; rows are what the schema says', async (t) => {
    const f = await ids();
    const tokens = new PrismaRefreshTokenRepo(db);
    await t.rejects(tokens.insert(tokenRecord(f, { subject: 'user-1' })), TypeError, 'a subject that is no user id is refused before the database');
    await t.rejects(tokens.insert(tokenRecord(f, { tenant: 'acme' })), TypeError);
    await t.rejects(tokens.insert(tokenRecord(f, { subject: randomUUID() })), 'a subject that is no existing user is refused (foreign key)');
    await t.rejects(new PrismaApiKeyRepo(db).insert(keyRecord(f, { tenant: 'acme' })), TypeError);
    const r = tokenRecord(f);
    await tokens.insert(r);
    const row = await db.refreshToken.findUniqueOrThrow({ where: { tokenHash: r.hash } });
    t.match(row, { userId: f.subject, tenantId: f.tenant, familyId: r.familyId, usedAt: null, revokedAt: null });
    t.equal(row.createdAt.getTime(), T0, 'issuedAtMs is created_at');
    await db.user.delete({ where: { id: f.subject } });
    t.equal(await tokens.findByHash(r.hash), null, 'deleting the user deletes its refresh tokens (cascade)');
  });
});
