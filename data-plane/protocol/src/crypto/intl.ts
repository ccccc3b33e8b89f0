/**
 * The `intl` suite: SHA-256 (FIPS 180-4) and Ed25519 (RFC 8032, PureEdDSA).
 *
 * Keys: the private key is the 32-byte RFC 8032 secret seed; the public key is the 32-byte
 * encoded point A. Signatures are the 64-byte R ‖ S.
 *
 * Verification is strict RFC 8032 / FIPS 186-5 (noble's `zip215: false`): non-canonical
 * encodings of A or R and S ≥ L are rejected, so a signature has exactly one valid encoding
 * (no malleated duplicates of a transaction) and every node reaches the same verdict.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CryptoError, type CryptoSuite, type KeyPair } from './suite.js';

const SECRET_KEY_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

function defaultRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length;
}

function assertSecretKey(privateKey: Uint8Array): void {
  if (!isBytes(privateKey, SECRET_KEY_BYTES)) {
    throw new CryptoError('INVALID_KEY', `intl: private key must be ${SECRET_KEY_BYTES} bytes`);
  }
}

function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  assertSecretKey(privateKey);
  return ed25519.getPublicKey(privateKey);
}

export const intlSuite: CryptoSuite = Object.freeze({
  id: 'intl',
  hashBytes: 32,
  publicKeyBytes: PUBLIC_KEY_BYTES,
  signatureBytes: SIGNATURE_BYTES,

  hash(data: Uint8Array): Uint8Array {
    return sha256(data);
  },

  generateKeyPair(random: (n: number) => Uint8Array = defaultRandom): KeyPair {
    const seed = random(SECRET_KEY_BYTES);
    if (!isBytes(seed, SECRET_KEY_BYTES)) {
      throw new CryptoError('INVALID_KEY', `intl: random source must return ${SECRET_KEY_BYTES} bytes`);
    }
    const privateKey = Uint8Array.from(seed);
    return { privateKey, publicKey: publicKeyOf(privateKey) };
  },

  publicKeyOf,

  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    assertSecretKey(privateKey);
    return ed25519.sign(message, privateKey);
  },

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!isBytes(publicKey, PUBLIC_KEY_BYTES) || !isBytes(signature, SIGNATURE_BYTES) || !(message instanceof Uint8Array)) {
      return false;
    }
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
});
