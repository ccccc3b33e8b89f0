/**
 * A batch: the data of one Raft entry, made by the leader from pending transactions. It also
 * carries what must be the same on every replica but cannot be computed by each one: the
 * proposer and its clock reading, which become the block's proposer and timestamp.
 *
 *   u8 tag (0xB1) | u32 proposer | u64 timestamp (ms since the epoch) | u32 count
 *   | count × bytes32 transaction envelope
 */
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { malformed } from '../codec/errors.js';

export const BATCH_TAG = 0xb1;

export interface Batch {
  readonly proposer: number;
  readonly timestamp: number;
  readonly txs: readonly Uint8Array[];
}

export function encodeBatch(b: Batch): Uint8Array {
  let size = 17;
  for (const t of b.txs) size += 4 + t.length;
  const w = new ByteWriter(size).u8(BATCH_TAG).u32(b.proposer).u64(b.timestamp).u32(b.txs.length);
  for (const t of b.txs) w.bytes32(t);
  return w.finish();
}

export function isBatch(data: Uint8Array): boolean {
  return data.length > 0 && data[0] === BATCH_TAG;
}

/** Strict; the transactions are views into `data` (decode them with decodeTx). */
export function decodeBatch(data: Uint8Array): Batch {
  const r = new ByteReader(data);
  if (r.u8('tag') !== BATCH_TAG) throw malformed('not a batch');
  const proposer = r.u32('proposer');
  const timestamp = r.u64('timestamp');
  const count = r.u32('count');
  if (count > r.remaining / 4) throw malformed('batch count larger than its bytes');
  const txs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) txs.push(r.bytes32('transaction'));
  r.end('batch');
  return { proposer, timestamp, txs };
}
