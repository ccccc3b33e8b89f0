/**
 * Password hashing with scrypt (memory-hard, in node:crypto). A stored hash is self-describing,
 * `scrypt$N$r$p$salt$hash` (salt and hash base64url), so the cost can be raised later: a login
 * that verifies against older parameters sees `needsRehash` and stores a fresh hash.
 *
 * Passwords are NFKC-normalised (the same password typed on two keyboards is one password) and
 * limited to MAX_PASSWORD_BYTES: scrypt's first pass is PBKDF2 over the whole input, so an
 * unbounded password is unbounded work for whoever sends it. Nothing here logs or puts a
 * password into an error message.
 */
import { scrypt, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.js';

export interface PasswordHashParams {
  /** CPU/memory cost: a power of two. Memory used is 128 * N * r bytes. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation. */
  readonly p: number;
}

/** 32 MiB and ~150 ms per hash on the 2-core CI machine: OWASP's scrypt minimum. */
export const DEFAULT_PASSWORD_PARAMS: PasswordHashParams = { N: 2 ** 15, r: 8, p: 1 };

export const MAX_PASSWORD_BYTES = 1024;

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = 'scrypt';

// Bounds on parameters, for new hashes and stored ones alike: a corrupted (or planted) row must
// not make one login allocate gigabytes or spin for minutes.
const N_MIN = 2 ** 10;
const N_MAX = 2 ** 20;
const R_MAX = 32;
const P_MAX = 16;
const MEMORY_BYTES_MAX = 256 * 1024 * 1024;
const SALT_BYTES_MIN = 16;
const STORED_BYTES_MAX = 64;
const HASH_BYTES_MIN = 16;

export interface ParsedPasswordHash {
  readonly params: PasswordHashParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Hashes a password with a fresh random salt. `params` lower than the default are for tests. */
export async function hashPassword(password: string, params: PasswordHashParams = DEFAULT_PASSWORD_PARAMS): Promise<string> {
  const input = passwordBytes(password);
  if (!paramsInBounds(params)) {
    throw new AuthError('INVALID_ARGUMENT', `scrypt parameters out of bounds (N a power of two in [2^10, 2^20], r ≤ ${R_MAX}, p ≤ ${P_MAX}, 128·N·r ≤ 256 MiB)`);
  }
  const salt = randomBytes(SALT_BYTES);
  const hash = await deriveKey(input, salt, HASH_BYTES, params);
  return [PREFIX, params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/**
 * True when `password` matches the stored hash. The comparison is constant-time; the derived
 * key always has the stored hash's length, so it never throws on a length mismatch.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const input = passwordBytes(password);
  const parsed = parsePasswordHash(stored);
  const candidate = await deriveKey(input, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True when the stored hash was made with parameters other than `params` (or a shorter hash). */
export function needsRehash(stored: string, params: PasswordHashParams = DEFAULT_PASSWORD_PARAMS): boolean {
  const parsed = parsePasswordHash(stored);
  return parsed.params.N !== params.N || parsed.params.r !== params.r || parsed.params.p !== params.p || parsed.hash.length !== HASH_BYTES;
}

/** Parses `scrypt$N$r$p$salt$hash`; anything else is PASSWORD_HASH_MALFORMED. */
export function parsePasswordHash(stored: string): ParsedPasswordHash {
  const malformed = (why: string): AuthError => new AuthError('PASSWORD_HASH_MALFORMED', `stored password hash is malformed: ${why}`);
  if (typeof stored !== 'string' || stored.length > 512) throw malformed('not a string of sensible length');
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) throw malformed(`expected ${PREFIX}$N$r$p$salt$hash`);
  const [N, r, p] = parts.slice(1, 4).map(parseDecimal);
  if (N === undefined || r === undefined || p === undefined) throw malformed('N, r and p must be decimal integers');
  const params = { N, r, p };
  if (!paramsInBounds(params)) throw malformed('parameters out of bounds');
  const salt = decodeBase64url(parts[4] ?? '');
  const hash = decodeBase64url(parts[5] ?? '');
  if (salt === null || salt.length < SALT_BYTES_MIN || salt.length > STORED_BYTES_MAX) throw malformed('bad salt');
  if (hash === null || hash.length < HASH_BYTES_MIN || hash.length > STORED_BYTES_MAX) throw malformed('bad hash');
  return { params, salt, hash };
}

function passwordBytes(password: string): Buffer {
  if (typeof password !== 'string' || password.length === 0) throw new AuthError('PASSWORD_EMPTY', 'the password is empty');
  // Checked before normalising too: normalisation of a huge string is itself work.
  if (password.length > MAX_PASSWORD_BYTES) throw new AuthError('PASSWORD_TOO_LONG', `the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  const bytes = Buffer.from(password.normalize('NFKC'), 'utf8');
  if (bytes.length > MAX_PASSWORD_BYTES) throw new AuthError('PASSWORD_TOO_LONG', `the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  return bytes;
}

function paramsInBounds({ N, r, p }: PasswordHashParams): boolean {
  const powerOfTwo = Number.isInteger(N) && N > 0 && (N & (N - 1)) === 0;
  return (
    powerOfTwo && N >= N_MIN && N <= N_MAX &&
    Number.isInteger(r) && r >= 1 && r <= R_MAX &&
    Number.isInteger(p) && p >= 1 && p <= P_MAX &&
    128 * N * r <= MEMORY_BYTES_MAX
  );
}

/** scrypt needs 128·r·(N + p + 2) bytes; node's default cap (32 MiB) is exactly too small for N=2^15, r=8. */
function maxmemFor({ N, r, p }: PasswordHashParams): number {
  return 128 * r * (N + p + 2) + 1024 * 1024;
}

function deriveKey(password: Buffer, salt: Buffer, keyLength: number, params: PasswordHashParams): Promise<Buffer> {
  const { N, r, p } = params;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N, r, p, maxmem: maxmemFor(params) }, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

function parseDecimal(s: string): number | undefined {
  return /^[1-9][0-9]{0,8}$/.test(s) ? Number(s) : undefined;
}

/** Strict base64url: only the canonical encoding of its bytes (no padding, no spare bits set). */
function decodeBase64url(s: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return null;
  const bytes = Buffer.from(s, 'base64url');
  return bytes.toString('base64url') === s ? bytes : null;
}
