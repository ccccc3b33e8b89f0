/**
 * Sealing a small secret to an X25519 public key (one-shot ECIES, the shape of HPKE base mode):
 * an ephemeral X25519 key, HKDF-SHA256 over the shared secret (salt = ephemeral ‖ recipient,
 * info = domain ‖ context), XChaCha20-Poly1305 with the context as associated data. The context
 * names what the secret is for (e.g. a record version and a node), so a sealed share cannot be
 * replayed as another one. Wire form: u8 version (1) ‖ ephemeral public (32) ‖ AEAD box.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../codec/bytes.js';
import { concatBytes } from '../codec/hex.js';
import { AEAD_KEY_BYTES, AEAD_OVERHEAD, aeadOpen, aeadSeal, defaultRandom, type RandomSource } from './aead.js';
import { PrivacyError } from './errors.js';

const VERSION = 1;
const DOMAIN = 'konsortium:seal:v1\0';
export const X25519_KEY_BYTES = 32;
export const SEALED_OVERHEAD = 1 + X25519_KEY_BYTES + AEAD_OVERHEAD;

export interface X25519KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * The X25519 function. The portable default is noble's; a server may pass a faster one (OpenSSL
 * through node:crypto) — the bytes on the wire are the same.
 */
export interface X25519Backend {
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** Throws on a low-order peer key (an all-zero shared secret). */
  sharedSecret(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array;
  /** A fresh key pair from the backend's own CSPRNG (used when no random source is given). */
  generateKeyPair?(): X25519KeyPair;
}

export const nobleX25519: X25519Backend = {
  publicKey: (priv) => x25519.getPublicKey(priv),
  sharedSecret: (priv, pub) => x25519.getSharedSecret(priv, pub),
};

export function x25519KeyPair(random?: RandomSource, backend: X25519Backend = nobleX25519): X25519KeyPair {
  if (random === undefined && backend.generateKeyPair !== undefined) return backend.generateKeyPair();
  const privateKey = (random ?? defaultRandom)(X25519_KEY_BYTES);
  return { privateKey, publicKey: x25519PublicKey(privateKey, backend) };
}

export function x25519PublicKey(privateKey: Uint8Array, backend: X25519Backend = nobleX25519): Uint8Array {
  if (privateKey.length !== X25519_KEY_BYTES) throw new PrivacyError('INVALID_KEY', `an X25519 private key is 32 bytes, got ${privateKey.length}`);
  return backend.publicKey(privateKey);
}

function sharedKey(backend: X25519Backend, priv: Uint8Array, pub: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, context: string): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = backend.sharedSecret(priv, pub);
  } catch {
    // A low-order point (all-zero shared secret) is a key nobody holds a secret for.
    throw new PrivacyError('INVALID_KEY', 'not a usable X25519 public key');
  }
  // The backend contract says it throws on a low-order key; a plugged-in X25519 that returns the
  // all-zero value instead (as several libraries do) would otherwise derive the box key from public bytes alone.
  let any = 0;
  for (const b of shared) any |= b; // no early exit: the shared secret is secret
  if (shared.length !== X25519_KEY_BYTES || any === 0) throw new PrivacyError('INVALID_KEY', 'not a usable X25519 public key');
  return hkdf(sha256, shared, concatBytes(ephemeral, recipient), utf8(DOMAIN + context), AEAD_KEY_BYTES);
}

export interface SealOptions {
  readonly random?: RandomSource;
  readonly backend?: X25519Backend;
}

export function sealTo(recipient: Uint8Array, plaintext: Uint8Array, context: string, options: SealOptions = {}): Uint8Array {
  if (recipient.length !== X25519_KEY_BYTES) throw new PrivacyError('INVALID_KEY', `an X25519 public key is 32 bytes, got ${recipient.length}`);
  const random = options.random ?? defaultRandom;
  const backend = options.backend ?? nobleX25519;
  const eph = x25519KeyPair(options.random, backend);
  const key = sharedKey(backend, eph.privateKey, recipient, eph.publicKey, recipient, context);
  return concatBytes(Uint8Array.of(VERSION), eph.publicKey, aeadSeal(key, plaintext, utf8(context), random));
}

/**
 * Opens a sealed box; DECRYPT_FAILED for another recipient, another context or altered bytes.
 * `recipient` is the key pair's public half (computed from the private key if omitted).
 */
export function openSealed(privateKey: Uint8Array, sealed: Uint8Array, context: string, options: { readonly recipient?: Uint8Array; readonly backend?: X25519Backend } = {}): Uint8Array {
  if (privateKey.length !== X25519_KEY_BYTES) throw new PrivacyError('INVALID_KEY', `an X25519 private key is 32 bytes, got ${privateKey.length}`);
  if (sealed.length < SEALED_OVERHEAD || sealed[0] !== VERSION) throw new PrivacyError('MALFORMED', 'not a sealed box of version 1');
  const backend = options.backend ?? nobleX25519;
  const eph = sealed.subarray(1, 1 + X25519_KEY_BYTES);
  const key = sharedKey(backend, privateKey, eph, eph, options.recipient ?? x25519PublicKey(privateKey, backend), context);
  return aeadOpen(key, sealed.subarray(1 + X25519_KEY_BYTES), utf8(context));
}
