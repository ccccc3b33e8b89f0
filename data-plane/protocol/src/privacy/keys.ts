/**
 * Keys derived from a shared secret scalar: a record's data key, and the ballot box (ECIES on
 * ristretto255) that votes are encrypted to. Both are deterministic given their inputs, so the
 * ledger can open ballot boxes in execution once the ballot key is rebuilt on chain.
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../codec/bytes.js';
import { concatBytes, toHex } from '../codec/hex.js';
import { AEAD_KEY_BYTES, AEAD_OVERHEAD, aeadOpen, aeadSeal, defaultRandom, type RandomSource } from './aead.js';
import { PrivacyError } from './errors.js';
import { decodePoint, POINT_BYTES, randomScalar, SCALAR_ORDER, scalarToBytes } from './threshold.js';

/** The 32-byte AEAD key of a record version whose shared secret is `secret`. */
export function dataKeyOf(secret: bigint): Uint8Array {
  return hkdf(sha256, scalarToBytes(secret), new Uint8Array(0), utf8('konsortium:data-key:v1'), AEAD_KEY_BYTES);
}

export const BALLOT_BOX_OVERHEAD = POINT_BYTES + AEAD_OVERHEAD;

function boxKey(shared: Uint8Array, ephemeral: Uint8Array, ballotKey: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concatBytes(ephemeral, ballotKey), utf8('konsortium:ballot-box:v1'), AEAD_KEY_BYTES);
}

/** Encrypts to a ballot public key X = x·B: R = r·B ‖ AEAD(HKDF(r·X), plaintext, aad). */
export function sealToBallot(ballotKey: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, random: RandomSource = defaultRandom): Uint8Array {
  const X = decodePoint(ballotKey);
  if (X.is0()) throw new PrivacyError('INVALID_KEY', 'the ballot key is the identity element');
  const r = randomScalar(random);
  const R = ristretto255.Point.BASE.multiply(r).toBytes();
  const key = boxKey(X.multiply(r).toBytes(), R, ballotKey);
  return concatBytes(R, aeadSeal(key, plaintext, aad, random));
}

/** Opens a ballot box with the ballot's private scalar x; DECRYPT_FAILED if anything differs. */
export function openBallotBox(ballotSecret: bigint, ballotKey: Uint8Array, box: Uint8Array, aad: Uint8Array): Uint8Array {
  if (ballotSecret <= 0n || ballotSecret >= SCALAR_ORDER) throw new PrivacyError('INVALID_KEY', 'ballot secret out of range');
  if (box.length < BALLOT_BOX_OVERHEAD) throw new PrivacyError('MALFORMED', `a ballot box is at least ${BALLOT_BOX_OVERHEAD} bytes`);
  const Rb = box.subarray(0, POINT_BYTES);
  const R = decodePoint(Rb);
  if (R.is0()) throw new PrivacyError('DECRYPT_FAILED', 'the ephemeral element is the identity');
  return aeadOpen(boxKey(R.multiply(ballotSecret).toBytes(), Rb, ballotKey), box.subarray(POINT_BYTES), aad);
}

/**
 * A member's pseudonym in one ballot: H(domain ‖ channel ‖ ballot ‖ member). The ledger derives
 * it from the transaction's authenticated sender, so it is one per voter and ballot, cannot be
 * claimed by anyone else, and is not a token that could be handed over.
 */
export function votePseudonym(channel: string, ballotId: string, memberId: string): string {
  return toHex(sha256(utf8(`konsortium:vote-pseudonym:v1\0${channel}\0${ballotId}\0${memberId}`)));
}

/** SHA-256 of a record's plaintext, hex: what a reader checks a decrypted record against. */
export function plaintextHash(plaintext: Uint8Array): string {
  return toHex(sha256(plaintext));
}

/** SHA-256 of stored ciphertext, hex: the content address of a blob kept by the nodes. */
export function contentHash(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}
