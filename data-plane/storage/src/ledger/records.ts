/**
 * The small records the ledger store keeps in LMDB besides blocks, nodes and values. All are
 * protocol's canonical binary encoding and decoded strictly (stored bytes that do not decode
 * are CORRUPT, never guessed at).
 *
 *   meta "head"   u8 version (1) | u64 applied index | u64 lowest block | u8 has head
 *                 [| u64 height | 32 hash | 32 state root | u64 timestamp]
 *   txs           key 32 tx id → u64 height | u32 index | str8 code
 *   nonces        key bytes8 sender | u64 nonce → 32 tx id | u64 height
 *   block tx ids  key u64 height → n × 32 tx id (what proveTx needs without decoding txs)
 */
import { ByteReader, ByteWriter } from '@konsortium/protocol';
import { corrupt, LedgerStoreError } from './errors.js';

export const META_HEAD_KEY = 'head';
const META_VERSION = 1;

export interface HeadRecord {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly timestamp: number;
}

export interface MetaRecord {
  readonly appliedIndex: number;
  readonly lowestBlock: number;
  readonly head: HeadRecord | null;
}

export interface TxRecord {
  readonly height: number;
  readonly index: number;
  readonly code: string;
}

export interface NonceRecord {
  readonly txId: Uint8Array;
  readonly height: number;
}

export function encodeMeta(m: MetaRecord): Uint8Array {
  const w = new ByteWriter(96).u8(META_VERSION).u64(m.appliedIndex).u64(m.lowestBlock).u8(m.head === null ? 0 : 1);
  if (m.head !== null) w.u64(m.head.height).fixed(m.head.hash, 32).fixed(m.head.stateRoot, 32).u64(m.head.timestamp);
  return w.finish();
}

export function decodeMeta(bytes: Uint8Array): MetaRecord {
  return strict('meta record', () => {
    const r = new ByteReader(bytes);
    const version = r.u8('version');
    if (version !== META_VERSION) throw corrupt(`unknown meta record version ${version}`);
    const appliedIndex = r.u64('applied index');
    const lowestBlock = r.u64('lowest block');
    const hasHead = r.u8('has head');
    if (hasHead > 1) throw corrupt('bad head flag');
    let head: HeadRecord | null = null;
    if (hasHead === 1) {
      const height = r.u64('height');
      const hash = Uint8Array.from(r.raw(32, 'hash'));
      const stateRoot = Uint8Array.from(r.raw(32, 'state root'));
      head = { height, hash, stateRoot, timestamp: r.u64('timestamp') };
    }
    r.end('meta record');
    return { appliedIndex, lowestBlock, head };
  });
}

export function encodeTxRecord(t: TxRecord): Uint8Array {
  return new ByteWriter(16 + t.code.length).u64(t.height).u32(t.index).str8(t.code).finish();
}

export function decodeTxRecord(bytes: Uint8Array): TxRecord {
  return strict('tx index record', () => {
    const r = new ByteReader(bytes);
    const t = { height: r.u64('height'), index: r.u32('index'), code: r.str8('code') };
    r.end('tx index record');
    return t;
  });
}

export function nonceKey(sender: Uint8Array, nonce: number): Uint8Array {
  return new ByteWriter(sender.length + 9).bytes8(sender).u64(nonce).finish();
}

export function encodeNonceRecord(n: NonceRecord): Uint8Array {
  return new ByteWriter(40).fixed(n.txId, 32).u64(n.height).finish();
}

export function decodeNonceRecord(bytes: Uint8Array): NonceRecord {
  return strict('nonce record', () => {
    const r = new ByteReader(bytes);
    const n = { txId: Uint8Array.from(r.raw(32, 'tx id')), height: r.u64('height') };
    r.end('nonce record');
    return n;
  });
}

export function splitTxIds(bytes: Uint8Array, count: number, height: number): Uint8Array[] {
  if (bytes.length !== count * 32) throw corrupt(`tx ids of block ${height}: ${bytes.length} bytes for ${count} transactions`);
  const ids: Uint8Array[] = [];
  for (let i = 0; i < count; i++) ids.push(bytes.subarray(i * 32, i * 32 + 32));
  return ids;
}

function strict<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof LedgerStoreError) throw e;
    throw corrupt(`${what}: ${(e as Error).message}`, e);
  }
}
