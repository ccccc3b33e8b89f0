/**
 * Reading a channel's chain for the projection, through the SDK only: pages of blocks that are
 * decoded and checked here (hash, contents, link to the block before, node signatures) rather
 * than trusted, the CFA transactions in them, and state entries read with their proofs and
 * anchored in a block this code has checked.
 */
import {
  type KonsortiumClient,
  KonsortiumApiError,
  KonsortiumError,
  KonsortiumNetworkError,
  KonsortiumResponseError,
  KonsortiumVerificationError,
  type NodeKey,
} from '@konsortium/client';
import {
  type Block,
  bytesEqual,
  checkBlockContents,
  checkSignatures,
  type CryptoSuite,
  decodeBlock,
  decodeTx,
  fromHex,
  suiteById,
  toHex,
  ZERO_HASH,
} from '@konsortium/protocol';
import { isProjectedOperation } from './cfa-layout.js';
import { ProjectionError } from './errors.js';

/** What the projection needs of a node client (KonsortiumClient fits; tests may fake it). */
export type ChainClient = Pick<KonsortiumClient, 'head' | 'blocks' | 'events' | 'getVerifiedState' | 'getVerifiedTx' | 'channels' | 'nodes'>;

/** Blocks per request: the node API's maximum. */
export const BLOCK_PAGE_MAX = 100;

/** One operation of a transaction, arguments parsed. */
export interface TxOperation {
  readonly contract: string;
  readonly method: string;
  readonly args: unknown;
}

/** A transaction with at least one projected operation (cfa, or governance.setFees: see cfa-layout.ts), as found in a block. */
export interface CfaTx {
  readonly txId: string;
  /** Position in the block. */
  readonly index: number;
  /** "OK" or the code that rejected it in execution (then nothing of it applied). */
  readonly code: string;
  /** Hex public key that signed it. */
  readonly senderKey: string;
  readonly operations: readonly TxOperation[];
  /** How CfaOperation stores it: see `labelOf`. */
  readonly method: string;
  readonly args: unknown;
}

export interface CheckedBlock {
  readonly height: number;
  /** Hex block hash (recomputed here from the header). */
  readonly hash: string;
  readonly prevHash: string;
  readonly timestamp: number;
  readonly cfaTxs: readonly CfaTx[];
}

/** Where the projection stands: the last block it applied. */
export interface ChainPoint {
  readonly height: number;
  readonly hash: string;
}

/**
 * The (method, args) a CfaOperation stores for a transaction: one operation is
 * `<contract>.<method>` with its arguments; several are `multi` with
 * `{ operations: [{ contract, method, args }] }` (all-or-nothing on the ledger).
 */
export function labelOf(ops: readonly TxOperation[]): { method: string; args: unknown } {
  if (ops.length === 1) return { method: `${ops[0]!.contract}.${ops[0]!.method}`, args: ops[0]!.args };
  return { method: 'multi', args: { operations: ops.map((o) => ({ contract: o.contract, method: o.method, args: o.args })) } };
}

/** The inverse of labelOf (null when the label is not one it makes). */
export function operationsOf(method: string, args: unknown): TxOperation[] | null {
  if (method === 'multi') {
    const list = (args as { operations?: unknown } | null)?.operations;
    if (!Array.isArray(list) || list.length === 0) return null;
    const ops: TxOperation[] = [];
    for (const o of list) {
      if (typeof o !== 'object' || o === null) return null;
      const { contract, method: m, args: a } = o as Record<string, unknown>;
      if (typeof contract !== 'string' || typeof m !== 'string') return null;
      ops.push({ contract, method: m, args: a ?? {} });
    }
    return ops;
  }
  const dot = method.indexOf('.');
  if (dot <= 0 || dot === method.length - 1) return null;
  return [{ contract: method.slice(0, dot), method: method.slice(dot + 1), args }];
}

/** The cfa transactions of a block, in order (transactions without a projected operation are left out). */
export function cfaTxsOf(suite: CryptoSuite, block: Block): CfaTx[] {
  const out: CfaTx[] = [];
  block.txs.forEach((bytes, index) => {
    const tx = decodeTx(bytes, { suite, maxBytes: Number.MAX_SAFE_INTEGER });
    if (!tx.operations.some((o) => isProjectedOperation(o.contract, o.method))) return;
    const operations = tx.operations.map((o) => ({ contract: o.contract, method: o.method, args: parseJson(o.argsJson) }));
    out.push({ txId: toHex(tx.id), index, code: block.results[index]!, senderKey: toHex(tx.sender), operations, ...labelOf(operations) });
  });
  return out;
}

/** Arguments as signed; a transaction whose arguments are not JSON was refused, keep the text. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsed: text };
  }
}

/**
 * A node failure as a ProjectionError: no answer, 5xx or 429 is NODE_UNAVAILABLE (retry);
 * a proof or block that does not verify, or an answer that is not the API, is CHAIN_INVALID;
 * a height the node no longer keeps is CHAIN_GAP; other refusals are NODE_REFUSED_CALLER.
 */
export function nodeFailure(err: unknown, what: string): ProjectionError {
  if (err instanceof ProjectionError) return err;
  if (err instanceof KonsortiumVerificationError || err instanceof KonsortiumResponseError) {
    return new ProjectionError('CHAIN_INVALID', `${what}: ${err.message}`, { cause: err });
  }
  if (err instanceof KonsortiumApiError) {
    if (err.status >= 500 || err.status === 429 || err.status === 408) return new ProjectionError('NODE_UNAVAILABLE', `${what}: ${err.code} ${err.message}`, { cause: err });
    if (err.code === 'HEIGHT_NOT_AVAILABLE' || err.code === 'BLOCK_NOT_FOUND') return new ProjectionError('CHAIN_GAP', `${what}: ${err.message}`, { cause: err });
    return new ProjectionError('NODE_REFUSED_CALLER', `${what}: ${err.code} ${err.message}`, { cause: err });
  }
  if (err instanceof KonsortiumNetworkError || !(err instanceof KonsortiumError)) {
    const message = err instanceof Error ? err.message : String(err);
    return new ProjectionError('NODE_UNAVAILABLE', `${what}: ${message}`, { cause: err });
  }
  return new ProjectionError('NODE_UNAVAILABLE', `${what}: ${err.message}`, { cause: err });
}

export interface ChainReaderOptions {
  readonly client: ChainClient;
  readonly channel: string;
  /** Check node signatures on every block. Default true. */
  readonly verifySignatures?: boolean;
  /** Distinct known nodes that must have signed each block. Default 1. */
  readonly minSignatures?: number;
  /**
   * Node keys obtained out of band (trusted). Default: the node's own /nodes list, so the
   * node vouches for itself; a signer it does not list makes the list be fetched again once.
   */
  readonly nodeKeys?: readonly NodeKey[];
  /** State reads in flight at once. Default 8. */
  readonly readConcurrency?: number;
}

const READ_CONCURRENCY_DEFAULT = 8;

/** Blocks and proven state of one channel. */
export class ChainReader {
  readonly client: ChainClient;
  readonly channel: string;
  private suitePromise: Promise<CryptoSuite> | undefined;
  private nodeKeys: Map<number, Uint8Array> | undefined;
  private readonly trustedKeys: boolean;
  private readonly verifySignatures: boolean;
  private readonly minSignatures: number;
  readonly readConcurrency: number;

  constructor(o: ChainReaderOptions) {
    this.client = o.client;
    this.channel = o.channel;
    this.verifySignatures = o.verifySignatures ?? true;
    this.minSignatures = o.minSignatures ?? 1;
    this.readConcurrency = o.readConcurrency ?? READ_CONCURRENCY_DEFAULT;
    if (!Number.isInteger(this.minSignatures) || this.minSignatures < 0) throw new ProjectionError('INVALID_ARGUMENT', 'minSignatures must be a non-negative integer');
    if (!Number.isInteger(this.readConcurrency) || this.readConcurrency < 1 || this.readConcurrency > 64) throw new ProjectionError('INVALID_ARGUMENT', 'readConcurrency must be 1..64');
    this.trustedKeys = o.nodeKeys !== undefined;
    if (o.nodeKeys !== undefined) this.nodeKeys = keyMap(o.nodeKeys);
  }

  /** The channel's suite, as the node lists it (once). */
  suite(): Promise<CryptoSuite> {
    this.suitePromise ??= (async () => {
      const list = await this.client.channels().catch((err: unknown) => {
        throw nodeFailure(err, 'listing channels');
      });
      const info = list.find((c) => c.name === this.channel);
      if (info === undefined) throw new ProjectionError('INVALID_ARGUMENT', `channel "${this.channel}" is not served by ${describe(this.client)}`);
      return suiteById(info.suite);
    })();
    this.suitePromise.catch(() => (this.suitePromise = undefined));
    return this.suitePromise;
  }

  /** The node's head height. */
  async headHeight(): Promise<number> {
    try {
      return (await this.client.head(this.channel)).height;
    } catch (err) {
      throw nodeFailure(err, `reading the head of ${this.channel}`);
    }
  }

  /**
   * Up to `limit` blocks after `after` (null: from genesis), each checked on its own and linked
   * to the one before, the first to `after`: CHAIN_GAP when heights skip, CHAIN_FORK when a
   * block does not link to the one before it, CHAIN_INVALID when a block does not verify.
   * Empty when the node has nothing after `after` yet.
   */
  async blocksAfter(after: ChainPoint | null, limit: number): Promise<CheckedBlock[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > BLOCK_PAGE_MAX) throw new ProjectionError('INVALID_ARGUMENT', `limit must be 1..${BLOCK_PAGE_MAX}`);
    const suite = await this.suite();
    const from = after === null ? 0 : after.height + 1;
    let records;
    try {
      records = await this.client.blocks(this.channel, from, limit);
    } catch (err) {
      throw nodeFailure(err, `reading blocks ${from}.. of ${this.channel}`);
    }
    const out: CheckedBlock[] = [];
    let prevHash = after === null ? ZERO_HASH : fromHex(after.hash);
    let expected = from;
    for (const record of records.slice(0, limit)) {
      if (record.height !== expected) {
        throw new ProjectionError('CHAIN_GAP', `${this.channel}: asked for block ${expected}, the node served block ${record.height} (blocks before ${record.height} are not kept there?)`);
      }
      const block = this.decode(suite, record.block, expected);
      if (toHex(block.hash) !== record.hash || toHex(block.headerBytes) !== record.header) {
        throw new ProjectionError('CHAIN_INVALID', `${this.channel}: block ${expected} is served with a hash or header that is not its own`);
      }
      if (!bytesEqual(block.header.prevHash, prevHash)) {
        throw new ProjectionError(
          'CHAIN_FORK',
          `${this.channel}: block ${expected} links to ${toHex(block.header.prevHash)}, but the projection followed ${toHex(prevHash)} at height ${expected - 1}`,
          { details: { height: expected, prevHash: toHex(block.header.prevHash), followed: toHex(prevHash) } },
        );
      }
      await this.checkSigned(suite, block);
      out.push({ height: expected, hash: toHex(block.hash), prevHash: toHex(prevHash), timestamp: block.header.timestamp, cfaTxs: cfaTxsOf(suite, block) });
      prevHash = block.hash;
      expected++;
    }
    return out;
  }

  private decode(suite: CryptoSuite, hex: string, height: number): Block {
    let block: Block;
    try {
      block = decodeBlock((d) => suite.hash(d), fromHex(hex));
    } catch (err) {
      throw new ProjectionError('CHAIN_INVALID', `${this.channel}: block ${height} does not decode: ${(err as Error).message}`, { cause: err });
    }
    if (block.header.height !== height || block.header.channel !== this.channel) {
      throw new ProjectionError('CHAIN_INVALID', `${this.channel}: block served as ${height} is block ${block.header.height} of ${block.header.channel}`);
    }
    const problem = checkBlockContents(suite, block);
    if (problem !== null) throw new ProjectionError('CHAIN_INVALID', `${this.channel}: ${problem.message}`, { details: { code: problem.code, height } });
    return block;
  }

  private async checkSigned(suite: CryptoSuite, block: Block): Promise<void> {
    if (!this.verifySignatures) return;
    if (this.nodeKeys === undefined) this.nodeKeys = await this.fetchNodeKeys();
    let problem = checkSignatures(suite, block, this.nodeKeys, this.minSignatures);
    if (problem?.code === 'UNKNOWN_SIGNER' && !this.trustedKeys) {
      this.nodeKeys = await this.fetchNodeKeys(); // a node added since: ask once more
      problem = checkSignatures(suite, block, this.nodeKeys, this.minSignatures);
    }
    if (problem !== null) throw new ProjectionError('CHAIN_INVALID', `${this.channel}: ${problem.message}`, { details: { code: problem.code, height: block.header.height } });
  }

  private async fetchNodeKeys(): Promise<Map<number, Uint8Array>> {
    try {
      return keyMap(await this.client.nodes(this.channel));
    } catch (err) {
      throw nodeFailure(err, `reading the node keys of ${this.channel}`);
    }
  }

  /**
   * The JSON value of `key` right after block `at`, proven against that block (whose hash this
   * code checked); undefined when the proof shows the key absent.
   */
  async readJson<T>(key: string, at: ChainPoint): Promise<T | undefined> {
    const suite = await this.suite();
    let entry;
    try {
      entry = await this.client.getVerifiedState(this.channel, key, { height: at.height, trustedHeader: at.hash, suite });
    } catch (err) {
      throw nodeFailure(err, `reading ${key} at ${this.channel}@${at.height}`);
    }
    if (entry.value === null) return undefined;
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(entry.value)) as T;
    } catch (err) {
      throw new ProjectionError('CHAIN_INVALID', `${key} at ${this.channel}@${at.height} is not JSON`, { cause: err });
    }
  }

  /** readJson of many keys, at most `readConcurrency` at a time; results in the keys' order. */
  async readMany<T>(keys: readonly string[], at: ChainPoint): Promise<(T | undefined)[]> {
    return mapLimit(keys, this.readConcurrency, (k) => this.readJson<T>(k, at));
  }
}

function keyMap(keys: readonly NodeKey[]): Map<number, Uint8Array> {
  return new Map(keys.map((k) => [k.nodeId, fromHex(k.publicKey)]));
}

function describe(client: ChainClient): string {
  const url = (client as { baseUrl?: unknown }).baseUrl;
  return typeof url === 'string' ? url : 'the node';
}

/** fn over items with at most `limit` calls in flight; results in order; the first failure rejects (after the rest settle). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
  return out;
}
