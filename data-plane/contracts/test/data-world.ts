/**
 * A channel with governance + data on in-memory ledgers, for the data tests: members with signing
 * keys and (client-side) X25519 keys, nodes 1..3 with seal keys and node 4 without, and a client
 * that really encrypts: a fresh secret scalar per version, AEAD of the plaintext under
 * dataKeyOf(s), s sealed for the owner and split t-of-n into shares sealed to the nodes.
 */
import { Buffer } from 'node:buffer';
import {
  aeadOpen,
  aeadSeal,
  bytesEqual,
  combineShares,
  dataKeyOf,
  fromHex,
  intlSuite,
  type KeyPair,
  openSealed,
  plaintextHash,
  publicPointOf,
  randomScalar,
  scalarFromBytes,
  scalarToBytes,
  sealTo,
  splitSecret,
  toHex,
  type Transaction,
  verifyShare,
  x25519KeyPair,
  type X25519KeyPair,
} from '@konsortium/protocol';
import type { StateReader } from '@konsortium/ledger';
import type { Static } from '@sinclair/typebox';
import { type Genesis, parseGenesis } from '../src/index.js';
import { ChannelWorld, type Op, type Outcome } from './channel-world.js';
import { dataContract, type DataVersion, dataKeys, ownerKeyContext, recordAad, shareContext, type VersionArgs } from '../src/data/index.js';

const seeded = (b: number): KeyPair => intlSuite.generateKeyPair((n) => new Uint8Array(n).fill(b));
const sealSeeded = (b: number): X25519KeyPair => x25519KeyPair((n) => new Uint8Array(n).fill(b));

export const CHANNEL = 'consortium';
/** Block time of genesis: 2024-01-10T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 10);
export const DAY = 86_400_000;

export const MEMBERS = {
  op: { roles: ['admin', 'operator'] as const, key: 1 },
  alice: { roles: ['investor'] as const, key: 2 },
  bob: { roles: ['investor'] as const, key: 3 },
  carol: { roles: ['auditor'] as const, key: 4 },
  dave: { roles: ['member'] as const, key: 5 },
} as const;
export type Who = keyof typeof MEMBERS;

const keys = Object.fromEntries(Object.entries(MEMBERS).map(([id, m]) => [id, seeded(m.key)])) as Record<Who, KeyPair>;
/** Each member's own X25519 key (a client-side key; governance does not hold it). */
export const memberSeal = Object.fromEntries(Object.entries(MEMBERS).map(([id, m]) => [id, sealSeeded(50 + m.key)])) as Record<Who, X25519KeyPair>;
/** Nodes 1..4 sign blocks and their own transactions; 1..3 hold key shares (seal keys), 4 does not. */
export const nodeKeys: Record<number, KeyPair> = { 1: seeded(101), 2: seeded(102), 3: seeded(103), 4: seeded(104), 5: seeded(105) };
export const nodeSeal: Record<number, X25519KeyPair> = { 1: sealSeeded(201), 2: sealSeeded(202), 3: sealSeeded(203), 5: sealSeeded(205) };
export const SEAL_NODES = [1, 2, 3];

export function genesisDoc(o: { sealKeys?: boolean } = {}): Genesis {
  return {
    channel: CHANNEL,
    suite: 'intl',
    timestamp: T0,
    members: Object.entries(MEMBERS).map(([id, m]) => ({ id, name: id, roles: [...m.roles], keys: [toHex(keys[id as Who].publicKey)] })),
    nodes: [1, 2, 3, 4].map((nodeId) => ({
      nodeId,
      publicKey: toHex(nodeKeys[nodeId]!.publicKey),
      owner: 'op',
      ...(o.sealKeys !== false && nodeSeal[nodeId] !== undefined ? { sealKey: toHex(nodeSeal[nodeId].publicKey) } : {}),
    })),
  };
}

export type { Op, Outcome };
/** A member, or a node by its id (signing with its block key). */
export type Signer = Who | number;

export class DataWorld extends ChannelWorld {
  constructor(o: { ledgers?: number; sealKeys?: boolean } = {}) {
    super(parseGenesis(genesisDoc(o)), () => [dataContract()], (nodeId) => nodeKeys[nodeId]!.privateKey, o.ledgers ?? 1, 'data');
  }

  sign(who: Signer, ops: readonly Op[]): Transaction {
    return this.signWith(typeof who === 'number' ? nodeKeys[who]! : keys[who], ops);
  }

  runMsg(who: Signer, method: string, args: unknown, contract = 'data'): Outcome {
    return this.block([this.sign(who, [{ contract, method, args }])])[0]!;
  }

  run(who: Signer, method: string, args: unknown, contract = 'data'): string {
    return this.runMsg(who, method, args, contract).code;
  }

  runOps(who: Signer, ops: readonly Op[]): string {
    return this.block([this.sign(who, ops)])[0]!.code;
  }

  /** The committed state, as contracts and nodes read it. */
  get state(): StateReader {
    return { get: (k) => this.store.get(k), getJson: <T>(k: string) => this.json<T>(k) };
  }

  /** The head block's timestamp: what a node takes as "now". */
  get headTime(): number {
    return this.store.head!.timestamp;
  }

  version(record: string, version: number): DataVersion {
    return this.json<DataVersion>(dataKeys.version(record, version))!;
  }

  /** Every state entry (key → hex value), sorted: to show that nothing changed. */
  snapshot(): { root: string; entries: [string, string][] } {
    return {
      root: toHex(this.store.head!.stateRoot),
      entries: [...this.store.state.entries()].map(([k, v]): [string, string] => [k, toHex(v)]).sort(([a], [b]) => (a < b ? -1 : 1)),
    };
  }
}

export type VersionArgsT = Static<typeof VersionArgs>;

export interface Encrypted {
  readonly args: VersionArgsT;
  readonly secret: bigint;
  readonly plaintext: Uint8Array;
}

/**
 * What a client sends for version `version` of `record` owned by `owner`: the plaintext under a
 * fresh data key (or `secret`), s sealed to the owner, t-of-n shares sealed to `nodes`.
 */
export function encryptVersion(o: {
  record: string;
  version: number;
  owner: Who;
  plaintext: Uint8Array | string;
  threshold?: number;
  nodes?: readonly number[];
  secret?: bigint;
  blob?: boolean;
  meta?: { contentType?: string; name?: string };
}): Encrypted {
  const plaintext = typeof o.plaintext === 'string' ? new TextEncoder().encode(o.plaintext) : o.plaintext;
  const nodes = o.nodes ?? SEAL_NODES;
  const threshold = o.threshold ?? 2;
  const secret = o.secret ?? randomScalar();
  const ct = aeadSeal(dataKeyOf(secret), plaintext, recordAad(CHANNEL, o.record, o.version));
  const dealing = splitSecret(secret, threshold, nodes.length);
  const shares = nodes.map((nodeId, i) => ({
    nodeId,
    index: dealing.shares[i]!.index,
    sealed: toHex(sealTo(nodeSeal[nodeId]!.publicKey, dealing.shares[i]!.value, shareContext(CHANNEL, o.record, o.version, nodeId))),
  }));
  const args: VersionArgsT = {
    plaintextHash: plaintextHash(plaintext),
    size: plaintext.length,
    body: o.blob === true ? { blob: { hash: toHex(intlSuite.hash(ct)), size: ct.length } } : { inline: Buffer.from(ct).toString('base64') },
    ownerKey: toHex(sealTo(memberSeal[o.owner].publicKey, scalarToBytes(secret), ownerKeyContext(CHANNEL, o.record, o.version))),
    threshold,
    commitments: dealing.commitments.map(toHex),
    shares,
    ...(o.meta === undefined ? {} : { meta: o.meta }),
  };
  return { args, secret, plaintext };
}

/** Opens node `nodeId`'s share of a version with the node's private seal key, and checks it against the commitments. */
export function openShare(w: DataWorld, record: string, version: number, nodeId: number): { index: number; value: Uint8Array } {
  const v = w.version(record, version);
  const s = v.shares.find((x) => x.nodeId === nodeId)!;
  const value = openSealed(nodeSeal[nodeId]!.privateKey, fromHex(s.sealed), shareContext(CHANNEL, record, version, nodeId));
  const share = { index: s.index, value };
  if (!verifyShare(share, v.commitments.map((c) => fromHex(c)))) throw new Error(`share of node ${nodeId} does not match the commitments`);
  return share;
}

/** What a reader does with released shares: combine, check against C_0, derive the key. */
export function keyFromShares(w: DataWorld, record: string, version: number, nodes: readonly number[]): Uint8Array {
  const v = w.version(record, version);
  const secret = combineShares(
    nodes.map((n) => openShare(w, record, version, n)),
    v.threshold,
  );
  if (!bytesEqual(publicPointOf(secret), fromHex(v.commitments[0]!))) throw new Error('the rebuilt secret does not match C_0');
  return dataKeyOf(secret);
}

/** The owner's way in: open ownerKey with its own X25519 key. */
export function keyOfOwner(w: DataWorld, owner: Who, record: string, version: number): Uint8Array {
  const v = w.version(record, version);
  return dataKeyOf(scalarFromBytes(openSealed(memberSeal[owner].privateKey, fromHex(v.ownerKey), ownerKeyContext(CHANNEL, record, version))));
}

/** Decrypts an inline version with `key` and checks the plaintext hash. */
export function decrypt(w: DataWorld, record: string, version: number, key: Uint8Array): string {
  const v = w.version(record, version);
  if (!('inline' in v.body)) throw new Error('not inline');
  const pt = aeadOpen(key, new Uint8Array(Buffer.from(v.body.inline, 'base64')), recordAad(CHANNEL, record, version));
  if (plaintextHash(pt) !== v.plaintextHash) throw new Error('plaintext hash mismatch');
  return new TextDecoder().decode(pt);
}
