/**
 * Serialization of the KV state for Raft snapshots.
 *
 *   u32 magic 'KVS2' | u32 member count | (u53 id | str raftAddr | str httpAddr)*   members by id
 *   | u32 key count | (str key | str value | u53 revision)*                           keys in map order
 *   where str = u32 byte length | UTF-8 bytes, integers big-endian
 *
 * Strings are written in place (record sizes are kept by the state machine), never copied.
 * Deterministic without sorting the keys: a Map iterates in the order keys were first
 * written, the log fixes that order, and a restore re-inserts keys in snapshot order. So any
 * two replicas at the same index hold the same order and produce the same bytes. Skipping the
 * sort matters: this runs inside the Ready loop on the whole state.
 *
 * An empty input is the empty state (a node that joined and has no snapshot yet).
 */
import type { Member } from './members.js';
import type { KvRecord } from './record.js';

const MAGIC = 0x4b565332; // 'KVS2'
const TWO_32 = 0x1_0000_0000;

function writeU53(b: Buffer, v: number, at: number): number {
  b.writeUInt32BE(Math.floor(v / TWO_32), at);
  b.writeUInt32BE(v >>> 0, at + 4);
  return at + 8;
}

function writeStr(b: Buffer, s: string, bytes: number, at: number): number {
  b.writeUInt32BE(bytes, at);
  // bytes === length means pure ASCII, where latin1 is a plain (faster) copy of the same bytes.
  b.write(s, at + 4, bytes, bytes === s.length ? 'latin1' : 'utf8');
  return at + 4 + bytes;
}

/**
 * The state to serialize, frozen at one index: the records are immutable (a put replaces its
 * key's record), so a copy of the entries is a consistent view while the map moves on.
 */
export interface KvSnapshotView {
  readonly members: readonly Member[];
  readonly records: readonly (readonly [string, KvRecord])[];
}

/** Records encoded between yields of the background encoder (a few milliseconds of work). */
const RECORDS_PER_SLICE = 2048;

/** Encodes `view`, yielding after each slice of records (the caller decides how to wait). */
function* encodeSlices(view: KvSnapshotView): Generator<void, Uint8Array> {
  const members = [...view.members].sort((a, b) => a.id - b.id);
  let size = 12;
  for (const m of members) size += 16 + Buffer.byteLength(m.raftAddr) + Buffer.byteLength(m.httpAddr);
  for (const [, r] of view.records) size += 16 + r.keyBytes + r.valueBytes;
  const b = Buffer.allocUnsafe(size);
  let at = 0;
  b.writeUInt32BE(MAGIC, at);
  b.writeUInt32BE(members.length, at + 4);
  at += 8;
  for (const m of members) {
    at = writeU53(b, m.id, at);
    at = writeStr(b, m.raftAddr, Buffer.byteLength(m.raftAddr), at);
    at = writeStr(b, m.httpAddr, Buffer.byteLength(m.httpAddr), at);
  }
  b.writeUInt32BE(view.records.length, at);
  at += 4;
  const records = view.records;
  for (let i = 0; i < records.length; i++) {
    const [k, r] = records[i]!;
    at = writeStr(b, k, r.keyBytes, at);
    at = writeStr(b, r.value, r.valueBytes, at);
    at = writeU53(b, r.revision, at);
    if ((i + 1) % RECORDS_PER_SLICE === 0) yield;
  }
  if (at !== size) throw new Error(`KV snapshot size ${at}, expected ${size}`);
  return b;
}

export function encodeKvSnapshot(view: KvSnapshotView): Uint8Array {
  const it = encodeSlices(view);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** Like encodeKvSnapshot, but gives the event loop a turn between slices of records. */
export async function encodeKvSnapshotInSlices(view: KvSnapshotView): Promise<Uint8Array> {
  const it = encodeSlices(view);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

class SnapshotReader {
  private at = 0;
  constructor(private readonly b: Buffer) {}

  private need(n: number, what: string): void {
    if (this.at + n > this.b.length) throw new Error(`KV snapshot truncated reading ${what} at offset ${this.at}`);
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  u53(what: string): number {
    this.need(8, what);
    const hi = this.b.readUInt32BE(this.at);
    const lo = this.b.readUInt32BE(this.at + 4);
    if (hi > 0x1f_ffff) throw new Error(`KV snapshot: ${what} exceeds 2^53`);
    this.at += 8;
    return hi * TWO_32 + lo;
  }

  /** The length of the string that follows (read it next with strOf). */
  len(what: string): number {
    const n = this.u32(what);
    this.need(n, what);
    return n;
  }

  strOf(n: number): string {
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }

  str(what: string): string {
    return this.strOf(this.len(what));
  }

  end(): void {
    if (this.at !== this.b.length) throw new Error(`KV snapshot: ${this.b.length - this.at} trailing bytes`);
  }
}

export function decodeKvSnapshot(bytes: Uint8Array): { members: Member[]; data: Map<string, KvRecord> } {
  if (bytes.byteLength === 0) return { members: [], data: new Map() };
  const r = new SnapshotReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const magic = r.u32('magic');
  if (magic !== MAGIC) throw new Error(`not a KV snapshot (magic 0x${magic.toString(16)})`);
  const memberCount = r.u32('member count');
  const members: Member[] = [];
  for (let i = 0; i < memberCount; i++) members.push({ id: r.u53('member id'), raftAddr: r.str('raftAddr'), httpAddr: r.str('httpAddr') });
  const keyCount = r.u32('key count');
  const data = new Map<string, KvRecord>();
  for (let i = 0; i < keyCount; i++) {
    const keyBytes = r.len('key');
    const key = r.strOf(keyBytes);
    const valueBytes = r.len('value');
    const value = r.strOf(valueBytes);
    data.set(key, { value, revision: r.u53('revision'), keyBytes, valueBytes });
  }
  r.end();
  return { members, data };
}
