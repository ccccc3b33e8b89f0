// Password hashing: scrypt round trip, self-describing format, rehash on parameter change,
// malformed stored hashes refused with a code, length limits, constant-time compare that never
// throws on a stored hash of another length. Low cost parameters except in one test.
import { scrypt } from 'node:crypto';
import t from 'tap';
import type {
  AuthError} from '../src/auth/index.js';
import {
  DEFAULT_PASSWORD_PARAMS,
  hashPassword,
  MAX_PASSWORD_BYTES,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
} from '../src/auth/index.js';
import { codeOf } from './support/auth-code.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function scryptRaw(password: string, salt: Buffer, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keyLength, { ...FAST, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

t.test('round trip with the test parameters', async (t) => {
  const stored = await hashPassword('correct horse battery staple', FAST);
  const m = FORMAT.exec(stored);
  t.ok(m, `the format is scrypt$N$r$p$salt$hash: ${stored}`);
  t.strictSame(m?.slice(1, 4), ['1024', '8', '1'], 'the parameters are written into the hash');
  t.equal(await verifyPassword('correct horse battery staple', stored), true, 'the right password verifies');
  t.equal(await verifyPassword('correct horse battery stapler', stored), false, 'a wrong password does not');
  t.equal(await verifyPassword('Correct horse battery staple', stored), false, 'case matters');
  const again = await hashPassword('correct horse battery staple', FAST);
  t.not(again, stored, 'a fresh salt each time: the same password hashes differently');
  t.not(again.split('$')[4], stored.split('$')[4], 'the salts differ');
  t.equal(await verifyPassword('correct horse battery staple', again), true);
});

t.test('the production parameters: N=2^15, r=8, p=1', async (t) => {
  t.strictSame(DEFAULT_PASSWORD_PARAMS, { N: 32768, r: 8, p: 1 });
  const started = process.hrtime.bigint();
  const stored = await hashPassword('S3cure-enough password');
  const hashMs = Number(process.hrtime.bigint() - started) / 1e6;
  t.match(stored, /^scrypt\$32768\$8\$1\$/, 'hashed with the defaults');
  t.equal(await verifyPassword('S3cure-enough password', stored), true);
  t.equal(await verifyPassword('S3cure-enough passwore', stored), false);
  t.equal(needsRehash(stored), false, 'a default hash needs no rehash');
  t.comment(`one hash at the production parameters took ${hashMs.toFixed(0)} ms`);
  t.ok(hashMs < 2000, 'and it stays usable for a login (< 2 s even on a busy CI box)');
});

t.test('needsRehash when the parameters change', async (t) => {
  const stored = await hashPassword('pw', FAST);
  t.equal(needsRehash(stored, FAST), false, 'same parameters: no');
  t.equal(needsRehash(stored), true, 'the defaults are stronger: yes');
  t.equal(needsRehash(stored, { ...FAST, N: 2 ** 11 }), true, 'N changed');
  t.equal(needsRehash(stored, { ...FAST, r: 16 }), true, 'r changed');
  t.equal(needsRehash(stored, { ...FAST, p: 2 }), true, 'p changed');
});

t.test('a stored hash of another length verifies in constant time without throwing', async (t) => {
  const salt = Buffer.alloc(16, 7);
  for (const length of [16, 48, 64]) {
    const key = await scryptRaw('pw', salt, length);
    const stored = `scrypt$1024$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    t.equal(await verifyPassword('pw', stored), true, `a ${length}-byte hash verifies (the candidate is derived at the stored length)`);
    t.equal(await verifyPassword('px', stored), false, `a wrong password against a ${length}-byte hash is false, not a throw`);
    t.equal(needsRehash(stored, FAST), true, `a ${length}-byte hash is rehashed to 32 bytes`);
  }
  const stored = await hashPassword('pw', FAST);
  const parts = stored.split('$');
  const hash = Buffer.from(parts[5]!, 'base64url');
  const shorter = [...parts.slice(0, 5), hash.subarray(0, 31).toString('base64url')].join('$');
  // scrypt's output is a PBKDF2 stream: a prefix is the shorter hash of the same password. So a
  // truncated hash still verifies (no throw on the length change), is flagged for rehash, and
  // the 16-byte minimum keeps even a truncated one at 128 bits.
  t.equal(await verifyPassword('pw', shorter), true, 'a truncated hash compares at its own length, without throwing');
  t.equal(await verifyPassword('px', shorter), false, 'and still refuses a wrong password');
  t.equal(needsRehash(shorter, FAST), true, 'and is flagged for rehash');
  hash[0] = hash[0]! ^ 1;
  const flipped = [...parts.slice(0, 5), hash.toString('base64url')].join('$');
  t.equal(await verifyPassword('pw', flipped), false, 'one flipped bit in the stored hash: mismatch');
});

t.test('malformed stored hashes are refused with PASSWORD_HASH_MALFORMED', async (t) => {
  const good = await hashPassword('pw', FAST);
  const [, , , , salt, hash] = good.split('$') as [string, string, string, string, string, string];
  const bad: Record<string, string> = {
    empty: '',
    'another scheme': good.replace(/^scrypt/, 'bcrypt'),
    'too few fields': good.split('$').slice(0, 5).join('$'),
    'too many fields': `${good}$x`,
    'N not a power of two': `scrypt$1000$8$1$${salt}$${hash}`,
    'N too large (memory bomb)': `scrypt$${2 ** 21}$8$1$${salt}$${hash}`,
    'N too small': `scrypt$512$8$1$${salt}$${hash}`,
    'N with a leading zero': `scrypt$01024$8$1$${salt}$${hash}`,
    'N negative': `scrypt$-1024$8$1$${salt}$${hash}`,
    'r zero': `scrypt$1024$0$1$${salt}$${hash}`,
    'r too large': `scrypt$1024$33$1$${salt}$${hash}`,
    'p too large': `scrypt$1024$8$17$${salt}$${hash}`,
    'memory over 256 MiB': `scrypt$${2 ** 20}$8$1$${salt}$${hash}`,
    'salt not base64url': `scrypt$1024$8$1$${salt.slice(0, -1)}+$${hash}`,
    'salt too short': `scrypt$1024$8$1$${Buffer.alloc(8).toString('base64url')}$${hash}`,
    'salt with padding': `scrypt$1024$8$1$${salt}==$${hash}`,
    'hash empty': `scrypt$1024$8$1$${salt}$`,
    'hash too short': `scrypt$1024$8$1$${salt}$${Buffer.alloc(8).toString('base64url')}`,
    'hash too long': `scrypt$1024$8$1$${salt}$${Buffer.alloc(65).toString('base64url')}`,
    // 32 bytes are 43 characters with 2 spare bits in the last one; setting them is not canonical.
    'hash not canonical base64url': `scrypt$1024$8$1$${salt}$${Buffer.alloc(32).toString('base64url').slice(0, -1)}B`,
    'absurdly long': `scrypt$1024$8$1$${salt}$${'A'.repeat(600)}`,
  };
  for (const [why, stored] of Object.entries(bad)) {
    t.equal(await codeOf(verifyPassword('pw', stored)), 'PASSWORD_HASH_MALFORMED', `verify: ${why}`);
    t.equal(await codeOf(() => needsRehash(stored)), 'PASSWORD_HASH_MALFORMED', `needsRehash: ${why}`);
  }
  t.equal(await codeOf(verifyPassword('pw', null as unknown as string)), 'PASSWORD_HASH_MALFORMED', 'not a string');
  t.equal(await codeOf(() => parsePasswordHash(good)), 'NO_ERROR', 'the good one parses');
  try {
    parsePasswordHash('');
  } catch (err) {
    t.equal((err as AuthError).httpStatus, 500, 'a corrupt stored hash is a server-side fault, not the caller\'s');
  }
});

t.test('empty and over-long passwords are refused with a code; the message never holds the password', async (t) => {
  const stored = await hashPassword('pw', FAST);
  t.equal(await codeOf(hashPassword('', FAST)), 'PASSWORD_EMPTY');
  t.equal(await codeOf(verifyPassword('', stored)), 'PASSWORD_EMPTY');
  const secretish = 'hunter2-'.repeat(128) + 'x';
  t.equal(Buffer.byteLength(secretish), MAX_PASSWORD_BYTES + 1);
  try {
    await hashPassword(secretish, FAST);
    t.fail('an over-long password must be refused');
  } catch (err) {
    t.equal((err as AuthError).code, 'PASSWORD_TOO_LONG');
    t.equal((err as AuthError).httpStatus, 400, 'malformed input: 400');
    t.notMatch((err as Error).message, /hunter2/, 'the message does not echo the password');
  }
  t.equal(await codeOf(verifyPassword(secretish, stored)), 'PASSWORD_TOO_LONG', 'verify refuses it too (bounded KDF work)');
  t.equal(await codeOf(hashPassword('€'.repeat(342), FAST)), 'PASSWORD_TOO_LONG', '342 characters but 1026 UTF-8 bytes');
  const longest = 'a'.repeat(MAX_PASSWORD_BYTES);
  t.equal(await verifyPassword(longest, await hashPassword(longest, FAST)), true, 'exactly the limit is fine');
  t.equal(await codeOf(hashPassword('pw', { N: 1000, r: 8, p: 1 })), 'INVALID_ARGUMENT', 'parameters out of bounds are refused when hashing');
});

t.test('passwords are NFKC-normalised', async (t) => {
  const stored = await hashPassword('\uFB01le', FAST); // "ﬁle" with the ligature
  t.equal(await verifyPassword('file', stored), true, 'the ligature and its letters are one password');
  const composed = await hashPassword('caf\u00e9', FAST);
  t.equal(await verifyPassword('cafe\u0301', composed), true, 'precomposed and combining é are one password');
  t.equal(await verifyPassword('cafe', composed), false);
});
