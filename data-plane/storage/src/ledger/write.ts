/**
 * Pending writes into LMDB. One pending write = one `env.batch`: lmdb-js runs a batch inside a
 * single write transaction (it may share it with batches queued next to it, never split it), so
 * a block reaches the disk all-or-nothing; batches execute in call order.
 */
import { fromHexKey, heightKey } from './bytes.js';
import type { LedgerDbs } from './dbs.js';
import type { PendingWrite } from './overlay.js';
import { encodeMeta, encodeNonceRecord, encodeTxRecord, META_HEAD_KEY } from './records.js';

const utf8 = new TextEncoder();

/** Queues the write; resolves when its transaction is durable. Throws only if queueing fails. */
export function writePending(d: LedgerDbs, w: PendingWrite): Promise<boolean> {
  return d.env.batch(() => {
    for (const [key, value] of w.state) {
      if (value === null) void d.state.remove(utf8.encode(key));
      else void d.state.put(utf8.encode(key), value);
    }
    for (const [hash, node] of w.nodes) void d.smt.put(fromHexKey(hash), node);
    for (const [hash, value] of w.values) void d.values.put(fromHexKey(hash), value);
    for (const a of w.added) void d.paths.put(a.path, a.key);
    if (w.block !== null) {
      void d.blocks.put(heightKey(w.block.height), w.block.bytes);
      void d.blockTxIds.put(heightKey(w.block.height), w.block.txIds);
    }
    for (const [id, rec] of w.txs) void d.txs.put(fromHexKey(id), encodeTxRecord(rec));
    for (const [key, rec] of w.nonces) void d.nonces.put(fromHexKey(key), encodeNonceRecord(rec));
    void d.meta.put(META_HEAD_KEY, encodeMeta(w.meta));
  });
}
