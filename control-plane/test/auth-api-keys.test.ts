// API keys: ksk_<prefix>_<secret>, only the secret's SHA-256 stored, constant-time compare,
// scopes and tenant, revocation, expiry on an injected clock, malformed strings; the secret is
// checked before the key's state is revealed; and a property: any single-character change to a
// valid key is refused.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import type { AuthError} from '../src/auth/index.js';
import { type ApiKeyRecord, ApiKeyService, MemoryApiKeyRepo } from '../src/auth/index.js';
import { codeOf } from './support/auth-code.js';

const T0 = Date.UTC(2030, 0, 1);
const KEY = /^ksk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function setup() {
  let now = T0;
  const repo = new MemoryApiKeyRepo();
  const keys = new ApiKeyService({ repo, now: () => now });
  return { repo, keys, advance: (ms: number) => (now += ms) };
}

function otherSecret(key: string): string {
  const m = KEY.exec(key)!;
  const secret = m[2]!;
  return `ksk_${m[1]}_${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
}

t.test('round trip: create, verify, what is stored', async (t) => {
  const { repo, keys } = setup();
  const created = await keys.create({ name: 'core banking, prod', tenant: 'acme', scopes: ['ledger:submit', 'ledger:read', 'ledger:read'] });
  const m = KEY.exec(created.key);
  t.ok(m, `the format is ksk_<12 hex>_<43 base64url>: ${created.key.slice(0, 17)}…`);
  t.equal(created.principal.prefix, m?.[1], 'the prefix is the public id');
  const principal = await keys.verify(created.key);
  t.strictSame(principal, {
    prefix: m?.[1],
    subject: `api-key:${m?.[1]}`,
    name: 'core banking, prod',
    tenant: 'acme',
    scopes: ['ledger:submit', 'ledger:read'],
    expiresAtMs: null,
  }, 'the principal: tenant and de-duplicated scopes');
  t.strictSame(created.principal, principal, 'create returns the same principal');

  const [record] = repo.all();
  t.equal(record?.secretHash, createHash('sha256').update(m![2]!).digest('hex'), 'the SHA-256 of the secret is stored');
  t.notOk(JSON.stringify(repo.all()).includes(m![2]!), 'the secret itself is not');
  const second = await keys.create({ name: 'ci', scopes: [] });
  t.not(second.principal.prefix, created.principal.prefix, 'prefixes are random');
  t.equal((await keys.verify(second.key)).tenant, null, 'a platform key has no tenant');
});

t.test('wrong secret, unknown prefix', async (t) => {
  const { keys } = setup();
  const { key } = await keys.create({ name: 'k', scopes: ['a'] });
  t.equal(await codeOf(keys.verify(otherSecret(key))), 'API_KEY_INVALID', 'the right prefix with another secret');
  t.equal(await codeOf(keys.verify(key.replace(/^ksk_[0-9a-f]{12}/, 'ksk_000000000000'))), 'API_KEY_INVALID', 'an unknown prefix');
  t.equal(await codeOf(keys.verify(key)), 'NO_ERROR', 'the real key still works');
  try {
    await keys.verify(otherSecret(key));
  } catch (err) {
    t.equal((err as AuthError).httpStatus, 401);
    t.notOk((err as Error).message.includes(KEY.exec(key)![2]!), 'the message does not echo the secret');
  }
});

t.test('revocation: API_KEY_REVOKED for the holder, API_KEY_INVALID for anyone without the secret', async (t) => {
  const { keys } = setup();
  const a = await keys.create({ name: 'a', scopes: [] });
  const b = await keys.create({ name: 'b', scopes: [] });
  await keys.revoke(a.principal.prefix);
  t.equal(await codeOf(keys.verify(a.key)), 'API_KEY_REVOKED');
  t.equal(await codeOf(keys.verify(otherSecret(a.key))), 'API_KEY_INVALID', 'the state is not revealed without the secret');
  t.equal(await codeOf(keys.verify(b.key)), 'NO_ERROR', 'other keys are untouched');
  await keys.revoke(a.principal.prefix);
  t.equal(await codeOf(keys.verify(a.key)), 'API_KEY_REVOKED', 'revoking twice is harmless');
  t.equal(await codeOf(keys.revoke('ffffffffffff')), 'API_KEY_INVALID', 'revoking an unknown prefix');
});

t.test('expiry follows the injected clock', async (t) => {
  const { keys, advance } = setup();
  const { key } = await keys.create({ name: 'temp', scopes: [], expiresAtMs: T0 + 60_000 });
  t.equal((await keys.verify(key)).expiresAtMs, T0 + 60_000);
  advance(59_999);
  t.equal(await codeOf(keys.verify(key)), 'NO_ERROR', 'a millisecond before');
  advance(1);
  t.equal(await codeOf(keys.verify(key)), 'API_KEY_EXPIRED', 'at expiry');
  t.equal(await codeOf(keys.verify(otherSecret(key))), 'API_KEY_INVALID', 'not revealed without the secret');
});

t.test('malformed keys are API_KEY_INVALID', async (t) => {
  const { keys } = setup();
  const { key } = await keys.create({ name: 'k', scopes: [] });
  const prefix = KEY.exec(key)![1]!;
  const malformed = [
    '',
    'ksk_',
    'ksk__',
    `ksk_${prefix}_`,
    `ksk_${prefix}`,
    key.toUpperCase(),
    key.replace('ksk_', 'KSK_'),
    key.replace('ksk_', 'sk_'),
    key.replace(prefix, prefix.toUpperCase()),
    key.replace(prefix, prefix.slice(1)),
    `${key}A`,
    `${key}_x`,
    ` ${key}`,
    `${key} `,
    `Bearer ${key}`,
    key.slice(0, -1),
    key.replace(/_/g, '-'),
  ];
  for (const bad of malformed) t.equal(await codeOf(keys.verify(bad)), 'API_KEY_INVALID', JSON.stringify(bad.slice(0, 30)));
  t.equal(await codeOf(keys.verify(null as unknown as string)), 'API_KEY_INVALID', 'null');
  t.equal(await codeOf(keys.verify(key)), 'NO_ERROR', 'the control');
});

t.test('a stored digest of the wrong shape never matches and never throws (constant-time compare guards its length)', async (t) => {
  const repo = new MemoryApiKeyRepo();
  const keys = new ApiKeyService({ repo, now: () => T0 });
  const secret = 'A'.repeat(43);
  const base: ApiKeyRecord = { prefix: '0123456789ab', secretHash: '', name: 'x', tenant: null, scopes: [], createdAtMs: T0, expiresAtMs: null, revokedAtMs: null };
  const digest = createHash('sha256').update(secret).digest('hex');
  await repo.insert({ ...base, prefix: '000000000001', secretHash: digest.slice(0, 62) });
  await repo.insert({ ...base, prefix: '000000000002', secretHash: `${digest}00` });
  await repo.insert({ ...base, prefix: '000000000003', secretHash: digest.toUpperCase() });
  await repo.insert({ ...base, prefix: '000000000004', secretHash: digest });
  for (const p of ['000000000001', '000000000002', '000000000003']) t.equal(await codeOf(keys.verify(`ksk_${p}_${secret}`)), 'API_KEY_INVALID', `stored digest shape ${p}`);
  t.equal(await codeOf(keys.verify(`ksk_000000000004_${secret}`)), 'NO_ERROR', 'the well-formed record verifies');
});

t.test('bad create requests are INVALID_ARGUMENT', async (t) => {
  const { keys } = setup();
  t.equal(await codeOf(keys.create({ name: '', scopes: [] })), 'INVALID_ARGUMENT', 'empty name');
  t.equal(await codeOf(keys.create({ name: 'a\nb', scopes: [] })), 'INVALID_ARGUMENT', 'control character in the name');
  t.equal(await codeOf(keys.create({ name: 'k', scopes: ['Ledger'] })), 'INVALID_ARGUMENT', 'upper-case scope');
  t.equal(await codeOf(keys.create({ name: 'k', scopes: ['a b'] })), 'INVALID_ARGUMENT', 'scope with a space');
  t.equal(await codeOf(keys.create({ name: 'k', scopes: Array.from({ length: 65 }, (_, i) => `s${i}`) })), 'INVALID_ARGUMENT', '65 scopes');
  t.equal(await codeOf(keys.create({ name: 'k', scopes: [], expiresAtMs: T0 })), 'INVALID_ARGUMENT', 'already expired');
  t.equal(await codeOf(keys.create({ name: 'k', scopes: [], tenant: '' })), 'INVALID_ARGUMENT', 'empty tenant');
});

t.test('a prefix collision draws again; endless collisions fail loudly', async (t) => {
  const inner = new MemoryApiKeyRepo();
  let inserts = 0;
  let refuse = 1;
  const flaky = {
    insert: async (r: ApiKeyRecord) => (++inserts <= refuse ? false : inner.insert(r)),
    findByPrefix: (p: string) => inner.findByPrefix(p),
    revoke: (p: string, at: number) => inner.revoke(p, at),
  };
  const keys = new ApiKeyService({ repo: flaky, now: () => T0 });
  const { key } = await keys.create({ name: 'k', scopes: [] });
  t.equal(inserts, 2, 'the first prefix was taken, the second stored');
  t.equal(await codeOf(keys.verify(key)), 'NO_ERROR');
  inserts = 0;
  refuse = 100;
  t.equal(await codeOf(keys.create({ name: 'k', scopes: [] })), 'NOT_AUTH_ERROR', 'a plain error after 3 attempts');
  t.equal(inserts, 3);
});

t.test('property: any single-character change to a valid API key is refused', async (t) => {
  const { keys } = setup();
  const { key } = await keys.create({ name: 'k', scopes: ['ledger:read'] });
  const replacement = fc.oneof(fc.constantFrom(...BASE64URL), fc.constantFrom('=', '+', '/', ' ', '.', '\n', '\u0000', 'é', 'K'));
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: key.length - 1 }), replacement, async (i, c) => {
      fc.pre(key[i] !== c);
      const mutated = key.slice(0, i) + c + key.slice(i + 1);
      checked++;
      return (await codeOf(keys.verify(mutated))) === 'API_KEY_INVALID';
    }),
    { numRuns: 300 },
  );
  t.ok(checked >= 250, `${checked} mutations checked`);
  // The last character's spare bits, explicitly: the digest is over the text, not the bytes.
  const siblings = [...BASE64URL].map((c) => key.slice(0, -1) + c).filter((s) => s !== key && Buffer.from(s.slice(-43), 'base64url').equals(Buffer.from(key.slice(-43), 'base64url')));
  t.equal(siblings.length, 3, 'three other spellings of the same secret bytes');
  for (const s of siblings) t.equal(await codeOf(keys.verify(s)), 'API_KEY_INVALID', `sibling …${s.slice(-2)}`);
  t.equal(await codeOf(keys.verify(key)), 'NO_ERROR', 'the original still verifies');
});
