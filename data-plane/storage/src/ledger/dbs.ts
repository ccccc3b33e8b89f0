/**
 * The LMDB environment of one channel's ledger: one directory, named sub-databases, binary
 * keys and values throughout (our own encodings, never msgpack).
 *
 * Durability: `overlappingSync` is off, so an async write resolves only after LMDB committed
 * AND fsynced its transaction (unless fsync is off for tests): "resolved" means "durable",
 * with no second promise to track. lmdb-js still batches everything queued while one
 * transaction syncs into the next one (group commit), and writes run on its own thread.
 */
import { open, type Database, type RootDatabase } from 'lmdb';

export interface LedgerDbs {
  readonly env: RootDatabase<Uint8Array, string>;
  /** "head" → meta record (records.ts). */
  readonly meta: Database<Uint8Array, string>;
  /** UTF-8 key → latest value. */
  readonly state: Database<Uint8Array, Uint8Array>;
  /** node hash → 65-byte SMT node. */
  readonly smt: Database<Uint8Array, Uint8Array>;
  /** value hash → value (every value any root refers to). */
  readonly values: Database<Uint8Array, Uint8Array>;
  /** SMT path → UTF-8 key, so the leaves of a root can be named (snapshot export). */
  readonly paths: Database<Uint8Array, Uint8Array>;
  /** u64 height → encodeBlock bytes. */
  readonly blocks: Database<Uint8Array, Uint8Array>;
  /** u64 height → the block's tx ids, concatenated. */
  readonly blockTxIds: Database<Uint8Array, Uint8Array>;
  /** tx id → tx record. */
  readonly txs: Database<Uint8Array, Uint8Array>;
  /** (sender, nonce) → nonce record. */
  readonly nonces: Database<Uint8Array, Uint8Array>;
}

export function openLedgerDbs(dir: string, fsync: boolean): LedgerDbs {
  const env = open<Uint8Array, string>({ path: dir, encoding: 'binary', maxDbs: 12, overlappingSync: false, noSync: !fsync });
  const bin = (name: string): Database<Uint8Array, Uint8Array> => env.openDB<Uint8Array, Uint8Array>(name, { encoding: 'binary', keyEncoding: 'binary' });
  return {
    env,
    meta: env.openDB<Uint8Array, string>('meta', { encoding: 'binary' }),
    state: bin('state'),
    smt: bin('smt'),
    values: bin('values'),
    paths: bin('paths'),
    blocks: bin('blocks'),
    blockTxIds: bin('block-tx-ids'),
    txs: bin('txs'),
    nonces: bin('nonces'),
  };
}

/** Every sub-database whose content a snapshot import replaces. */
export function allData(d: LedgerDbs): Database<Uint8Array, Uint8Array | string>[] {
  return [d.meta, d.state, d.smt, d.values, d.paths, d.blocks, d.blockTxIds, d.txs, d.nonces] as Database<Uint8Array, Uint8Array | string>[];
}
