/**
 * scanOperations: the contract calls recorded in a range of blocks, for clients that must find
 * things the state API has no index of (the records a member owns or was granted, the ballots of
 * a channel): the state is a key-value map read one proven key at a time, and the chain is the
 * only list of what was ever written.
 *
 * Every block served is checked as verifyChain checks it, without signatures: it decodes, hashes
 * to the hash the node reports, holds the transactions and outcomes its header commits to, and
 * links to the block before it (within the scan, and across scans through the cursor). A scan
 * resumes from its cursor, so a client that keeps it reads each block once.
 *
 *   let cursor: ScanCursor | undefined;
 *   const r = await scanOperations(client, 'consortium', { cursor, contracts: ['data'] });
 *   cursor = r.cursor; // next time: only the blocks after r.head
 */
import { type Block, bytesEqual, checkBlockContents, type CryptoSuite, decodeBlock, decodeTx, fromHex, parseArgs, type SuiteId, suiteById, toHex } from '@konsortium/protocol';
import { KonsortiumVerificationError } from './errors.js';
import type { BlockRecord, ChainHead, ChannelInfo } from './types.js';

/** What scanOperations needs of a client (KonsortiumClient fits). */
export interface ScanSource {
  channels(options?: { signal?: AbortSignal }): Promise<ChannelInfo[]>;
  head(channel: string, options?: { signal?: AbortSignal }): Promise<ChainHead>;
  blocks(channel: string, from: number, limit: number, options?: { signal?: AbortSignal }): Promise<BlockRecord[]>;
}

/** Where a scan stopped: the next height to read and the hash of the block before it (null: start at genesis). */
export interface ScanCursor {
  readonly next: number;
  readonly prevHash: string | null;
}

/** One operation of one transaction, as recorded in a block. */
export interface ChainOperation {
  readonly height: number;
  /** Block time (ms). */
  readonly timestamp: number;
  readonly txId: string;
  /** The transaction's position in its block. */
  readonly index: number;
  /** The operation's position in its transaction. */
  readonly op: number;
  /** The signer's public key (hex). */
  readonly sender: string;
  /** "OK" or the code that rejected the whole transaction (then nothing of it was applied). */
  readonly code: string;
  readonly contract: string;
  readonly method: string;
  /** The parsed JSON arguments (as the contract received them; check them before use). */
  readonly args: unknown;
}

export interface ScanOptions {
  /** Resume here; default: from genesis. */
  readonly cursor?: ScanCursor;
  /** Last height to read (inclusive); default: the node's head when the scan starts. */
  readonly to?: number;
  /** Only these contracts' operations; default: all. */
  readonly contracts?: readonly string[];
  /** Include operations of rejected transactions too. Default false (committed ones only). */
  readonly rejected?: boolean;
  readonly suite?: SuiteId | CryptoSuite;
  /** Blocks per request, 1..100. Default 100. */
  readonly pageSize?: number;
  /** Called after each page with the last height read and the target height. */
  readonly onProgress?: (height: number, to: number) => void;
  readonly signal?: AbortSignal;
}

export interface ScanResult {
  readonly operations: ChainOperation[];
  /** Where the next scan starts. */
  readonly cursor: ScanCursor;
  /** The last height read (cursor.next - 1). */
  readonly head: number;
}

/**
 * Reads blocks from the cursor up to `to` (default: the head), checks each, and returns the
 * operations of their transactions. A block that does not check is a KonsortiumVerificationError;
 * network and API failures throw as the client's calls do.
 */
export async function scanOperations(client: ScanSource, channel: string, options: ScanOptions = {}): Promise<ScanResult> {
  const { signal } = options;
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new RangeError('pageSize must be 1..100');
  const suite = await suiteFor(client, channel, options.suite, signal);
  const start = options.cursor?.next ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError('cursor.next must be a non-negative integer');
  const to = options.to ?? (await client.head(channel, { signal })).height;
  const wanted = options.contracts === undefined ? null : new Set(options.contracts);
  const operations: ChainOperation[] = [];
  const from = options.cursor?.prevHash;
  let prevHash: Uint8Array | null = from === undefined || from === null ? null : fromHex(from);
  let next = start;
  while (next <= to) {
    const page = await client.blocks(channel, next, Math.min(pageSize, to - next + 1), { signal });
    if (page.length === 0) throw new KonsortiumVerificationError(`the node returned no block ${next}`);
    for (const record of page) {
      if (next > to) break;
      if (record.height !== next) throw new KonsortiumVerificationError(`asked for block ${next}, the node returned block ${record.height}`);
      let block: Block;
      try {
        block = decodeBlock((d) => suite.hash(d), fromHex(record.block));
      } catch (err) {
        throw new KonsortiumVerificationError(`block ${next} does not decode: ${(err as Error).message}`);
      }
      const storedHash = /^[0-9a-f]{64}$/.test(record.hash) ? fromHex(record.hash) : new Uint8Array(0);
      const problem = checkBlockContents(suite, block, { storedHash });
      if (problem !== null) throw new KonsortiumVerificationError(problem.message);
      if (block.header.height !== next) throw new KonsortiumVerificationError(`block served as ${next} says it is block ${block.header.height}`);
      if (block.header.channel !== channel) throw new KonsortiumVerificationError(`block ${next} belongs to channel ${block.header.channel}`);
      if (next > 0 && prevHash !== null && !bytesEqual(block.header.prevHash, prevHash)) {
        throw new KonsortiumVerificationError(`block ${next} does not link to block ${next - 1} as read before`);
      }
      for (let i = 0; i < block.txs.length; i++) {
        const code = block.results[i]!;
        if (code !== 'OK' && options.rejected !== true) continue;
        const tx = decodeTx(block.txs[i]!, { suite, maxBytes: Number.MAX_SAFE_INTEGER }); // decodes: checkBlockContents passed
        tx.operations.forEach((op, j) => {
          if (wanted !== null && !wanted.has(op.contract)) return;
          let args: unknown;
          try {
            args = parseArgs(op);
          } catch {
            return; // not JSON: such a transaction was refused before ordering; nothing to report
          }
          operations.push({
            height: next,
            timestamp: block.header.timestamp,
            txId: toHex(tx.id),
            index: i,
            op: j,
            sender: toHex(tx.sender),
            code,
            contract: op.contract,
            method: op.method,
            args,
          });
        });
      }
      prevHash = block.hash;
      next++;
    }
    options.onProgress?.(next - 1, to);
  }
  const cursor: ScanCursor = { next, prevHash: prevHash === null ? null : toHex(prevHash) };
  return { operations, cursor, head: next - 1 };
}

async function suiteFor(client: ScanSource, channel: string, suite: SuiteId | CryptoSuite | undefined, signal: AbortSignal | undefined): Promise<CryptoSuite> {
  if (suite !== undefined) return typeof suite === 'string' ? suiteById(suite) : suite;
  const info = (await client.channels({ signal })).find((c) => c.name === channel);
  if (info === undefined) throw new RangeError(`channel "${channel}" is not listed by the node; pass options.suite`);
  return suiteById(info.suite);
}
