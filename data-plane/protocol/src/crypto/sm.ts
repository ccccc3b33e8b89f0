/**
 * The `sm` suite (ShangMi / Chinese commercial cryptography):
 *  - hash: SM3 (GB/T 32905-2016, GM/T 0004-2012), 32 bytes, via sm-crypto-v2;
 *  - signatures: SM2 (GB/T 32918.2-2016, GM/T 0003.2-2012) over the recommended 256-bit curve
 *    (GB/T 32918.5-2017, GM/T 0003.5-2012), built here on @noble/curves' Weierstrass arithmetic.
 *
 * What is signed is e = SM3(Z_A ‖ M), with
 *   Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)
 * and the default signer ID "1234567812345678" (GM/T 0009-2012 §10), which is also what OpenSSL,
 * GmSSL, BouncyCastle and sm-crypto-v2 use by default, so signatures interoperate.
 *
 * Encodings: private key = d as 32 bytes big-endian, 1 ≤ d ≤ n − 2; public key = 65 bytes
 * uncompressed SEC1 (04 ‖ x ‖ y), validated on the curve; signature = r ‖ s, 32 bytes each,
 * big-endian (not DER), 1 ≤ r, s ≤ n − 1.
 *
 * Nonces are hedged: k is derived with HMAC-SHA-512 keyed by d over (fresh randomness ‖ e ‖
 * counter), so a weak or repeating RNG degrades to RFC 6979-style deterministic nonces instead
 * of leaking d. Note: JavaScript bigint arithmetic is not guaranteed constant-time.
 */
import { mapHashToField } from '@noble/curves/abstract/modular.js';
import { weierstrass, type WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import { bytesToHex, bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { sm3 as sm3Hex } from 'sm-crypto-v2';
import { CryptoError, type CryptoSuite, type KeyPair } from './suite.js';

/** SM2 recommended curve parameters, GB/T 32918.5-2017 / GM/T 0003.5-2012 §5. */
export const SM2_CURVE = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/** Default signer identity, GM/T 0009-2012. */
export const SM2_DEFAULT_ID: Uint8Array = utf8ToBytes('1234567812345678');

const Point = weierstrass<bigint>(SM2_CURVE);
type Sm2Point = WeierstrassPoint<bigint>;
const N = SM2_CURVE.n;
const FIELD_BYTES = 32;
const PUBLIC_KEY_BYTES = 65;
const SIGNATURE_BYTES = 64;
const MAX_ID_BYTES = 8191; // ENTL is a 16-bit count of bits

const modN = (x: bigint): bigint => ((x % N) + N) % N;

function invN(x: bigint): bigint {
  return Point.Fn.inv(modN(x));
}

function defaultRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** SM3 hash (32 bytes). */
export function sm3(data: Uint8Array): Uint8Array {
  return hexToBytes(sm3Hex(data));
}

function privateScalar(privateKey: Uint8Array): bigint {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== FIELD_BYTES) {
    throw new CryptoError('INVALID_KEY', `sm: private key must be ${FIELD_BYTES} bytes`);
  }
  const d = bytesToNumberBE(privateKey);
  // 1 + d must be invertible mod n, hence d ≤ n − 2 (GB/T 32918.1 §6.1).
  if (d < 1n || d > N - 2n) {
    throw new CryptoError('INVALID_KEY', 'sm: private key out of range [1, n-2]');
  }
  return d;
}

/** Parses and validates a 65-byte uncompressed public key; throws CryptoError('INVALID_KEY'). */
function publicPoint(publicKey: Uint8Array): Sm2Point {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES || publicKey[0] !== 0x04) {
    throw new CryptoError('INVALID_KEY', `sm: public key must be ${PUBLIC_KEY_BYTES} bytes, uncompressed (04 ‖ x ‖ y)`);
  }
  let P: Sm2Point;
  try {
    P = Point.fromBytes(publicKey); // checks x, y < p and that the point is on the curve
    P.assertValidity();
  } catch {
    throw new CryptoError('INVALID_KEY', 'sm: public key is not a point on the SM2 curve');
  }
  if (P.is0()) throw new CryptoError('INVALID_KEY', 'sm: public key is the point at infinity');
  return P;
}

/** Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2-2016 §5.5). */
export function sm2Za(publicKey: Uint8Array, userId: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  return za(publicPoint(publicKey), userId);
}

function za(P: Sm2Point, userId: Uint8Array): Uint8Array {
  if (!(userId instanceof Uint8Array) || userId.length > MAX_ID_BYTES) {
    throw new CryptoError('INVALID_KEY', `sm: signer ID must be at most ${MAX_ID_BYTES} bytes`);
  }
  const entl = userId.length * 8;
  const { x, y } = P.toAffine();
  return sm3(
    concatBytes(
      Uint8Array.of(entl >>> 8, entl & 0xff),
      userId,
      numberToBytesBE(SM2_CURVE.a, FIELD_BYTES),
      numberToBytesBE(SM2_CURVE.b, FIELD_BYTES),
      numberToBytesBE(SM2_CURVE.Gx, FIELD_BYTES),
      numberToBytesBE(SM2_CURVE.Gy, FIELD_BYTES),
      numberToBytesBE(x, FIELD_BYTES),
      numberToBytesBE(y, FIELD_BYTES),
    ),
  );
}

/** e = SM3(Z_A ‖ M) as an integer. */
function digest(P: Sm2Point, message: Uint8Array, userId: Uint8Array): Uint8Array {
  return sm3(concatBytes(za(P, userId), message));
}

/** GB/T 32918.2-2016 §6.1 steps A3–A7 for a given nonce k; undefined when k must be re-drawn. */
function signWithNonce(d: bigint, e: bigint, k: bigint): Uint8Array | undefined {
  if (k < 1n || k >= N) return undefined;
  const x1 = Point.BASE.multiply(k).toAffine().x;
  const r = modN(e + x1);
  if (r === 0n || r + k === N) return undefined;
  const s = modN(invN(1n + d) * (k - r * d));
  if (s === 0n) return undefined;
  return concatBytes(numberToBytesBE(r, FIELD_BYTES), numberToBytesBE(s, FIELD_BYTES));
}

export interface Sm2SignOptions {
  /** Signer ID for Z_A; default "1234567812345678". */
  readonly userId?: Uint8Array;
  /** Randomness for the hedged nonce; default crypto.getRandomValues. */
  readonly random?: (n: number) => Uint8Array;
}

/** SM2 signature (r ‖ s, 64 bytes) of `message` with Z_A preprocessing. */
export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, options: Sm2SignOptions = {}): Uint8Array {
  const d = privateScalar(privateKey);
  const userId = options.userId ?? SM2_DEFAULT_ID;
  const random = options.random ?? defaultRandom;
  const eBytes = digest(Point.BASE.multiply(d), message, userId);
  const e = bytesToNumberBE(eBytes);
  const dBytes = numberToBytesBE(d, FIELD_BYTES);
  for (let counter = 0; counter < 256; counter++) {
    const entropy = random(32);
    if (!(entropy instanceof Uint8Array) || entropy.length !== 32) {
      throw new CryptoError('INVALID_KEY', 'sm: random source must return 32 bytes');
    }
    const seed = hmac(sha512, dBytes, concatBytes(entropy, eBytes, Uint8Array.of(counter)));
    const k = bytesToNumberBE(mapHashToField(seed, N)); // uniform-ish in [1, n-1]
    const sig = signWithNonce(d, e, k);
    if (sig) return sig;
  }
  // Unreachable except with negligible probability (each attempt fails with prob. ~2^-254).
  throw new CryptoError('INVALID_SIGNATURE', 'sm: could not produce a signature');
}

/**
 * Signs with a caller-chosen nonce k. ONLY for known-answer tests against published vectors:
 * reusing or predicting k reveals the private key.
 * @internal
 */
export function sm2SignWithFixedNonceForTesting(
  privateKey: Uint8Array,
  message: Uint8Array,
  k: Uint8Array,
  userId: Uint8Array = SM2_DEFAULT_ID,
): Uint8Array {
  const d = privateScalar(privateKey);
  const e = bytesToNumberBE(digest(Point.BASE.multiply(d), message, userId));
  const sig = signWithNonce(d, e, bytesToNumberBE(k));
  if (!sig) throw new CryptoError('INVALID_SIGNATURE', 'sm: unusable nonce');
  return sig;
}

/**
 * Verifiers see the same few signer keys again and again (members, nodes): their validated
 * points (with precomputed tables once a key repeats) and Z_A (default ID) are kept here.
 */
class VerifierKeyCache {
  private readonly entries = new Map<string, { point: Sm2Point; za: Uint8Array; uses: number }>();
  constructor(private readonly capacity = 256) {}

  get(publicKey: Uint8Array): { point: Sm2Point; za: Uint8Array } {
    const id = bytesToHex(publicKey);
    const hit = this.entries.get(id);
    if (hit !== undefined) {
      if (++hit.uses === 2) hit.point.precompute(4, false);
      return hit;
    }
    const point = publicPoint(publicKey); // throws for an invalid key
    const entry = { point, za: za(point, SM2_DEFAULT_ID), uses: 1 };
    this.entries.set(id, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return entry;
  }
}

const verifierKeys = new VerifierKeyCache();

/**
 * SM2 verification (GB/T 32918.2-2016 §7.1). Never throws: malformed input verifies false.
 * Verification handles only public data, so it uses the faster variable-time multiplication.
 */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  userId: Uint8Array = SM2_DEFAULT_ID,
): boolean {
  try {
    if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
      return false;
    }
    const defaultId = userId === SM2_DEFAULT_ID;
    const cached = defaultId ? verifierKeys.get(publicKey) : null;
    const P = cached?.point ?? publicPoint(publicKey);
    const r = bytesToNumberBE(signature.subarray(0, FIELD_BYTES));
    const s = bytesToNumberBE(signature.subarray(FIELD_BYTES));
    if (r < 1n || r >= N || s < 1n || s >= N) return false; // B1, B2
    const e = bytesToNumberBE(sm3(concatBytes(cached?.za ?? za(P, userId), message))); // B3, B4
    const t = modN(r + s); // B5
    if (t === 0n) return false;
    const X = Point.BASE.multiplyUnsafe(s).add(P.multiplyUnsafe(t)); // B6
    if (X.is0()) return false;
    return modN(e + X.toAffine().x) === r; // B7
  } catch {
    return false;
  }
}

function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return Point.BASE.multiply(privateScalar(privateKey)).toBytes(false);
}

export const smSuite: CryptoSuite = Object.freeze({
  id: 'sm',
  hashBytes: 32,
  publicKeyBytes: PUBLIC_KEY_BYTES,
  signatureBytes: SIGNATURE_BYTES,

  hash(data: Uint8Array): Uint8Array {
    return sm3(data);
  },

  generateKeyPair(random: (n: number) => Uint8Array = defaultRandom): KeyPair {
    // 48 random bytes reduced into [1, n-2] (FIPS 186-5 A.2.1-style extra bits: bias < 2^-128).
    const seed = random(48);
    if (!(seed instanceof Uint8Array) || seed.length !== 48) {
      throw new CryptoError('INVALID_KEY', 'sm: random source must return 48 bytes');
    }
    const privateKey = mapHashToField(seed, N - 1n);
    return { privateKey, publicKey: publicKeyOf(privateKey) };
  },

  publicKeyOf,

  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    return sm2Sign(privateKey, message);
  },

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    return sm2Verify(publicKey, message, signature);
  },
});
