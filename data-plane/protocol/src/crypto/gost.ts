/**
 * The `gost` suite: Streebog-256 (GOST R 34.11-2012, RFC 6986) and GOST R 34.10-2012 signatures
 * with 256-bit keys (RFC 7091).
 *
 * Curve: id-GostR3410-2001-CryptoPro-A-ParamSet (OID 1.2.643.2.2.35.1, defined in RFC 4357), which
 * TC26 re-registered for GOST R 34.10-2012 as id-tc26-gost-3410-2012-256-paramSetB (RFC 7836,
 * RFC 9215). It is a plain short-Weierstrass curve with a = −3 and cofactor 1, supported by every
 * GOST implementation (CryptoPro CSP, OpenSSL gost-engine, the bundled crypto-gost-js as
 * 'S-256-A'). TC26 paramSetA was not chosen: it is a twisted Edwards curve with cofactor 4,
 * which would need cofactor handling here for no interoperability gain.
 *
 * Arithmetic: @noble/curves' generic `weierstrass` points; the GOST equations are written out
 * below (RFC 7091 §6.1/§6.2). The curve is a parameter so the known-answer test can run on the
 * standard's test curve (GOST R 34.10-2012 Appendix A.1 = RFC 7091 §7.1).
 *
 * Byte-order conventions (the standard works with integers; these are our byte strings):
 *   - digest → integer: α = Σ h[i]·256^i, i.e. the 32 Streebog output bytes read LITTLE-endian
 *     (GOST R 34.10 §6.1 step 2 with the vector ↔ integer mapping of GOST R 34.11; this is what
 *     CryptoPro, OpenSSL gost-engine and crypto-gost-js do); e = α mod q, e = 1 if that is 0.
 *   - private key: 32 bytes, d LITTLE-endian (the CryptoPro / crypto-gost-js convention),
 *     1 ≤ d < q; anything else is rejected, never silently reduced.
 *   - public key: 64 bytes, x LITTLE-endian ‖ y LITTLE-endian (the X.509 key encoding of RFC 4491 / RFC 9215),
 *     without the ASN.1 OCTET STRING wrapper.
 *   - signature: 64 bytes, s BIG-endian ‖ r BIG-endian (the X.509 signature encoding of RFC 4491 /
 *     RFC 9215), 0 < r, s < q.
 * With these conventions our keys and signatures interoperate with crypto-gost-js's
 * 'GOST R 34.10'/2012/'CP'/'S-256-A' engine (checked in the tests).
 *
 * Malleability: unlike ECDSA there is no public (r, q − s) twin. The only other s accepted with
 * the same r (C → −C) is s' = 2·r·d − s mod q, which needs the private key d; out-of-range r, s
 * are rejected. So a third party cannot re-encode someone's signature (the signer can always
 * make fresh ones with a new nonce).
 *
 * Nonce: k is drawn uniformly from [1, q) (rejection sampling over 32 random bytes from
 * crypto.getRandomValues, GOST R 34.10 §6.1 step 3). Signing is therefore randomized: two
 * signatures of one message differ, both verify.
 *
 * Verification caches up to 64 decoded public keys and gives repeat signers precomputed tables
 * (see PublicKeyCache).
 */
import { invert, mod } from '@noble/curves/abstract/modular.js';
import { weierstrass, type WeierstrassPoint, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { bytesToHex, bytesToNumberBE, bytesToNumberLE, numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js';
import { streebog256 } from './gost-hash.js';
import { CryptoError, type CryptoSuite, type KeyPair } from './suite.js';

export { streebog256 } from './gost-hash.js';

/** Curve parameters in the notation of GOST R 34.10-2012 (p, a, b, q = m for cofactor 1, P = (x, y)). */
export interface GostCurveParams {
  readonly name: string;
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  /** Order of the base point P (the curve order m equals q: cofactor 1 for both curves here). */
  readonly q: bigint;
  readonly x: bigint;
  readonly y: bigint;
}

export interface GostCurve extends GostCurveParams {
  readonly Point: WeierstrassPointCons<bigint>;
}

export interface GostSignature {
  readonly r: bigint;
  readonly s: bigint;
}

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

export function makeGostCurve(params: GostCurveParams): GostCurve {
  const Point = weierstrass<bigint>({ p: params.p, n: params.q, h: 1n, a: params.a, b: params.b, Gx: params.x, Gy: params.y });
  return Object.freeze({ ...params, Point });
}

/**
 * The test curve of GOST R 34.10-2012 Appendix A.1 (= RFC 7091 §7.1, = id-GostR3410-2001-TestParamSet).
 * NOT for production; used by the known-answer test only.
 */
export const GOST_TEST_CURVE_256: GostCurve = makeGostCurve({
  name: 'GOST R 34.10-2012 A.1 test curve',
  p: 0x8000000000000000000000000000000000000000000000000000000000000431n,
  a: 7n,
  b: 0x5fbff498aa938ce739b8e022fbafef40563f6e6a3472fc2a514c0ce9dae23b7en,
  q: 0x8000000000000000000000000000000150fe8a1892976154c59cfc193accf5b3n,
  x: 2n,
  y: 0x08e2a8a0e65147d4bd6316030e16d19c85c97f0a9ca267122b96abbcea7e8fc8n,
});

/** id-GostR3410-2001-CryptoPro-A-ParamSet = id-tc26-gost-3410-2012-256-paramSetB (RFC 4357 §11.4, RFC 7836). */
export const GOST_CRYPTOPRO_A_256: GostCurve = makeGostCurve({
  name: 'id-GostR3410-2001-CryptoPro-A-ParamSet',
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97n,
  a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd94n, // p − 3
  b: 0xa6n,
  q: 0xffffffffffffffffffffffffffffffff6c611070995ad10045841b09b761b893n,
  x: 1n,
  y: 0x8d91e471e0989cda27df505a453f2b7635294f2ddf23e3b122acc99c9e9f1e14n,
});

/** The curve the `gost` suite uses. */
export const GOST_SUITE_CURVE: GostCurve = GOST_CRYPTOPRO_A_256;

function inRange(v: bigint, q: bigint): boolean {
  return v > 0n && v < q;
}

/** e = α mod q, replaced by 1 when 0 (GOST R 34.10-2012 §6.1 step 2 / §6.2 step 3). */
export function gostDigestToE(alpha: bigint, curve: GostCurve = GOST_SUITE_CURVE): bigint {
  const e = mod(alpha, curve.q);
  return e === 0n ? 1n : e;
}

/** The integer α of a 32-byte Streebog digest (little-endian, see the module comment). */
export function gostDigestToInt(digest: Uint8Array): bigint {
  return bytesToNumberLE(digest);
}

/** Q = d·P. Throws CryptoError('INVALID_KEY') unless 0 < d < q. */
export function gostPublicPoint(d: bigint, curve: GostCurve = GOST_SUITE_CURVE): AffinePoint {
  if (!inRange(d, curve.q)) throw new CryptoError('INVALID_KEY', 'gost: private key must satisfy 0 < d < q');
  return curve.Point.BASE.multiply(d).toAffine();
}

/**
 * GOST R 34.10-2012 §6.1 steps 2–5 with an explicit nonce:
 *   e = α mod q (1 if 0); C = k·P; r = x_C mod q; s = (r·d + k·e) mod q.
 * `alpha` is the digest as an integer (reduced here). Throws CryptoError('INVALID_KEY') unless
 * 0 < d < q, and a plain Error if 0 < k < q fails or r = 0 or s = 0 (the caller picks another k).
 */
export function gostSignDigest(d: bigint, alpha: bigint, k: bigint, curve: GostCurve = GOST_SUITE_CURVE): GostSignature {
  const { q } = curve;
  if (!inRange(d, q)) throw new CryptoError('INVALID_KEY', 'gost: private key must satisfy 0 < d < q');
  if (!inRange(k, q)) throw new Error('gost: nonce must satisfy 0 < k < q');
  const e = gostDigestToE(alpha, curve);
  const C = curve.Point.BASE.multiply(k).toAffine();
  const r = mod(C.x, q);
  if (r === 0n) throw new Error('gost: r = 0, choose another nonce');
  const s = mod(r * d + k * e, q);
  if (s === 0n) throw new Error('gost: s = 0, choose another nonce');
  return { r, s };
}

type GostPoint = WeierstrassPoint<bigint>;

/** Q as a validated curve point (coordinates in [0, p), on the curve, ≠ O), or null. Never throws. */
function toValidPoint(Q: AffinePoint, curve: GostCurve): GostPoint | null {
  try {
    if (typeof Q.x !== 'bigint' || typeof Q.y !== 'bigint') return null;
    const point = curve.Point.fromAffine({ x: Q.x, y: Q.y });
    if (point.is0()) return null;
    point.assertValidity(); // coordinates in [0, p) and on the curve (cofactor 1: no small subgroup)
    return point;
  } catch {
    return null;
  }
}

function verifyWithPoint(point: GostPoint, alpha: bigint, sig: GostSignature, curve: GostCurve): boolean {
  try {
    const { q } = curve;
    const { r, s } = sig;
    if (typeof r !== 'bigint' || typeof s !== 'bigint' || !inRange(r, q) || !inRange(s, q)) return false;
    if (typeof alpha !== 'bigint') return false;
    const e = gostDigestToE(alpha, curve);
    const v = invert(e, q);
    const z1 = mod(s * v, q);
    const z2 = mod(-r * v, q);
    // Public scalars only (verification): non-constant-time multiplication is fine. P has
    // noble's precomputed tables; Q gets them too once it is a "hot" key (see makeGostSuite).
    const C = curve.Point.BASE.multiplyUnsafe(z1).add(point.multiplyUnsafe(z2));
    if (C.is0()) return false;
    return mod(C.toAffine().x, q) === r;
  } catch {
    return false;
  }
}

/**
 * GOST R 34.10-2012 §6.2: reject unless 0 < r, s < q and Q is a valid point ≠ O; then
 * v = e⁻¹ mod q, z1 = s·v, z2 = −r·v (mod q), C = z1·P + z2·Q, accept iff x_C mod q = r.
 * `alpha` is the digest as an integer (reduced here, 1 if ≡ 0). Never throws: malformed input
 * returns false.
 */
export function gostVerifyDigest(Q: AffinePoint, alpha: bigint, sig: GostSignature, curve: GostCurve = GOST_SUITE_CURVE): boolean {
  const point = toValidPoint(Q, curve);
  return point !== null && verifyWithPoint(point, alpha, sig, curve);
}

// ---------------------------------------------------------------------------------------------
// Byte encodings (see module comment).

const SCALAR_BYTES = 32;
const PUBLIC_KEY_BYTES = 64;
const SIGNATURE_BYTES = 64;

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length;
}

function defaultRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function encodeGostPublicKey(Q: AffinePoint): Uint8Array {
  const out = new Uint8Array(PUBLIC_KEY_BYTES);
  out.set(numberToBytesLE(Q.x, SCALAR_BYTES), 0);
  out.set(numberToBytesLE(Q.y, SCALAR_BYTES), SCALAR_BYTES);
  return out;
}

export function decodeGostPublicKey(bytes: Uint8Array): AffinePoint {
  return { x: bytesToNumberLE(bytes.subarray(0, SCALAR_BYTES)), y: bytesToNumberLE(bytes.subarray(SCALAR_BYTES, 2 * SCALAR_BYTES)) };
}

export function encodeGostSignature(sig: GostSignature): Uint8Array {
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(numberToBytesBE(sig.s, SCALAR_BYTES), 0);
  out.set(numberToBytesBE(sig.r, SCALAR_BYTES), SCALAR_BYTES);
  return out;
}

export function decodeGostSignature(bytes: Uint8Array): GostSignature {
  return { s: bytesToNumberBE(bytes.subarray(0, SCALAR_BYTES)), r: bytesToNumberBE(bytes.subarray(SCALAR_BYTES, 2 * SCALAR_BYTES)) };
}

function privateScalar(privateKey: Uint8Array, curve: GostCurve): bigint {
  if (!isBytes(privateKey, SCALAR_BYTES)) {
    throw new CryptoError('INVALID_KEY', `gost: private key must be ${SCALAR_BYTES} bytes`);
  }
  const d = bytesToNumberLE(privateKey);
  if (!inRange(d, curve.q)) throw new CryptoError('INVALID_KEY', 'gost: private key must satisfy 0 < d < q');
  return d;
}

/** Uniform scalar in [1, q) by rejection sampling from `random` (32-byte little-endian draws). */
function randomScalar(random: (n: number) => Uint8Array, curve: GostCurve, what: string): bigint {
  for (let attempt = 0; attempt < 128; attempt++) {
    const bytes = random(SCALAR_BYTES);
    if (!isBytes(bytes, SCALAR_BYTES)) {
      throw new CryptoError('INVALID_KEY', `gost: random source must return ${SCALAR_BYTES} bytes`);
    }
    const v = bytesToNumberLE(bytes);
    if (inRange(v, curve.q)) return v;
  }
  throw new CryptoError('INVALID_KEY', `gost: random source failed to produce a ${what} in [1, q)`);
}

/**
 * Decoded, validated public keys, most recently used last. A key seen a second time gets noble's
 * wNAF tables (window 4: ≈14 ms once, ≈50 kB), which makes z2·Q about 3× faster; keys verified
 * once never pay for them. Bounded, so an attacker spraying fresh keys only evicts entries.
 */
class PublicKeyCache {
  private readonly entries = new Map<string, { point: GostPoint; uses: number }>();
  constructor(
    private readonly curve: GostCurve,
    private readonly capacity = 64,
    private readonly windowSize = 4,
  ) {}

  /** The validated point, or null if the encoding is not a valid public key. */
  get(publicKey: Uint8Array): GostPoint | null {
    const id = bytesToHex(publicKey);
    const hit = this.entries.get(id);
    if (hit !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, hit);
      if (++hit.uses === 2) hit.point.precompute(this.windowSize, false);
      return hit.point;
    }
    const point = toValidPoint(decodeGostPublicKey(publicKey), this.curve);
    if (point === null) return null;
    this.entries.set(id, { point, uses: 1 });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return point;
  }
}

/** Builds the suite on a given curve; `gostSuite` below is the network suite on CryptoPro-A. */
export function makeGostSuite(curve: GostCurve = GOST_SUITE_CURVE, nonceRandom: (n: number) => Uint8Array = defaultRandom): CryptoSuite {
  const hotKeys = new PublicKeyCache(curve);

  function publicKeyOf(privateKey: Uint8Array): Uint8Array {
    return encodeGostPublicKey(gostPublicPoint(privateScalar(privateKey, curve), curve));
  }

  return Object.freeze({
    id: 'gost',
    hashBytes: 32,
    publicKeyBytes: PUBLIC_KEY_BYTES,
    signatureBytes: SIGNATURE_BYTES,

    hash(data: Uint8Array): Uint8Array {
      return streebog256(data);
    },

    generateKeyPair(random: (n: number) => Uint8Array = defaultRandom): KeyPair {
      const d = randomScalar(random, curve, 'private key');
      const privateKey = numberToBytesLE(d, SCALAR_BYTES);
      return { privateKey, publicKey: encodeGostPublicKey(gostPublicPoint(d, curve)) };
    },

    publicKeyOf,

    sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
      const d = privateScalar(privateKey, curve);
      if (!(message instanceof Uint8Array)) throw new TypeError('gost: message must be a Uint8Array');
      const alpha = gostDigestToInt(streebog256(message));
      // r = 0 or s = 0 happen with probability ≈ 2/q; retry with a fresh nonce as §6.1 says.
      for (;;) {
        const k = randomScalar(nonceRandom, curve, 'nonce');
        try {
          return encodeGostSignature(gostSignDigest(d, alpha, k, curve));
        } catch (err) {
          if (err instanceof CryptoError) throw err;
        }
      }
    },

    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (!isBytes(publicKey, PUBLIC_KEY_BYTES) || !isBytes(signature, SIGNATURE_BYTES) || !(message instanceof Uint8Array)) {
        return false;
      }
      try {
        const point = hotKeys.get(publicKey);
        if (point === null) return false;
        const alpha = gostDigestToInt(streebog256(message));
        return verifyWithPoint(point, alpha, decodeGostSignature(signature), curve);
      } catch {
        return false;
      }
    },
  });
}

export const gostSuite: CryptoSuite = makeGostSuite();
