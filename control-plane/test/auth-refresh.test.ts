// Rotating refresh tokens: rotation within a family, reuse detection that revokes the family
// (the newest token then fails too), concurrent use, expiry on an injected clock, unknown and
// malformed tokens, logout, hashes-only storage; and a property: any single-character change
// to a valid token is refused.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import type { AuthError} from '../src/auth/index.js';
import { MemoryRefreshTokenRepo, RefreshTokenService } from '../src/auth/index.js';
import { codeOf } from './support/auth-code.js';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 24 * 60 * 60 * 1000;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function setup(o: { ttlMs?: number } = {}) {
  let now = T0;
  const repo = new MemoryRefreshTokenRepo();
  const refresh = new RefreshTokenService({ repo, now: () => now, ...o });
  return { repo, refresh, advance: (ms: number) => (now += ms) };
}

t.test('rotation: each use returns a new token in the same family and marks the old one used', async (t) => {
  const { repo, refresh, advance } = setup();
  const first = await refresh.issue({ subject: 'user-1', tenant: 'acme' });
  t.match(first.token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  t.equal(Buffer.from(first.token, 'base64url').length, 32);
  t.equal(first.expiresAtMs, T0 + 30 * DAY, '30 days by default');
  advance(DAY);
  const second = await refresh.rotate(first.token);
  t.not(second.token, first.token, 'a new token');
  t.equal(second.familyId, first.familyId, 'same family');
  t.equal(second.subject, 'user-1', 'the subject carries over');
  t.equal(second.tenant, 'acme', 'the tenant carries over');
  t.equal(second.expiresAtMs, T0 + 31 * DAY, 'the session slides: 30 days from this rotation');
  const third = await refresh.rotate(second.token);
  t.equal(third.familyId, first.familyId);

  const records = repo.all();
  t.equal(records.length, 3);
  t.strictSame(records.map((r) => r.usedAtMs), [T0 + DAY, T0 + DAY, null], 'the used ones are marked with the time of use');
  t.strictSame(records.map((r) => r.revokedAtMs), [null, null, null]);
  const stored = JSON.stringify(records);
  for (const tok of [first, second, third].map((x) => x.token)) {
    t.notOk(stored.includes(tok), 'the token itself is not stored');
    t.ok(records.some((r) => r.hash === createHash('sha256').update(tok).digest('hex')), 'its SHA-256 is');
  }
  const other = await refresh.issue({ subject: 'user-1' });
  t.not(other.familyId, first.familyId, 'a new login is a new family');
  t.equal(other.tenant, null);
});

t.test('reuse of a used token revokes the whole family: the newest token fails too', async (t) => {
  const { refresh } = setup();
  const a = await refresh.issue({ subject: 'victim' });
  const bystander = await refresh.issue({ subject: 'victim' });
  const b = await refresh.rotate(a.token);
  const c = await refresh.rotate(b.token);
  t.equal(await codeOf(refresh.rotate(a.token)), 'REFRESH_REUSED', 'the thief (or the victim) replays an old token');
  t.equal(await codeOf(refresh.rotate(c.token)), 'REFRESH_REVOKED', 'the newest token of the family is dead too');
  t.equal(await codeOf(refresh.rotate(b.token)), 'REFRESH_REUSED', 'a used token stays a reuse');
  t.equal(await codeOf(refresh.rotate(a.token)), 'REFRESH_REUSED', 'and again');
  t.equal(await codeOf(refresh.rotate(bystander.token)), 'NO_ERROR', 'another family of the same user is untouched');
  try {
    await refresh.rotate(a.token);
  } catch (err) {
    t.equal((err as AuthError).httpStatus, 401);
  }
});

t.test('two concurrent uses of one token: exactly one wins, and the family is revoked', async (t) => {
  const { refresh } = setup();
  const a = await refresh.issue({ subject: 'u' });
  const results = await Promise.allSettled([refresh.rotate(a.token), refresh.rotate(a.token)]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.equal(won.length, 1, 'one rotation succeeds');
  t.equal(lost.length, 1, 'one fails');
  t.equal((lost[0]?.reason as AuthError).code, 'REFRESH_REUSED', 'as a reuse');
  const winner = (won[0] as PromiseFulfilledResult<{ token: string }>).value;
  t.equal(await codeOf(refresh.rotate(winner.token)), 'REFRESH_REVOKED', 'the winner\'s token is revoked with the family');
});

t.test('a revocation racing a rotation still leaves no live token (repo contract)', async (t) => {
  const repo = new MemoryRefreshTokenRepo();
  await repo.revokeFamily('fam', T0);
  await repo.insert({ hash: 'h', familyId: 'fam', subject: 'u', tenant: null, issuedAtMs: T0, expiresAtMs: T0 + DAY, usedAtMs: null, revokedAtMs: null });
  t.equal((await repo.findByHash('h'))?.revokedAtMs, T0, 'a token inserted into a revoked family is born revoked');
  t.equal(await repo.markUsed('h', T0), true, 'markUsed sets once');
  t.equal(await repo.markUsed('h', T0 + 1), false, 'and refuses the second time');
  t.equal(await repo.markUsed('missing', T0), false);
});

t.test('expiry follows the injected clock', async (t) => {
  const { refresh, advance } = setup();
  const a = await refresh.issue({ subject: 'u' });
  const b = await refresh.issue({ subject: 'u' });
  advance(30 * DAY - 1);
  t.equal(await codeOf(refresh.rotate(a.token)), 'NO_ERROR', 'a millisecond before expiry');
  advance(1);
  t.equal(await codeOf(refresh.rotate(b.token)), 'REFRESH_EXPIRED', 'at expiry');
  const short = setup({ ttlMs: 60_000 });
  const s = await short.refresh.issue({ subject: 'u' });
  short.advance(60_000);
  t.equal(await codeOf(short.refresh.rotate(s.token)), 'REFRESH_EXPIRED', 'a configured ttl');
  t.equal(await codeOf(() => new RefreshTokenService({ repo: new MemoryRefreshTokenRepo(), ttlMs: 0 })), 'INVALID_ARGUMENT');
});

t.test('unknown and malformed tokens are REFRESH_INVALID', async (t) => {
  const { refresh } = setup();
  const a = await refresh.issue({ subject: 'u' });
  const malformed = ['', 'abc', `${a.token}A`, a.token.slice(1), ` ${a.token}`, `${a.token}\n`, a.token.replace(/./, '+'), 'A'.repeat(43)];
  for (const bad of malformed) t.equal(await codeOf(refresh.rotate(bad)), 'REFRESH_INVALID', JSON.stringify(bad));
  t.equal(await codeOf(refresh.rotate(undefined as unknown as string)), 'REFRESH_INVALID', 'undefined');
  t.equal(await codeOf(refresh.revoke('A'.repeat(43))), 'REFRESH_INVALID', 'revoking an unknown token');
  t.equal(await codeOf(refresh.issue({ subject: '' })), 'INVALID_ARGUMENT', 'a token needs a subject');
  t.equal(await codeOf(refresh.rotate(a.token)), 'NO_ERROR', 'none of that consumed the real token');
});

t.test('logout revokes the family', async (t) => {
  const { refresh } = setup();
  const a = await refresh.issue({ subject: 'u' });
  const b = await refresh.rotate(a.token);
  await refresh.revoke(b.token);
  t.equal(await codeOf(refresh.rotate(b.token)), 'REFRESH_REVOKED');
  const c = await refresh.issue({ subject: 'u' });
  await refresh.revokeFamily(c.familyId);
  t.equal(await codeOf(refresh.rotate(c.token)), 'REFRESH_REVOKED', 'by family id too');
});

t.test('a sibling string that decodes to the same bytes is refused (the digest is over the text)', async (t) => {
  const { refresh } = setup();
  const a = await refresh.issue({ subject: 'u' });
  const bytes = Buffer.from(a.token, 'base64url');
  const siblings = [...BASE64URL].map((c) => a.token.slice(0, -1) + c).filter((s) => s !== a.token && Buffer.from(s, 'base64url').equals(bytes));
  t.equal(siblings.length, 3, 'the last character has 2 spare bits: 3 other spellings of the same 32 bytes');
  for (const s of siblings) t.equal(await codeOf(refresh.rotate(s)), 'REFRESH_INVALID', `sibling ${s.slice(-3)}`);
});

t.test('property: any single-character change to a valid refresh token is refused', async (t) => {
  const { refresh } = setup();
  const a = await refresh.issue({ subject: 'u' });
  const replacement = fc.oneof(fc.constantFrom(...BASE64URL), fc.constantFrom('=', '+', '/', ' ', '.', '\n', '\u0000', 'é', '\u00a0'));
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: a.token.length - 1 }), replacement, async (i, c) => {
      fc.pre(a.token[i] !== c);
      const mutated = a.token.slice(0, i) + c + a.token.slice(i + 1);
      checked++;
      return (await codeOf(refresh.rotate(mutated))) === 'REFRESH_INVALID';
    }),
    { numRuns: 300 },
  );
  t.ok(checked >= 250, `${checked} mutations checked`);
  t.equal(await codeOf(refresh.rotate(a.token)), 'NO_ERROR', 'the original was never consumed by a mutation');
});
