/**
 * Authenticated encryption for records and key material: XChaCha20-Poly1305 (@noble/ciphers).
 * The 24-byte nonce is random, so one key may encrypt many messages without a counter.
 * Wire form: nonce (24) ‖ ciphertext ‖ tag (16).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes } from '../codec/hex.js';
import { PrivacyError } from './errors.js';

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;
/** Bytes an AEAD box adds to its plaintext. */
export const AEAD_OVERHEAD = AEAD_NONCE_BYTES + AEAD_TAG_BYTES;

export type RandomSource = (n: number) => Uint8Array;
export const defaultRandom: RandomSource = (n) => randomBytes(n);

export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, random: RandomSource = defaultRandom): Uint8Array {
  if (key.length !== AEAD_KEY_BYTES) throw new PrivacyError('INVALID_KEY', `an AEAD key is ${AEAD_KEY_BYTES} bytes, got ${key.length}`);
  const nonce = random(AEAD_NONCE_BYTES);
  if (nonce.length !== AEAD_NONCE_BYTES) throw new PrivacyError('MALFORMED', 'random source returned a short nonce');
  return concatBytes(nonce, xchacha20poly1305(key, nonce, aad).encrypt(plaintext));
}

/** Opens a box from aeadSeal; DECRYPT_FAILED if the key, the aad or any byte differs. */
export function aeadOpen(key: Uint8Array, box: Uint8Array, aad: Uint8Array): Uint8Array {
  if (key.length !== AEAD_KEY_BYTES) throw new PrivacyError('INVALID_KEY', `an AEAD key is ${AEAD_KEY_BYTES} bytes, got ${key.length}`);
  if (box.length < AEAD_OVERHEAD) throw new PrivacyError('MALFORMED', `an AEAD box is at least ${AEAD_OVERHEAD} bytes, got ${box.length}`);
  try {
    return xchacha20poly1305(key, box.subarray(0, AEAD_NONCE_BYTES), aad).decrypt(box.subarray(AEAD_NONCE_BYTES));
  } catch {
    throw new PrivacyError('DECRYPT_FAILED', 'authentication failed: wrong key or context, or the ciphertext was altered');
  }
}
