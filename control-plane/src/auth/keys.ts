/**
 * Ed25519 signing keys and the key ring that rotates them. Every key has a `kid` (by default
 * its RFC 7638 thumbprint), and the ring publishes the public half of every key it holds as a
 * JWKS: nodes and other verifiers fetch it and pick the key by the token's `kid`.
 *
 * Rotation without a flag day: `add` publishes a key without signing with it (verifiers that
 * cache the JWKS pick it up), `activate` makes it sign, and the old key stays published until
 * `retire`, so tokens it signed keep verifying until they would have expired anyway.
 * `rotate` does all of add + activate at once, for verifiers that refetch on an unknown kid
 * (jose's remote JWKS does).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from 'jose';
import { type Clock, systemClock } from './clock.js';
import { AuthError } from './errors.js';

/** The one JWS algorithm we sign and accept. */
export const SIGNING_ALG = 'EdDSA';

/** The public JWK of a signing key: exactly these members, never a private one. */
export interface PublicSigningJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
  readonly kid: string;
  readonly alg: typeof SIGNING_ALG;
  readonly use: 'sig';
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: PublicSigningJwk;
  readonly createdAtMs: number;
}

export interface GenerateSigningKeyOptions {
  /** Default: the key's RFC 7638 thumbprint. */
  readonly kid?: string;
  readonly now?: Clock;
}

export async function generateSigningKey(o: GenerateSigningKeyOptions = {}): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  return signingKeyFrom(privateKey, o.kid, (o.now ?? systemClock)());
}

/**
 * A signing key from a stored private JWK (`exportPrivateJwk`'s output). Persistence of keys
 * (encrypted at rest) belongs to the database layer; this is its way back in.
 */
export async function importSigningKey(privateJwk: JWK, o: { kid?: string; createdAtMs?: number } = {}): Promise<SigningKey> {
  if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || typeof privateJwk.d !== 'string' || typeof privateJwk.x !== 'string') {
    throw new AuthError('INVALID_ARGUMENT', 'a signing key must be a private Ed25519 JWK (kty OKP, crv Ed25519, d, x)');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: privateJwk.d, x: privateJwk.x }, format: 'jwk' });
  } catch (err) {
    throw new AuthError('INVALID_ARGUMENT', 'the private JWK does not import', { cause: err });
  }
  const key = await signingKeyFrom(privateKey, o.kid ?? privateJwk.kid, o.createdAtMs ?? 0);
  if (key.publicJwk.x !== privateJwk.x) throw new AuthError('INVALID_ARGUMENT', 'the private JWK\'s x is not its public key');
  return key;
}

/** The private JWK of a key, for the database layer to encrypt and store. Handle with care. */
export function exportPrivateJwk(key: SigningKey): JWK {
  const jwk = key.privateKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', d: jwk.d, x: jwk.x, kid: key.kid, alg: SIGNING_ALG, use: 'sig' };
}

async function signingKeyFrom(privateKey: KeyObject, kid: string | undefined, createdAtMs: number): Promise<SigningKey> {
  const publicKey = createPublicKey(privateKey);
  const x = publicKey.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new AuthError('INVALID_ARGUMENT', 'not an Ed25519 key');
  const id = kid ?? (await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }));
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(id)) throw new AuthError('INVALID_ARGUMENT', 'a kid is 1 to 128 characters of [A-Za-z0-9._-]');
  // Built member by member: a spread of an exported JWK is how a `d` leaks into a JWKS.
  const publicJwk: PublicSigningJwk = { kty: 'OKP', crv: 'Ed25519', x, kid: id, alg: SIGNING_ALG, use: 'sig' };
  return { kid: id, privateKey, publicKey, publicJwk, createdAtMs };
}

/** The keys that verify, one of which (the active one) signs. Never empty. */
export class KeyRing {
  private readonly keys = new Map<string, SigningKey>();
  private activeKid: string;

  constructor(active: SigningKey, others: readonly SigningKey[] = []) {
    this.activeKid = active.kid;
    for (const k of [active, ...others]) this.add(k);
  }

  /** A ring with one freshly generated key. */
  static async generate(o: { now?: Clock } = {}): Promise<KeyRing> {
    return new KeyRing(await generateSigningKey(o));
  }

  /** The key that signs new tokens. */
  get active(): SigningKey {
    const key = this.keys.get(this.activeKid);
    if (key === undefined) throw new Error('key ring invariant: the active key is in the ring');
    return key;
  }

  /** The key with this kid, if the ring still holds it. */
  find(kid: string): SigningKey | undefined {
    return this.keys.get(kid);
  }

  kids(): string[] {
    return [...this.keys.keys()];
  }

  /** Publishes a key (it verifies, and appears in the JWKS) without making it sign. */
  add(key: SigningKey): void {
    const existing = this.keys.get(key.kid);
    if (existing !== undefined && existing.publicJwk.x !== key.publicJwk.x) {
      throw new AuthError('INVALID_ARGUMENT', `a different key with kid ${key.kid} is already in the ring`);
    }
    this.keys.set(key.kid, key);
  }

  /** Makes a key already in the ring the one that signs. */
  activate(kid: string): void {
    if (!this.keys.has(kid)) throw new AuthError('INVALID_ARGUMENT', `no key ${kid} in the ring`);
    this.activeKid = kid;
  }

  /** Generates a key, publishes it and makes it sign; the previous keys keep verifying. */
  async rotate(o: GenerateSigningKeyOptions = {}): Promise<SigningKey> {
    const key = await generateSigningKey(o);
    this.add(key);
    this.activate(key.kid);
    return key;
  }

  /** Removes a key: tokens it signed stop verifying. The active key cannot be retired. */
  retire(kid: string): void {
    if (kid === this.activeKid) throw new AuthError('INVALID_ARGUMENT', `key ${kid} is the active key; activate another first`);
    if (!this.keys.delete(kid)) throw new AuthError('INVALID_ARGUMENT', `no key ${kid} in the ring`);
  }

  /** The public JWKS: one public JWK per key, the active one first. */
  jwks(): JSONWebKeySet {
    const ordered = [this.active, ...[...this.keys.values()].filter((k) => k.kid !== this.activeKid)];
    return { keys: ordered.map((k) => ({ ...k.publicJwk })) };
  }
}
