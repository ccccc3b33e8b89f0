/**
 * The data contract's state: encrypted records, their versions, access grants and the log of key
 * releases. Only ciphertext (or its hash), sealed key material, Feldman commitments and the
 * plaintext hash are on chain; the plaintext and the data key never are.
 */
import type { DataGrantee, DataGrantScope } from '@konsortium/protocol';

/** A record: a sequence of versions owned by one member, optionally in one of its collections. */
export interface DataRecord {
  readonly id: string;
  /** The member that created the record; only it adds versions and grants access to it. */
  readonly owner: string;
  /** One of the owner's collections (collection grants cover it), or null. */
  readonly collection: string | null;
  /** The latest version number (versions are 1..versions). */
  readonly versions: number;
  readonly createdAt: number;
  readonly createdHeight: number;
}

/** The ciphertext, nonce ‖ ct ‖ tag: on chain (base64), or kept by the nodes as a blob (its hash). */
export type VersionBody = { readonly inline: string } | { readonly blob: { readonly hash: string; readonly size: number } };

/** A node's share of a version's secret scalar, sealed to the node's seal key. */
export interface VersionShare {
  readonly nodeId: number;
  /** 1..n: where the sharing polynomial was evaluated. */
  readonly index: number;
  /** Hex of the sealed box of the 32-byte share (context `shareContext`). */
  readonly sealed: string;
}

export interface VersionMeta {
  readonly contentType?: string;
  readonly name?: string;
}

/** One version of a record, encrypted under its own data key dataKeyOf(s). */
export interface DataVersion {
  readonly version: number;
  readonly author: string;
  readonly createdAt: number;
  readonly height: number;
  readonly txId: string;
  /** SHA-256 of the plaintext (hex): what a reader checks the decrypted record against. */
  readonly plaintextHash: string;
  /** Plaintext bytes. */
  readonly size: number;
  readonly body: VersionBody;
  /** Hex of the sealed box of the 32-byte scalar s to the owner's X25519 key (context `ownerKeyContext`). */
  readonly ownerKey: string;
  /** Shares needed to rebuild s. */
  readonly threshold: number;
  /** Feldman commitments C_0..C_{t-1} (hex ristretto255); C_0 = s·B. */
  readonly commitments: readonly string[];
  /** One per channel node with a seal key when the version was written, sorted by node id. */
  readonly shares: readonly VersionShare[];
  readonly meta: VersionMeta | null;
}

/** What a grant covers, and whom it is for: the shapes the state layout keys grants by (protocol). */
export type GrantScope = DataGrantScope;
export type Grantee = DataGrantee;

export interface Grant {
  readonly scope: GrantScope;
  readonly grantee: Grantee;
  readonly grantedBy: string;
  readonly grantedAt: number;
  /** Block time (ms) from which the grant no longer applies; null: until revoked. */
  readonly expiresAt: number | null;
}

/** One key release by a node, as the node reported it. */
export interface Release {
  readonly seq: number;
  readonly version: number;
  /** The node that released its share. */
  readonly node: number;
  /** The member the share was released to. */
  readonly requester: string;
  readonly requestId: string;
  /** Whether the requester was allowed to read at the block that logged the release. */
  readonly authorised: boolean;
  readonly height: number;
  readonly timestamp: number;
  readonly txId: string;
}

/** Who asks to read: a member id and its governance roles. */
export interface Reader {
  readonly memberId: string;
  readonly roles: readonly string[];
}
