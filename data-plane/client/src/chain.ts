/**
 * verifyChain: fetch a range of blocks and check, without trusting the node that serves them,
 * that each decodes, matches the hash the node reports, has the transactions and outcomes its
 * header commits to, links to its predecessor, and carries valid signatures of known nodes.
 * The answer is the first problem by height (within a block: contents, link, signatures).
 *
 * Trust: the result is only as strong as its anchors. Pass `nodeKeys` you obtained out of band
 * (governance state you verified, configuration); when omitted they are fetched from the same
 * node, which then vouches for itself. A range that does not start at genesis is anchored by
 * `prevHash`, the trusted hash of block `from - 1`; without it the first link is not checked.
 */
import {
  type Block,
  type ChainProblemCode,
  checkBlockContents,
  checkLink,
  checkSignatures,
  type BlockHeader,
  bytesEqual,
  type CryptoSuite,
  decodeBlock,
  decodeTx,
  fromHex,
  type SuiteId,
  suiteById,
  toHex,
  verifyTxSignature,
} from '@konsortium/protocol';
import type { BlockRecord, ChainHead, ChannelInfo, NodeKey } from './types.js';

/** What verifyChain needs of a client (KonsortiumClient fits). */
export interface ChainSource {
  channels(options?: { signal?: AbortSignal }): Promise<ChannelInfo[]>;
  head(channel: string, options?: { signal?: AbortSignal }): Promise<ChainHead>;
  blocks(channel: string, from: number, limit: number, options?: { signal?: AbortSignal }): Promise<BlockRecord[]>;
  nodes(channel: string, options?: { signal?: AbortSignal }): Promise<NodeKey[]>;
}

export interface VerifyChainOptions {
  /** First height to check. Default 0 (genesis). */
  readonly from?: number;
  /** Last height to check (inclusive). Default: the node's current head. */
  readonly to?: number;
  /** The channel's suite; default: as the node lists it in /v1/channels. */
  readonly suite?: SuiteId | CryptoSuite;
  /** Known node keys by node id; default: fetched from the node (see the trust note above). */
  readonly nodeKeys?: ReadonlyMap<number, Uint8Array | string> | readonly NodeKey[];
  /** Distinct known nodes that must have signed each block. Default 1. */
  readonly minSignatures?: number;
  /** Check node signatures at all. Default true. */
  readonly checkSignatures?: boolean;
  /** Trusted hash of block `from - 1`, anchoring a range that does not start at genesis. */
  readonly prevHash?: string | Uint8Array;
  /** Also verify every transaction's signature (the tx root does not cover signatures). Default false. */
  readonly txSignatures?: boolean;
  /** Blocks per request, 1..100. Default 100. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

export type VerifyChainProblemCode = ChainProblemCode | 'BLOCK_MALFORMED' | 'MISSING_BLOCK' | 'TX_SIGNATURE';

export interface VerifyChainProblem {
  readonly code: VerifyChainProblemCode;
  readonly height: number;
  readonly message: string;
}

export interface VerifiedHead {
  readonly height: number;
  /** Block hash (hex). */
  readonly hash: string;
  readonly header: BlockHeader;
}

export type VerifyChainResult =
  | { readonly ok: true; readonly head: VerifiedHead; readonly checked: number }
  | { readonly ok: false; readonly problem: VerifyChainProblem };

export const MAX_PAGE_SIZE = 100;

/**
 * Verifies blocks `from..to` of `channel`. Network and API failures throw (they say nothing
 * about the chain); a chain that does not verify returns `{ ok: false, problem }`.
 */
export async function verifyChain(client: ChainSource, channel: string, options: VerifyChainOptions = {}): Promise<VerifyChainResult> {
  const { signal } = options;
  const from = options.from ?? 0;
  const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
  const minSignatures = options.minSignatures ?? 1;
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError('from must be a non-negative integer');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new RangeError(`pageSize must be 1..${MAX_PAGE_SIZE}`);
  const suite = await resolveSuite(client, channel, options.suite, signal);
  const to = options.to ?? (await client.head(channel, { signal })).height;
  if (!Number.isSafeInteger(to) || to < from) throw new RangeError(`to (${to}) must be an integer ≥ from (${from})`);
  const checkSigs = options.checkSignatures ?? true;
  const nodeKeys = checkSigs ? normalizeKeys(options.nodeKeys ?? (await client.nodes(channel, { signal }))) : new Map<number, Uint8Array>();
  const prevHash = options.prevHash === undefined ? undefined : typeof options.prevHash === 'string' ? fromHex(options.prevHash) : options.prevHash;

  let prev: Block | null = null;
  let next = from;
  while (next <= to) {
    const limit = Math.min(pageSize, to - next + 1);
    const page = await client.blocks(channel, next, limit, { signal });
    if (page.length === 0) return fail('MISSING_BLOCK', next, `the node returned no block ${next}`);
    for (const record of page.slice(0, limit)) {
      const checked = checkRecord(suite, channel, record, next);
      if ('code' in checked) return { ok: false, problem: checked };
      const block = checked;
      const linkProblem = prev !== null || next === 0 ? checkLink(prev, block) : checkAnchor(block, prevHash);
      if (linkProblem !== null) return { ok: false, problem: linkProblem };
      if (checkSigs) {
        const sigProblem = checkSignatures(suite, block, nodeKeys, minSignatures);
        if (sigProblem !== null) return { ok: false, problem: sigProblem };
      }
      if (options.txSignatures === true) {
        const txProblem = checkTxSignatures(suite, block);
        if (txProblem !== null) return { ok: false, problem: txProblem };
      }
      prev = block;
      next++;
    }
  }
  const head = prev!;
  return { ok: true, head: { height: head.header.height, hash: toHex(head.hash), header: head.header }, checked: to - from + 1 };
}

function fail(code: VerifyChainProblemCode, height: number, message: string): VerifyChainResult {
  return { ok: false, problem: { code, height, message } };
}

async function resolveSuite(client: ChainSource, channel: string, suite: SuiteId | CryptoSuite | undefined, signal: AbortSignal | undefined): Promise<CryptoSuite> {
  if (suite !== undefined) return typeof suite === 'string' ? suiteById(suite) : suite;
  const info = (await client.channels({ signal })).find((c) => c.name === channel);
  if (info === undefined) throw new RangeError(`channel "${channel}" is not listed by the node; pass options.suite`);
  return suiteById(info.suite);
}

function normalizeKeys(keys: ReadonlyMap<number, Uint8Array | string> | readonly NodeKey[]): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const entries: Iterable<readonly [number, Uint8Array | string]> = isNodeKeyList(keys) ? keys.map((k) => [k.nodeId, k.publicKey] as const) : keys;
  for (const [id, key] of entries) out.set(id, typeof key === 'string' ? fromHex(key) : key);
  return out;
}

function isNodeKeyList(keys: ReadonlyMap<number, Uint8Array | string> | readonly NodeKey[]): keys is readonly NodeKey[] {
  return Array.isArray(keys);
}

/** Decodes one served block and checks it on its own: position, hash, channel, contents. */
function checkRecord(suite: CryptoSuite, channel: string, record: BlockRecord, expected: number): Block | VerifyChainProblem {
  if (record.height !== expected) return { code: 'HEIGHT', height: expected, message: `asked for block ${expected}, the node returned block ${record.height}` };
  let block: Block;
  try {
    block = decodeBlock((d) => suite.hash(d), fromHex(record.block));
  } catch (err) {
    return { code: 'BLOCK_MALFORMED', height: expected, message: `block ${expected} does not decode: ${(err as Error).message}` };
  }
  if (block.header.height !== expected) return { code: 'HEIGHT', height: expected, message: `block served as ${expected} says it is block ${block.header.height}` };
  if (record.header !== toHex(block.headerBytes)) return { code: 'HEADER_HASH', height: expected, message: `block ${expected}: the header served beside the block is not the block's header` };
  const storedHash = /^[0-9a-f]{64}$/.test(record.hash) ? fromHex(record.hash) : new Uint8Array(0);
  const contents = checkBlockContents(suite, block, { storedHash });
  if (contents !== null) return contents;
  if (block.header.channel !== channel) return { code: 'CHANNEL', height: expected, message: `block ${expected} belongs to channel ${block.header.channel}` };
  return block;
}

function checkAnchor(block: Block, prevHash: Uint8Array | undefined): VerifyChainProblem | null {
  if (prevHash === undefined || bytesEqual(block.header.prevHash, prevHash)) return null;
  const h = block.header.height;
  return { code: 'PREV_HASH', height: h, message: `block ${h} links to ${toHex(block.header.prevHash)}, the trusted hash of block ${h - 1} is ${toHex(prevHash)}` };
}

function checkTxSignatures(suite: CryptoSuite, block: Block): VerifyChainProblem | null {
  const h = block.header.height;
  for (let i = 0; i < block.txs.length; i++) {
    const tx = decodeTx(block.txs[i]!, { suite, maxBytes: Number.MAX_SAFE_INTEGER }); // decodes: checkBlockContents passed
    if (!verifyTxSignature(tx, suite)) return { code: 'TX_SIGNATURE', height: h, message: `block ${h}: the signature of transaction ${i} (${toHex(tx.id)}) does not verify` };
  }
  return null;
}
