/**
 * Threshold sharing of a secret scalar: Shamir's scheme over the ristretto255 scalar field
 * (prime order L), with Feldman commitments C_k = a_k·B to the polynomial's coefficients so that
 * anyone can check a share against the dealer's public commitments (share·B = Σ C_k·i^k) without
 * learning it, and check a rebuilt secret against C_0. Any t of the n shares rebuild the secret;
 * t − 1 shares are independent of it. Scalars travel as 32 bytes little-endian, canonical (< L).
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { PrivacyError } from './errors.js';
import { defaultRandom, type RandomSource } from './aead.js';

const Point = ristretto255.Point;
/** What this module needs of a ristretto255 element (noble's class is not nameable in declarations). */
export interface GroupElement {
  add(other: GroupElement): GroupElement;
  multiply(scalar: bigint): GroupElement;
  equals(other: GroupElement): boolean;
  is0(): boolean;
  toBytes(): Uint8Array;
}
type RPoint = GroupElement;
/** The order of the ristretto255 group. */
export const SCALAR_ORDER: bigint = Point.Fn.ORDER;
export const SCALAR_BYTES = 32;
export const POINT_BYTES = 32;
/** Share indices are 1..MAX_SHARES (index 0 would be the secret itself). */
export const MAX_SHARES = 255;

export interface Share {
  /** 1..255: the x coordinate the polynomial was evaluated at. */
  readonly index: number;
  /** f(index), 32 bytes little-endian. */
  readonly value: Uint8Array;
}

export interface Dealing {
  readonly shares: readonly Share[];
  /** C_0..C_{t-1}, ristretto255 encodings; C_0 = secret·B. */
  readonly commitments: readonly Uint8Array[];
}

const mod = (a: bigint): bigint => {
  const r = a % SCALAR_ORDER;
  return r < 0n ? r + SCALAR_ORDER : r;
};

export function scalarToBytes(s: bigint): Uint8Array {
  if (s < 0n || s >= SCALAR_ORDER) throw new PrivacyError('INVALID_KEY', 'scalar out of range');
  const out = new Uint8Array(SCALAR_BYTES);
  let v = s;
  for (let i = 0; i < SCALAR_BYTES; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Decodes a canonical scalar; INVALID_KEY for a wrong length or a value ≥ L. */
export function scalarFromBytes(b: Uint8Array): bigint {
  if (b.length !== SCALAR_BYTES) throw new PrivacyError('INVALID_KEY', `a scalar is ${SCALAR_BYTES} bytes, got ${b.length}`);
  let v = 0n;
  for (let i = SCALAR_BYTES - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (v >= SCALAR_ORDER) throw new PrivacyError('INVALID_KEY', 'scalar is not reduced modulo the group order');
  return v;
}

/** A uniformly random non-zero scalar (64 random bytes reduced modulo L: bias below 2^-250). */
export function randomScalar(random: RandomSource = defaultRandom): bigint {
  for (;;) {
    const b = random(64);
    if (b.length !== 64) throw new PrivacyError('MALFORMED', 'random source returned too few bytes');
    let v = 0n;
    for (let i = 63; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    const s = mod(v);
    if (s !== 0n) return s;
  }
}

export function decodePoint(b: Uint8Array): RPoint {
  if (b.length !== POINT_BYTES) throw new PrivacyError('INVALID_KEY', `a ristretto255 element is ${POINT_BYTES} bytes, got ${b.length}`);
  try {
    return Point.fromBytes(b) as unknown as GroupElement;
  } catch {
    throw new PrivacyError('INVALID_KEY', 'not a canonical ristretto255 encoding');
  }
}

/** secret·B, encoded: the public half of a scalar key. */
export function publicPointOf(secret: bigint): Uint8Array {
  if (secret <= 0n || secret >= SCALAR_ORDER) throw new PrivacyError('INVALID_KEY', 'scalar out of range');
  return Point.BASE.multiply(secret).toBytes();
}

export function checkThreshold(t: number, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARES) throw new PrivacyError('MALFORMED', `share count must be 1..${MAX_SHARES}, got ${n}`);
  if (!Number.isInteger(t) || t < 1 || t > n) throw new PrivacyError('MALFORMED', `threshold must be 1..${n}, got ${t}`);
}

/** Splits `secret` into n shares (indices 1..n), any t of which rebuild it. */
export function splitSecret(secret: bigint, t: number, n: number, random: RandomSource = defaultRandom): Dealing {
  checkThreshold(t, n);
  if (secret <= 0n || secret >= SCALAR_ORDER) throw new PrivacyError('INVALID_KEY', 'the secret must be a non-zero scalar');
  const coeffs = [secret];
  for (let k = 1; k < t; k++) coeffs.push(randomScalar(random));
  const shares: Share[] = [];
  for (let i = 1; i <= n; i++) {
    let y = 0n;
    for (let k = coeffs.length - 1; k >= 0; k--) y = mod(y * BigInt(i) + coeffs[k]!); // Horner
    shares.push({ index: i, value: scalarToBytes(y) });
  }
  return { shares, commitments: coeffs.map((a) => Point.BASE.multiply(a).toBytes()) };
}

/** Does `share` lie on the committed polynomial? False for a forged or altered share. */
export function verifyShare(share: Share, commitments: readonly Uint8Array[]): boolean {
  if (!Number.isInteger(share.index) || share.index < 1 || share.index > MAX_SHARES || commitments.length === 0) return false;
  let y: bigint;
  try {
    y = scalarFromBytes(share.value);
  } catch {
    return false;
  }
  let expected: RPoint = Point.ZERO as unknown as RPoint;
  let power = 1n;
  const x = BigInt(share.index);
  for (const c of commitments) {
    let C: RPoint;
    try {
      C = decodePoint(c);
    } catch {
      return false;
    }
    expected = expected.add(power === 1n ? C : C.multiply(power));
    power = mod(power * x);
  }
  const lhs = (y === 0n ? Point.ZERO : Point.BASE.multiply(y)) as unknown as RPoint;
  return lhs.equals(expected);
}

/**
 * Rebuilds the secret from shares by Lagrange interpolation at 0. With fewer than the dealer's
 * threshold of shares the result is simply another scalar, so callers check it against C_0
 * (`publicPointOf(secret)` equals commitments[0]) or let the AEAD refuse the derived key.
 */
export function combineShares(shares: readonly Share[], threshold: number): bigint {
  // Without this, a threshold of 0 (or a fraction) never stops the loop below, and no shares
  // at all "rebuilt" the secret 0.
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > MAX_SHARES) throw new PrivacyError('MALFORMED', `threshold must be 1..${MAX_SHARES}, got ${threshold}`);
  const seen = new Set<number>();
  const pts: { x: bigint; y: bigint }[] = [];
  for (const s of shares) {
    if (!Number.isInteger(s.index) || s.index < 1 || s.index > MAX_SHARES) throw new PrivacyError('MALFORMED', `share index ${s.index} out of range`);
    if (seen.has(s.index)) continue;
    seen.add(s.index);
    pts.push({ x: BigInt(s.index), y: scalarFromBytes(s.value) });
    if (pts.length === threshold) break;
  }
  if (pts.length < threshold) throw new PrivacyError('NOT_ENOUGH_SHARES', `${pts.length} distinct shares, ${threshold} needed`);
  let secret = 0n;
  for (const pi of pts) {
    let num = 1n;
    let den = 1n;
    for (const pj of pts) {
      if (pj === pi) continue;
      num = mod(num * pj.x);
      den = mod(den * (pj.x - pi.x));
    }
    secret = mod(secret + pi.y * num * Point.Fn.inv(den));
  }
  return secret;
}
