/**
 * The ledger snapshot: what a Raft snapshot of a channel carries (head block, state, tx index,
 * nonce index; not older blocks, not SMT nodes: the importer rebuilds the tree and checks it).
 *
 *   version 1   "KLSS" | u8 version (1)
 *               | bytes32 head block (protocol encodeBlock)
 *               | u64 n | n × (bytes16 key (UTF-8) | bytes32 value)        by SMT path, ascending
 *               | u64 n | n × (32 tx id | u64 height | u32 index | str8 code)   by tx id, ascending
 *               | u64 n | n × (bytes8 sender | u64 nonce | 32 tx id)   by (bytes8 sender | u64 nonce), ascending
 *               | 32 H(all bytes before)
 *
 * Decoding is strict: bad magic, version, lengths, order (so no duplicates), UTF-8, result
 * codes, trailing bytes or checksum are all CORRUPT, so each snapshot has one encoding.
 */
import { ByteReader, ByteWriter, bytesEqual, fromUtf8, type HashFn, isResultCode, smtPath, utf8 } from '@konsortium/protocol';
import { compareBytes } from './bytes.js';
import { corrupt, LedgerStoreError } from './errors.js';
import { MAX_KEY_BYTES } from './state-key.js';

const MAGIC = utf8('KLSS');
const VERSION = 1;
const CHECKSUM_BYTES = 32;

export interface SnapshotTx {
  readonly txId: Uint8Array;
  readonly height: number;
  readonly index: number;
  readonly code: string;
}

export interface SnapshotNonce {
  readonly sender: Uint8Array;
  readonly nonce: number;
  readonly txId: Uint8Array;
}

export interface LedgerSnapshot {
  /** The head block, encoded. */
  readonly block: Uint8Array;
  readonly state: readonly { readonly key: string; readonly value: Uint8Array }[];
  readonly txs: readonly SnapshotTx[];
  readonly nonces: readonly SnapshotNonce[];
}

/** Builds a snapshot section by section; the caller adds entries in the required order. */
export class SnapshotEncoder {
  private readonly state = new ByteWriter(1 << 16);
  private readonly txs = new ByteWriter(1 << 16);
  private readonly nonces = new ByteWriter(1 << 12);
  private counts = { state: 0, txs: 0, nonces: 0 };

  constructor(private readonly block: Uint8Array) {}

  addState(key: Uint8Array, value: Uint8Array): void {
    this.state.bytes16(key).bytes32(value);
    this.counts.state++;
  }

  addTx(t: SnapshotTx): void {
    this.txs.fixed(t.txId, 32).u64(t.height).u32(t.index).str8(t.code);
    this.counts.txs++;
  }

  /** `key` is the nonce key as the store keeps it (bytes8 sender | u64 nonce). */
  addNonceKey(key: Uint8Array, txId: Uint8Array): void {
    this.nonces.raw(key).fixed(txId, 32);
    this.counts.nonces++;
  }

  finish(hash: HashFn): Uint8Array {
    const head = new ByteWriter(this.block.length + 16).raw(MAGIC).u8(VERSION).bytes32(this.block).finish();
    const parts = [
      head,
      new ByteWriter(8).u64(this.counts.state).finish(),
      this.state.finish(),
      new ByteWriter(8).u64(this.counts.txs).finish(),
      this.txs.finish(),
      new ByteWriter(8).u64(this.counts.nonces).finish(),
      this.nonces.finish(),
    ];
    const length = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(length + CHECKSUM_BYTES);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    out.set(hash(out.subarray(0, length)), length);
    return out;
  }
}

/** Encodes a snapshot given as values (sorts each section into its required order). */
export function encodeLedgerSnapshot(hash: HashFn, s: LedgerSnapshot): Uint8Array {
  const enc = new SnapshotEncoder(s.block);
  const state = s.state.map((e) => ({ key: utf8(e.key), value: e.value })).map((e) => ({ ...e, path: smtPath(hash, e.key) }));
  for (const e of state.sort((a, b) => compareBytes(a.path, b.path))) enc.addState(e.key, e.value);
  for (const t of [...s.txs].sort((a, b) => compareBytes(a.txId, b.txId))) enc.addTx(t);
  const nonces = s.nonces.map((n) => ({ key: new ByteWriter(n.sender.length + 9).bytes8(n.sender).u64(n.nonce).finish(), txId: n.txId }));
  for (const n of nonces.sort((a, b) => compareBytes(a.key, b.key))) enc.addNonceKey(n.key, n.txId);
  return enc.finish(hash);
}

export function decodeLedgerSnapshot(hash: HashFn, bytes: Uint8Array): LedgerSnapshot {
  try {
    return decode(hash, bytes);
  } catch (e) {
    if (e instanceof LedgerStoreError) throw e;
    throw corrupt(`ledger snapshot: ${(e as Error).message}`, e);
  }
}

function decode(hash: HashFn, bytes: Uint8Array): LedgerSnapshot {
  if (!(bytes instanceof Uint8Array) || bytes.length < MAGIC.length + 1 + CHECKSUM_BYTES) throw corrupt('ledger snapshot: too short');
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!bytesEqual(hash(body), bytes.subarray(body.length))) throw corrupt('ledger snapshot: checksum mismatch');
  const r = new ByteReader(body);
  if (!bytesEqual(r.raw(MAGIC.length, 'magic'), MAGIC)) throw corrupt('ledger snapshot: bad magic');
  const version = r.u8('version');
  if (version !== VERSION) throw corrupt(`ledger snapshot: unknown version ${version}`);
  const block = Uint8Array.from(r.bytes32('head block'));
  const state: { key: string; value: Uint8Array }[] = [];
  let prevPath: Uint8Array | null = null;
  for (let i = 0, n = count(r, 6, 'state'); i < n; i++) {
    const key = r.bytes16('state key');
    if (key.length === 0 || key.length > MAX_KEY_BYTES) throw corrupt(`ledger snapshot: state key of ${key.length} bytes`);
    const path = smtPath(hash, key);
    if (prevPath !== null && compareBytes(prevPath, path) >= 0) throw corrupt('ledger snapshot: state not in strictly ascending path order');
    prevPath = path;
    state.push({ key: fromUtf8(key), value: Uint8Array.from(r.bytes32('state value')) });
  }
  const txs: SnapshotTx[] = [];
  for (let i = 0, n = count(r, 45, 'tx index'); i < n; i++) {
    const txId = Uint8Array.from(r.raw(32, 'tx id'));
    if (txs.length > 0 && compareBytes(txs[txs.length - 1]!.txId, txId) >= 0) throw corrupt('ledger snapshot: tx index not in strictly ascending id order');
    const t = { txId, height: r.u64('tx height'), index: r.u32('tx position'), code: r.str8('tx code') };
    if (!isResultCode(t.code)) throw corrupt(`ledger snapshot: bad result code "${t.code}"`);
    txs.push(t);
  }
  const nonces: SnapshotNonce[] = [];
  let prevKey: Uint8Array | null = null;
  for (let i = 0, n = count(r, 42, 'nonce index'); i < n; i++) {
    const start = r.offset;
    const sender = Uint8Array.from(r.bytes8('sender'));
    if (sender.length === 0) throw corrupt('ledger snapshot: empty sender key');
    const nonce = r.u64('nonce');
    const key = body.subarray(start, r.offset);
    if (prevKey !== null && compareBytes(prevKey, key) >= 0) throw corrupt('ledger snapshot: nonce index not in strictly ascending order');
    prevKey = key;
    nonces.push({ sender, nonce, txId: Uint8Array.from(r.raw(32, 'nonce tx id')) });
  }
  r.end('ledger snapshot');
  return { block, state, txs, nonces };
}

/** A section's entry count, refused when even minimal entries could not fit the bytes left. */
function count(r: ByteReader, minEntryBytes: number, what: string): number {
  const n = r.u64(`${what} count`);
  if (n > r.remaining / minEntryBytes) throw corrupt(`ledger snapshot: ${n} ${what} entries cannot fit ${r.remaining} bytes`);
  return n;
}
