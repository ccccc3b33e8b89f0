/**
 * Encrypted records on the client: everything secret happens here, never on a node.
 *
 * Writing: a fresh secret scalar s per version; the data key is dataKeyOf(s); the plaintext is
 * encrypted with XChaCha20-Poly1305 (associated data: channel/record/version); s is sealed to
 * the owner's X25519 key and split t-of-n into shares sealed to the channel's nodes, with
 * public Feldman commitments. What goes on chain is `sealRecordVersion(...).args` (the data
 * contract's `version` argument); ciphertext above `inlineLimit` goes to the nodes' blob stores
 * and only its hash goes on chain.
 *
 * Reading: the owner opens its sealed secret directly. Anyone else signs one key-release request
 * and sends it to the nodes; each node checks the grant on chain, logs the release and returns
 * its share sealed to a one-time key; t verified shares rebuild s, checked against the
 * commitment C_0 = s·B, and the plaintext is checked against its on-chain hash.
 */
import {
  type X25519Backend,
  aeadOpen,
  aeadSeal,
  bytesEqual,
  checkThreshold,
  combineShares,
  contentHash,
  dataKeyOf,
  dataKeys,
  fromHex,
  keyReleaseMessage,
  openSealed,
  ownerKeyContext,
  plaintextHash,
  publicPointOf,
  randomScalar,
  recordAad,
  releaseContext,
  scalarFromBytes,
  scalarToBytes,
  sealTo,
  shareContext,
  type Share,
  splitSecret,
  toHex,
  verifyShare,
  x25519KeyPair,
} from '@konsortium/protocol';
import { base64 } from '@scure/base';
import { abortReason } from './abort.js';
import type { KonsortiumClient } from './client.js';
import { KonsortiumError } from './errors.js';
import type { Signer } from './signer.js';
import type { TrustedHeader } from './verify.js';

/** A channel node able to hold shares: its id and X25519 seal key (hex), as in gov/nodes. */
export interface SealNode {
  readonly nodeId: number;
  readonly sealKey: string;
}

export type VersionBody = { readonly inline: string } | { readonly blob: { readonly hash: string; readonly size: number } };

/** The data contract's `version` argument (putRecord / addVersion). */
export interface VersionArgs {
  readonly plaintextHash: string;
  readonly size: number;
  readonly body: VersionBody;
  readonly ownerKey: string;
  readonly threshold: number;
  readonly commitments: readonly string[];
  readonly shares: readonly { readonly nodeId: number; readonly index: number; readonly sealed: string }[];
  readonly meta?: { readonly contentType?: string; readonly name?: string };
}

/** A stored version as the node's state API returns it (data/ver/<record>/<version>). */
export interface StoredVersion extends VersionArgs {
  readonly version: number;
}

export interface SealedVersion {
  readonly args: VersionArgs;
  /** The ciphertext to upload to every node's blob store first, when it is not inline. */
  readonly blob: { readonly hash: string; readonly bytes: Uint8Array } | null;
}

export const DEFAULT_INLINE_LIMIT = 48 * 1024;

export interface SealRecordOptions {
  readonly channel: string;
  readonly record: string;
  readonly version: number;
  readonly plaintext: Uint8Array;
  readonly nodes: readonly SealNode[];
  /** The owner's X25519 public key: the owner can always open the version with its private half. */
  readonly ownerSealKey: Uint8Array;
  /** Shares needed to rebuild the key; default a majority of the nodes. */
  readonly threshold?: number;
  readonly meta?: VersionArgs['meta'];
  /** Ciphertext up to this many bytes goes on chain (base64); larger goes to blob stores. At most DEFAULT_INLINE_LIMIT (the contract's bound). */
  readonly inlineLimit?: number;
  /** X25519 implementation for sealing the shares; default the portable one. */
  readonly x25519?: X25519Backend;
}

export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

export function sealRecordVersion(o: SealRecordOptions): SealedVersion {
  const nodes = [...o.nodes].sort((a, b) => a.nodeId - b.nodeId);
  const t = o.threshold ?? majority(nodes.length);
  checkThreshold(t, nodes.length);
  const secret = randomScalar();
  const { shares, commitments } = splitSecret(secret, t, nodes.length);
  const ciphertext = aeadSeal(dataKeyOf(secret), o.plaintext, recordAad(o.channel, o.record, o.version));
  const limit = o.inlineLimit ?? DEFAULT_INLINE_LIMIT;
  if (!(limit >= 0 && limit <= DEFAULT_INLINE_LIMIT)) throw new RangeError(`inlineLimit must be in 0..${DEFAULT_INLINE_LIMIT} (the data contract takes at most 64 KiB of base64)`);
  const inline = ciphertext.length <= limit;
  const hash = inline ? '' : contentHash(ciphertext);
  const args: VersionArgs = {
    plaintextHash: plaintextHash(o.plaintext),
    size: o.plaintext.length,
    body: inline ? { inline: toBase64(ciphertext) } : { blob: { hash, size: ciphertext.length } },
    ownerKey: toHex(sealTo(o.ownerSealKey, scalarToBytes(secret), ownerKeyContext(o.channel, o.record, o.version), { backend: o.x25519 })),
    threshold: t,
    commitments: commitments.map(toHex),
    shares: nodes.map((n, i) => ({
      nodeId: n.nodeId,
      index: shares[i]!.index,
      sealed: toHex(sealTo(fromHex(n.sealKey), shares[i]!.value, shareContext(o.channel, o.record, o.version, n.nodeId), { backend: o.x25519 })),
    })),
    ...(o.meta === undefined ? {} : { meta: o.meta }),
  };
  return { args, blob: inline ? null : { hash, bytes: ciphertext } };
}

/** The owner's way in: opens the sealed secret with the owner's X25519 private key. */
export function ownerSecret(channel: string, record: string, v: StoredVersion, ownerSealPrivate: Uint8Array): bigint {
  const secret = scalarFromBytes(openSealed(ownerSealPrivate, fromHex(v.ownerKey), ownerKeyContext(channel, record, v.version)));
  if (!matchesC0(secret, v)) throw new KonsortiumError(`${record} v${v.version}: the owner key does not match the version's commitment`);
  return secret;
}

/** Decrypts a version's ciphertext with its rebuilt secret and checks the plaintext against the on-chain hash. */
export function decryptVersion(channel: string, record: string, v: StoredVersion, secret: bigint, ciphertext: Uint8Array): Uint8Array {
  const plaintext = aeadOpen(dataKeyOf(secret), ciphertext, recordAad(channel, record, v.version));
  if (plaintextHash(plaintext) !== v.plaintextHash) throw new KonsortiumError(`${record} v${v.version}: the plaintext does not match its on-chain hash`);
  return plaintext;
}

/** Why one node did not contribute a usable share. */
export interface ReleaseFailure {
  readonly node: string;
  readonly code: string;
  readonly message: string;
}

export class KeyReleaseError extends KonsortiumError {
  constructor(
    message: string,
    readonly failures: readonly ReleaseFailure[],
  ) {
    super(message);
    this.name = 'KeyReleaseError';
  }
}

export interface RequestKeyOptions {
  readonly channel: string;
  readonly record: string;
  readonly version: StoredVersion;
  /** One client per node to ask (any t that answer are enough). */
  readonly nodes: readonly KonsortiumClient[];
  /** The reader: a member key of the channel. */
  readonly signer: Signer;
  readonly signal?: AbortSignal;
  /** Request time; default Date.now(). */
  readonly now?: number;
  /** X25519 implementation; default the portable one (noble). A Node client may pass an OpenSSL-backed one. */
  readonly x25519?: X25519Backend;
}

/**
 * Asks t of the nodes for their shares (one signed request; a node that refuses or fails is
 * replaced by the next one), rebuilds the secret and checks it against C_0; if it does not
 * match, the bad shares are found by the commitments and replaced from other nodes.
 * KeyReleaseError (with every node's reason) if fewer than t nodes release valid shares.
 */
export async function requestKey(o: RequestKeyOptions): Promise<bigint> {
  return collectKey(o, (secret) => (matchesC0(secret, o.version) ? secret : undefined));
}

/**
 * requestKey, then the version's ciphertext decrypted with the rebuilt key. Here the key is
 * accepted when it opens the ciphertext and the plaintext matches its on-chain hash: as strong
 * a check for the reader as C_0 (a wrong key fails the AEAD tag), and cheaper — one AEAD open
 * instead of a fixed-base multiplication (≈0.75 ms in pure JS). C_0 and the commitments are
 * consulted only when it fails, to tell bad shares from a ciphertext that does not belong.
 */
export async function releaseAndDecrypt(o: RequestKeyOptions & { readonly ciphertext: Uint8Array }): Promise<Uint8Array> {
  const v = o.version;
  return collectKey(o, (secret) => {
    try {
      return decryptVersion(o.channel, o.record, v, secret, o.ciphertext);
    } catch (err) {
      if (!matchesC0(secret, v)) return undefined; // bad shares: find them
      throw new KonsortiumError(`${o.record} v${v.version}: the released key is right (it matches C_0) but the ciphertext does not decrypt to the on-chain plaintext hash (${(err as Error).message})`);
    }
  });
}

/** Whether `secret` is the version's dealt secret: secret·B equals the commitment C_0. */
function matchesC0(secret: bigint, v: StoredVersion): boolean {
  return bytesEqual(publicPointOf(secret), fromHex(v.commitments[0]!));
}

/** Collects t valid shares and returns what `accept` makes of the rebuilt secret (undefined: a share is bad). */
async function collectKey<T>(o: RequestKeyOptions, accept: (secret: bigint) => T | undefined): Promise<T> {
  const v = o.version;
  const backend = o.x25519;
  const oneTime = x25519KeyPair(undefined, backend);
  const requestId = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const fields = {
    channel: o.channel,
    record: o.record,
    version: v.version,
    requester: o.signer.publicKeyHex,
    oneTimeKey: toHex(oneTime.publicKey),
    requestId,
    issuedAt: o.now ?? Date.now(),
  };
  const body = { ...fields, signature: toHex(o.signer.signMessage(keyReleaseMessage(fields))) };
  delete (body as { channel?: string }).channel;
  const shares: Share[] = [];
  const failures: ReleaseFailure[] = [];
  const signal = o.signal;
  // Ask t nodes first (in a random order, to spread the load); each refusal or failure brings
  // in the next node, so any t willing nodes are enough and at most n are asked.
  const queue = shuffled(o.nodes);
  const ask = (node: KonsortiumClient): Promise<void> =>
    node
      .releaseShare(o.channel, body, { signal })
      .then((r) => {
        const value = openSealed(oneTime.privateKey, fromHex(r.sealed), releaseContext(o.channel, o.record, v.version, r.nodeId, requestId), { recipient: oneTime.publicKey, backend });
        const share = { index: r.index, value };
        const expected = v.shares.find((s) => s.nodeId === r.nodeId)?.index;
        if (expected !== r.index) throw new KonsortiumError(`node ${r.nodeId} returned share ${r.index}, its share is ${expected}`);
        // Not a canonical scalar: not a share at all (combineShares would throw on it below).
        if (!isScalar(value)) throw releaseFailure('BAD_SHARE', `share ${r.index} is not a canonical scalar`);
        // The same share again (a node listed twice, or one answering as another): it adds
        // nothing, so it counts as a failure and brings in the next node.
        if (shares.some((s) => s.index === share.index)) throw releaseFailure('DUPLICATE_SHARE', `share ${r.index} was already released`);
        // Shares are checked against the commitments one by one only when the combined key is
        // wrong (below): one fixed-base multiplication instead of t multi-exponentiations.
        shares.push({ ...share, node } as Share & { node: KonsortiumClient });
      })
      .catch((err: unknown) => {
        // The caller gave up: that is no node's failure, and no other node is asked.
        if (signal?.aborted === true) throw abortReason(signal);
        const e = err as { code?: unknown; message?: unknown };
        failures.push({ node: node.baseUrl, code: typeof e.code === 'string' ? e.code : 'ERROR', message: typeof e.message === 'string' ? e.message : String(err) });
        const next = queue.shift();
        return next === undefined ? undefined : ask(next);
      });
  for (;;) {
    await Promise.all(queue.splice(0, v.threshold - shares.length).map(ask));
    if (shares.length < v.threshold) {
      throw new KeyReleaseError(`${o.record} v${v.version}: ${shares.length} of ${v.threshold} shares released (${failures.map((f) => `${f.node}: ${f.code}`).join('; ')})`, failures);
    }
    const accepted = accept(combineShares(shares, v.threshold));
    if (accepted !== undefined) return accepted;
    // Some node sent a bad share: find it (them) by the commitments, drop it, ask the others.
    const before = shares.length;
    const commitments = v.commitments.map((c) => fromHex(c)); // decoded only on this (rare) path
    for (let i = shares.length - 1; i >= 0; i--) {
      const bad = shares[i] as Share & { node: KonsortiumClient };
      if (verifyShare(bad, commitments)) continue;
      shares.splice(i, 1);
      failures.push({ node: bad.node.baseUrl, code: 'BAD_SHARE', message: `share ${bad.index} does not match the commitments` });
    }
    if (shares.length === before) throw new KonsortiumError(`${o.record} v${v.version}: every share matches the commitments but they do not rebuild C_0 (an inconsistent dealing)`);
    if (queue.length === 0 && shares.length < v.threshold) {
      throw new KeyReleaseError(`${o.record} v${v.version}: not enough valid shares (${failures.map((f) => `${f.node}: ${f.code}`).join('; ')})`, failures);
    }
  }
}

function releaseFailure(code: string, message: string): KonsortiumError & { readonly code: string } {
  return Object.assign(new KonsortiumError(message), { code });
}

function isScalar(bytes: Uint8Array): boolean {
  try {
    scalarFromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  const r = crypto.getRandomValues(new Uint32Array(out.length));
  for (let i = out.length - 1; i > 0; i--) {
    const j = r[i]! % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The version's ciphertext: inline from the chain, or from the first node that has the blob (checked against its hash). */
export async function fetchCiphertext(channel: string, v: StoredVersion, nodes: readonly KonsortiumClient[], signal?: AbortSignal): Promise<Uint8Array> {
  if ('inline' in v.body) return fromBase64(v.body.inline);
  const { hash } = v.body.blob;
  const failures: string[] = [];
  for (const n of nodes) {
    try {
      const bytes = await n.getBlob(channel, hash, { signal });
      if (contentHash(bytes) === hash) return bytes;
      failures.push(`${n.baseUrl}: content does not match its hash`);
    } catch (err) {
      failures.push(`${n.baseUrl}: ${(err as Error).message}`);
    }
  }
  throw new KonsortiumError(`blob ${hash} is on no node (${failures.join('; ')})`);
}

/** Canonical base64 (RFC 4648, padded), with @scure/base: the SDK runs in browsers too. */
export function toBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

export function fromBase64(text: string): Uint8Array {
  try {
    return base64.decode(text);
  } catch (err) {
    throw new KonsortiumError(`not canonical base64: ${(err as Error).message}`);
  }
}

/** Stores a version's blob on every given node (all must accept it before the version goes on chain). */
export async function uploadBlob(channel: string, blob: NonNullable<SealedVersion['blob']>, nodes: readonly KonsortiumClient[], signal?: AbortSignal): Promise<void> {
  await Promise.all(nodes.map((n) => n.putBlob(channel, blob.hash, blob.bytes, { signal })));
}

const decoder = new TextDecoder();

async function provenJson<T>(node: KonsortiumClient, channel: string, key: string, signal: AbortSignal | undefined, trustedHeader: TrustedHeader | undefined): Promise<T | null> {
  const e = await node.getVerifiedState(channel, key, { signal, ...(trustedHeader === undefined ? {} : { trustedHeader }) });
  return e.value === null ? null : (JSON.parse(decoder.decode(e.value)) as T);
}

export interface ReadRecordOptions {
  readonly channel: string;
  readonly record: string;
  /** Default: the latest version. */
  readonly version?: number;
  /** The channel's nodes (the first one serves the proven state; all are asked for shares). */
  readonly nodes: readonly KonsortiumClient[];
  /** A reader that is not the owner: its member key signs the key-release request. */
  readonly signer?: Signer;
  /** The owner: opens the version with its X25519 private key, no node involved. */
  readonly ownerSealPrivate?: Uint8Array;
  readonly signal?: AbortSignal;
  /** X25519 implementation for the key release; default the portable one (noble). */
  readonly x25519?: X25519Backend;
  /**
   * The block the version's state proof must be anchored in (see verifyChain). Without it the
   * first node's header is taken on trust: a reader is still protected by the other nodes'
   * shares (they match only the real commitments), an owner is not (anyone can seal to the
   * owner's key), so owners reading from nodes they do not trust should pin a header.
   */
  readonly trustedHeader?: TrustedHeader;
}

/** Reads and decrypts a record version: proven state, the key (owner's or released by the nodes), the ciphertext, the hash check. */
export async function readRecord(o: ReadRecordOptions): Promise<{ readonly version: StoredVersion; readonly plaintext: Uint8Array }> {
  const first = o.nodes[0];
  if (first === undefined) throw new KonsortiumError('readRecord needs at least one node');
  let n = o.version;
  if (n === undefined) {
    const rec = await provenJson<{ versions: number }>(first, o.channel, dataKeys.record(o.record), o.signal, o.trustedHeader);
    if (rec === null) throw new KonsortiumError(`record ${o.record} does not exist`);
    n = rec.versions;
  }
  const version = await provenJson<StoredVersion>(first, o.channel, dataKeys.version(o.record, n), o.signal, o.trustedHeader);
  if (version === null) throw new KonsortiumError(`record ${o.record} has no version ${n}`);
  if (o.ownerSealPrivate === undefined && o.signer === undefined) throw new KonsortiumError('readRecord needs a signer (reader) or ownerSealPrivate (owner)');
  const ciphertext = await fetchCiphertext(o.channel, version, o.nodes, o.signal);
  if (o.ownerSealPrivate !== undefined) return { version, plaintext: decryptVersion(o.channel, o.record, version, ownerSecret(o.channel, o.record, version, o.ownerSealPrivate), ciphertext) };
  const request = { channel: o.channel, record: o.record, version, nodes: o.nodes, signer: o.signer!, signal: o.signal, ciphertext };
  return { version, plaintext: await releaseAndDecrypt(o.x25519 === undefined ? request : { ...request, x25519: o.x25519 }) };
}
