/**
 * The browser side of encrypted records, as pure functions over bytes: sealing a document for
 * the ledger (a fresh data key per version, the key sealed to the owner and split among the
 * nodes), opening a version with its rebuilt key, and checking what was decrypted against the
 * hash on chain. No key or plaintext leaves these functions except to their caller.
 */
import { ownerSecret, type SealedVersion, type SealNode, sealRecordVersion, type StoredVersion } from '@konsortium/client';
import { aeadOpen, dataKeyOf, plaintextHash, recordAad } from '@konsortium/protocol';
import { coded } from './errors.js';

/** A version as stored on chain (data/ver/<record>/<version>). */
export interface ChainVersion extends Omit<StoredVersion, 'meta'> {
  readonly author: string;
  readonly createdAt: number;
  readonly height: number;
  readonly txId: string;
  readonly meta: { readonly contentType?: string; readonly name?: string } | null;
}

export interface SealOptions {
  readonly channel: string;
  readonly record: string;
  readonly version: number;
  readonly plaintext: Uint8Array;
  readonly nodes: readonly SealNode[];
  readonly ownerSealKey: Uint8Array;
  readonly meta?: { readonly contentType?: string; readonly name?: string };
  readonly threshold?: number;
}

/** Encrypts a document version for the ledger: the contract's arguments and the ciphertext blob (large files). */
export function sealDocument(o: SealOptions): SealedVersion {
  const meta = o.meta === undefined ? undefined : Object.fromEntries(Object.entries(o.meta).filter(([, v]) => typeof v === 'string' && v !== '').map(([k, v]) => [k, (v as string).slice(0, 255)]));
  return sealRecordVersion({
    channel: o.channel,
    record: o.record,
    version: o.version,
    plaintext: o.plaintext,
    nodes: o.nodes,
    ownerSealKey: o.ownerSealKey,
    ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
    ...(meta === undefined || Object.keys(meta).length === 0 ? {} : { meta }),
  });
}

/** The SDK's view of a chain version (meta absent rather than null). */
export function sdkVersion(v: ChainVersion): StoredVersion {
  const { meta, ...rest } = v;
  return meta === null ? rest : { ...rest, meta };
}

export interface Opened {
  readonly plaintext: Uint8Array;
  /** SHA-256 of the plaintext (hex). */
  readonly hash: string;
  /** The hash recorded on chain. */
  readonly expected: string;
  readonly verified: boolean;
}

/**
 * Decrypts a version's ciphertext with its secret: DECRYPT_FAILED when the key is not the
 * version's or a byte of the ciphertext changed (authentication), and the plaintext's hash
 * compared with the on-chain hash (`verified`).
 */
export function openDocument(channel: string, record: string, v: Pick<ChainVersion, 'version' | 'plaintextHash'>, secret: bigint, ciphertext: Uint8Array): Opened {
  const plaintext = aeadOpen(dataKeyOf(secret), ciphertext, recordAad(channel, record, v.version));
  const hash = plaintextHash(plaintext);
  return { plaintext, hash, expected: v.plaintextHash, verified: hash === v.plaintextHash };
}

/** Does this plaintext hash to the recorded hash? */
export function checkPlaintext(plaintext: Uint8Array, expectedHash: string): boolean {
  return plaintextHash(plaintext) === expectedHash;
}

/** The owner's secret of a version, opened with the owner's X25519 key; OWNER_KEY_MISMATCH when it is not this key's. */
export function ownerOpen(channel: string, record: string, v: ChainVersion, sealPrivate: Uint8Array): bigint {
  try {
    return ownerSecret(channel, record, sdkVersion(v), sealPrivate);
  } catch (err) {
    throw coded('OWNER_KEY_MISMATCH', (err as Error).message);
  }
}

/** A short name of a version's data key (its public commitment C0): a new key shows as a new fingerprint. */
export function keyFingerprint(v: Pick<ChainVersion, 'commitments'>): string {
  const c = v.commitments[0] ?? '';
  return `${c.slice(0, 8)}…${c.slice(-8)}`;
}
