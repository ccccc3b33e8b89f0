/**
 * KonsortiumClient: the node API (v1) from Node 20 or a browser.
 *
 *   const client = new KonsortiumClient({ baseUrl: 'https://node1.example.com', token: getJwt });
 *   const tx = signer.buildTx('main', { contract: 'cfa', method: 'transfer', args: { … } });
 *   await client.submit(tx);
 *   const final = await client.waitForStatus('main', tx.id);
 *
 * Every method takes an optional AbortSignal; every request has a timeout (`timeoutMs`), and
 * failures are typed (see errors.ts). Nothing here keeps a connection or timer alive after a
 * call settles, except an `events()` iterator until it is ended (break, return or abort).
 */
import { type CryptoSuite, type SuiteId, toHex, type Transaction } from '@konsortium/protocol';
import { addLearner, type NewMember, promoteLearner, type RaftMember, raftStatus, type RaftStatus, removeMember } from './admin.js';
import { KonsortiumResponseError, KonsortiumVerificationError } from './errors.js';
import { type EventsOptions, followBlocks } from './events.js';
import { type FetchFn, HttpTransport, type TokenProvider } from './http.js';
import {
  readBlockRecord,
  readBlocks,
  readChannels,
  readHead,
  readNodes,
  type ReleasedShare,
  readReleasedShare,
  readStateProof,
  readStoredBlob,
  readSubmitResult,
  readTxProof,
  readTxStatus,
  type StoredBlob,
} from './read.js';
import type { BlockEvent, BlockRecord, ChainHead, ChannelInfo, NodeKey, StateProofJson, SubmitResult, TxProofJson, TxStatus } from './types.js';
import { headerMatches, type TrustedHeader, type VerifiedStateEntry, type VerifiedTxInclusion, verifyStateEntry, verifyTxInclusion } from './verify.js';
import { waitForTxStatus, type WaitOptions } from './wait.js';

export interface KonsortiumClientOptions {
  /** The node's base URL, e.g. `https://node1.example.com` (a path prefix is kept). */
  readonly baseUrl: string;
  /** A fetch implementation; default the global one. */
  readonly fetch?: FetchFn;
  /** A JWT, or a (possibly async) function returning the current one, sent as a bearer token. */
  readonly token?: string | TokenProvider;
  /** Per-request timeout in ms (for streams: until the headers arrive). Default 30 000. */
  readonly timeoutMs?: number;
  /** Retries of requests that got no answer or a 502/503/504 (all routes are idempotent). Default 2. */
  readonly retries?: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** This call's timeout, overriding the client's. */
  readonly timeoutMs?: number;
}

export interface VerifiedStateOptions extends CallOptions {
  /** Read the state right after this block (default: the head). */
  readonly height?: number;
  /**
   * The block the proof must be anchored in: its hash (hex or bytes) or its header. A header
   * also sets `height` when none is given; with a bare hash, pass `height` too.
   */
  readonly trustedHeader?: TrustedHeader;
  /** The channel's suite; default as listed by the node (cached per client). */
  readonly suite?: SuiteId | CryptoSuite;
}

export interface VerifiedTxOptions extends CallOptions {
  readonly trustedHeader?: TrustedHeader;
  readonly suite?: SuiteId | CryptoSuite;
}

/** Only the options the HTTP layer takes (callers may pass wider option objects). */
function call(o: CallOptions): CallOptions {
  return { signal: o.signal, timeoutMs: o.timeoutMs };
}

/** A transaction id as hex, from hex or bytes (a Transaction's `id`). */
function txIdHex(txId: string | Uint8Array): string {
  return typeof txId === 'string' ? txId : toHex(txId);
}

export class KonsortiumClient {
  private readonly http: HttpTransport;
  private readonly suites = new Map<string, SuiteId>();

  constructor(options: KonsortiumClientOptions) {
    this.http = new HttpTransport(options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  private channelPath(channel: string): string {
    return `/v1/channels/${encodeURIComponent(channel)}`;
  }

  /** GET /v1/channels: the channels this node serves (and may show to the caller). */
  async channels(options: CallOptions = {}): Promise<ChannelInfo[]> {
    const list = readChannels((await this.http.json('GET', '/v1/channels', call(options))).body);
    for (const c of list) this.suites.set(c.name, c.suite);
    return list;
  }

  /** The suite of a channel, from the node's channel list (cached). */
  async suiteOf(channel: string, options: CallOptions = {}): Promise<SuiteId> {
    const known = this.suites.get(channel);
    if (known !== undefined) return known;
    await this.channels(options);
    const suite = this.suites.get(channel);
    if (suite === undefined) throw new KonsortiumResponseError(`channel "${channel}" is not listed by the node`);
    return suite;
  }

  /**
   * POST /v1/channels/:channel/txs. Resolves when the node accepted the transaction (202) or
   * already had it (200, `alreadyKnown`); a refusal before ordering is a KonsortiumApiError
   * (MALFORMED, BAD_SIGNATURE, NONCE_REPLAYED, …) and then nothing was ordered. Submitting the
   * same transaction again is harmless, which is why network failures are retried (so after
   * a retry, `alreadyKnown` may be true for a transaction this call delivered first).
   */
  async submit(tx: Transaction, options: CallOptions = {}): Promise<SubmitResult> {
    const res = await this.http.json('POST', `${this.channelPath(tx.channel)}/txs`, { ...call(options), body: { tx: toHex(tx.bytes) } });
    const result = readSubmitResult(res.body, res.status);
    const expected = toHex(tx.id);
    if (result.txId !== expected) throw new KonsortiumResponseError(`the node acknowledged transaction ${result.txId}, submitted ${expected}`);
    return result;
  }

  /** submit, then waitForStatus (default: until final). */
  async submitAndWait(tx: Transaction, options: WaitOptions = {}): Promise<TxStatus> {
    await this.submit(tx, { signal: options.signal });
    return this.waitForStatus(tx.channel, tx.id, options);
  }

  /** GET /v1/channels/:channel/txs/:txId. Unknown: KonsortiumApiError 404 TX_NOT_FOUND. */
  async status(channel: string, txId: string | Uint8Array, options: CallOptions = {}): Promise<TxStatus> {
    return readTxStatus((await this.http.json('GET', `${this.channelPath(channel)}/txs/${txIdHex(txId)}`, call(options))).body);
  }

  /**
   * Waits until the transaction reaches `until` (default 'final': committed or rejected),
   * following the event stream when it can and polling otherwise; see wait.ts. Throws
   * KonsortiumTimeoutError after `timeoutMs` (default 60 s), the signal's reason on abort, and
   * KonsortiumTxRejectedError when waiting for 'committed' and the transaction was rejected.
   */
  async waitForStatus(channel: string, txId: string | Uint8Array, options: WaitOptions = {}): Promise<TxStatus> {
    return waitForTxStatus(this, channel, txIdHex(txId), options);
  }

  /** GET /v1/channels/:channel/txs/:txId/proof (unverified; see getVerifiedTx). */
  async txProof(channel: string, txId: string | Uint8Array, options: CallOptions = {}): Promise<TxProofJson> {
    return readTxProof((await this.http.json('GET', `${this.channelPath(channel)}/txs/${txIdHex(txId)}/proof`, call(options))).body);
  }

  /** GET /v1/channels/:channel/head. */
  async head(channel: string, options: CallOptions = {}): Promise<ChainHead> {
    return readHead((await this.http.json('GET', `${this.channelPath(channel)}/head`, call(options))).body);
  }

  /** GET /v1/channels/:channel/blocks/:height (unverified; decode with protocol's decodeBlock or use verifyChain). */
  async block(channel: string, height: number, options: CallOptions = {}): Promise<BlockRecord> {
    checkHeight(height, 'height');
    return readBlockRecord((await this.http.json('GET', `${this.channelPath(channel)}/blocks/${height}`, call(options))).body);
  }

  /** GET /v1/channels/:channel/blocks?from&limit: ascending, at most 100. */
  async blocks(channel: string, from: number, limit = 100, options: CallOptions = {}): Promise<BlockRecord[]> {
    checkHeight(from, 'from');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError('limit must be 1..100');
    return readBlocks((await this.http.json('GET', `${this.channelPath(channel)}/blocks`, { ...call(options), query: { from, limit } })).body);
  }

  /** GET /v1/channels/:channel/state/:key (unverified; see getVerifiedState). */
  async state(channel: string, key: string, options: CallOptions & { readonly height?: number } = {}): Promise<StateProofJson> {
    if (options.height !== undefined) checkHeight(options.height, 'height');
    const path = `${this.channelPath(channel)}/state/${encodeURIComponent(key)}`;
    return readStateProof((await this.http.json('GET', path, { ...call(options), query: { height: options.height } })).body);
  }

  /**
   * GET /v1/channels/:channel/<path> for a contract's read routes (e.g. `cfa/assets`) that have
   * no typed method here; the body comes back as parsed JSON for the caller's own reader to check.
   */
  async channelRead(channel: string, path: string, options: CallOptions & { readonly query?: Readonly<Record<string, string | number | undefined>> } = {}): Promise<unknown> {
    if (path.startsWith('/') || path.includes('..')) throw new RangeError(`path must be relative to the channel, got "${path}"`);
    return (await this.http.json('GET', `${this.channelPath(channel)}/${path}`, { ...call(options), ...(options.query ? { query: options.query } : {}) })).body;
  }

  /** GET /v1/channels/:channel/nodes: node ids and public keys (what block signatures are checked against). */
  async nodes(channel: string, options: CallOptions = {}): Promise<NodeKey[]> {
    return readNodes((await this.http.json('GET', `${this.channelPath(channel)}/nodes`, call(options))).body);
  }

  /** GET …/admin/status: the channel's Raft group as this node sees it (members, leader, indexes). */
  async raftStatus(channel: string, options: CallOptions = {}): Promise<RaftStatus> {
    return raftStatus(this.http, channel, call(options));
  }

  /** POST …/admin/members (leader only): adds a learner; MEMBER_EXISTS if it is a member already. */
  async addLearner(channel: string, member: NewMember, options: CallOptions = {}): Promise<RaftMember> {
    return addLearner(this.http, channel, member, call(options));
  }

  /** POST …/admin/members/:id/promote (leader only): NOT_CAUGHT_UP while the learner lags. */
  async promoteLearner(channel: string, id: number, options: CallOptions = {}): Promise<RaftMember> {
    return promoteLearner(this.http, channel, id, call(options));
  }

  /** DELETE …/admin/members/:id (leader only): MEMBER_NOT_FOUND if it is not a member. */
  async removeMember(channel: string, id: number, options: CallOptions = {}): Promise<void> {
    return removeMember(this.http, channel, id, call(options));
  }

  /**
   * The channel's blocks as they are made, from `from` (default: after the current head), as
   * an async iterator that survives dropped connections (see events.ts). End it with `break`,
   * or with the signal.
   */
  events(channel: string, options: EventsOptions = {}): AsyncGenerator<BlockEvent, void, undefined> {
    return followBlocks(this.http, channel, options);
  }

  /**
   * POST /v1/channels/:channel/data/release: one node's share of a record version's key,
   * sealed to the request's one-time key (see `requestKey` in data.ts, which builds the signed
   * request and combines the shares). Refusals: NOT_GRANTED, GRANT_EXPIRED, REQUEST_EXPIRED, …
   */
  async releaseShare(channel: string, request: Readonly<Record<string, unknown>>, options: CallOptions = {}): Promise<ReleasedShare> {
    return readReleasedShare((await this.http.json('POST', `${this.channelPath(channel)}/data/release`, { ...call(options), body: request, retries: 0 })).body);
  }

  /** PUT /v1/channels/:channel/blobs/:hash: stores ciphertext on this node (idempotent). */
  async putBlob(channel: string, hash: string, bytes: Uint8Array, options: CallOptions = {}): Promise<StoredBlob> {
    return readStoredBlob((await this.http.json('PUT', `${this.channelPath(channel)}/blobs/${hash}`, { ...call(options), rawBody: bytes })).body);
  }

  /** GET /v1/channels/:channel/blobs/:hash (the caller checks the bytes against the hash). */
  async getBlob(channel: string, hash: string, options: CallOptions = {}): Promise<Uint8Array> {
    return this.http.bytes(`${this.channelPath(channel)}/blobs/${hash}`, call(options));
  }

  /**
   * Reads a state entry with its proof and verifies it: the value (or absence) under the state
   * root of the proof's block and, with `trustedHeader`, that this block is the trusted one.
   * Throws KonsortiumVerificationError when something does not hold.
   */
  async getVerifiedState(channel: string, key: string, options: VerifiedStateOptions = {}): Promise<VerifiedStateEntry> {
    const suite = options.suite ?? (await this.suiteOf(channel, call(options)));
    const trusted = options.trustedHeader;
    const height = options.height ?? (trusted !== undefined && typeof trusted === 'object' && !(trusted instanceof Uint8Array) ? trusted.height : undefined);
    const proof = await this.state(channel, key, { ...call(options), height });
    if (proof.key !== key) throw new KonsortiumVerificationError(`asked for key "${key}", the proof is for "${proof.key}"`);
    if (height !== undefined && proof.height !== height) throw new KonsortiumVerificationError(`asked for the state at ${height}, the proof is at ${proof.height}`);
    const entry = verifyStateEntry(suite, proof);
    if (entry === null) throw new KonsortiumVerificationError(`the state proof of "${key}" at height ${proof.height} does not verify`);
    if (entry.header.channel !== channel) throw new KonsortiumVerificationError(`the state proof of "${key}" is anchored in channel ${entry.header.channel}`);
    if (trusted !== undefined && !headerMatches(suite, entry.header, trusted)) {
      throw new KonsortiumVerificationError(`the state proof of "${key}" is anchored in block ${entry.blockHash}, not the trusted block`);
    }
    return entry;
  }

  /** Reads a transaction's inclusion proof and verifies it (and the anchoring block, with `trustedHeader`). */
  async getVerifiedTx(channel: string, txId: string | Uint8Array, options: VerifiedTxOptions = {}): Promise<VerifiedTxInclusion> {
    const suite = options.suite ?? (await this.suiteOf(channel, call(options)));
    const id = txIdHex(txId);
    const proof = await this.txProof(channel, id, call(options));
    if (proof.txId !== id) throw new KonsortiumVerificationError(`asked for transaction ${id}, the proof is for ${proof.txId}`);
    const inclusion = verifyTxInclusion(suite, proof);
    if (inclusion === null) throw new KonsortiumVerificationError(`the inclusion proof of transaction ${id} does not verify`);
    if (inclusion.header.channel !== channel) throw new KonsortiumVerificationError(`transaction ${id} is proven in channel ${inclusion.header.channel}`);
    if (options.trustedHeader !== undefined && !headerMatches(suite, inclusion.header, options.trustedHeader)) {
      throw new KonsortiumVerificationError(`transaction ${id} is proven in block ${inclusion.blockHash}, not the trusted block`);
    }
    return inclusion;
  }
}

function checkHeight(h: number, what: string): void {
  if (!Number.isSafeInteger(h) || h < 0) throw new RangeError(`${what} must be a non-negative integer`);
}
