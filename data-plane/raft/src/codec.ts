/**
 * Canonical binary encoding of the core's data: entries, hard state, configurations,
 * membership changes, snapshots and messages. Used by the WAL (storage) and the transport
 * (node). Pure functions; decoding is strict: truncated input, trailing bytes, unknown enum
 * values and integers beyond 2^53 are errors, so one value has exactly one encoding.
 *
 * Integers are unsigned, big-endian: u8, u32, and u53 (a JS safe integer written as 8 bytes).
 * Decoded byte fields are views into the input buffer (no copy); callers that keep them must
 * not reuse the input buffer.
 */
import { RaftError } from './errors.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MESSAGE_TYPE_MAX,
  type MessageType,
  type Snapshot,
} from './types.js';

const TWO_32 = 0x1_0000_0000;

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RaftError('CODEC', `u8 out of range: ${v}`);
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v >= TWO_32) throw new RaftError('CODEC', `u32 out of range: ${v}`);
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  u53(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RaftError('CODEC', `u53 out of range: ${v}`);
    this.ensure(8);
    this.view.setUint32(this.pos, Math.floor(v / TWO_32));
    this.view.setUint32(this.pos + 4, v >>> 0);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.u32(b.byteLength);
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
    return this;
  }

  get length(): number {
    return this.pos;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class Reader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.byteLength) {
      throw new RaftError('CODEC', `truncated input reading ${what} at offset ${this.pos}`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u53(what = 'u53'): number {
    this.need(8, what);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi > 0x1f_ffff) throw new RaftError('CODEC', `${what} exceeds 2^53`);
    return hi * TWO_32 + lo;
  }

  bool(what = 'bool'): boolean {
    const v = this.u8(what);
    if (v > 1) throw new RaftError('CODEC', `${what} is not a boolean: ${v}`);
    return v === 1;
  }

  bytes(what = 'bytes'): Uint8Array {
    const n = this.u32(`${what} length`);
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  get remaining(): number {
    return this.buf.byteLength - this.pos;
  }

  end(what: string): void {
    if (this.pos !== this.buf.byteLength) {
      throw new RaftError('CODEC', `${this.buf.byteLength - this.pos} trailing bytes after ${what}`);
    }
  }
}

function enumValue(v: number, max: number, what: string): number {
  if (v > max) throw new RaftError('CODEC', `unknown ${what}: ${v}`);
  return v;
}

// --- Entry -------------------------------------------------------------------------------

export function writeEntry(w: Writer, e: Entry): void {
  w.u8(enumValue(e.type, EntryType.ConfChange, 'entry type')).u53(e.term).u53(e.index).bytes(e.data);
}

export function readEntry(r: Reader): Entry {
  const type = enumValue(r.u8('entry type'), EntryType.ConfChange, 'entry type') as EntryType;
  const term = r.u53('entry term');
  const index = r.u53('entry index');
  const data = r.bytes('entry data');
  return { type, term, index, data };
}

export function encodeEntry(e: Entry): Uint8Array {
  const w = new Writer(32 + e.data.byteLength);
  writeEntry(w, e);
  return w.finish();
}

export function decodeEntry(b: Uint8Array): Entry {
  const r = new Reader(b);
  const e = readEntry(r);
  r.end('entry');
  return e;
}

// --- HardState ---------------------------------------------------------------------------

export function encodeHardState(h: HardState): Uint8Array {
  return new Writer(24).u53(h.term).u53(h.vote).u53(h.commit).finish();
}

export function decodeHardState(b: Uint8Array): HardState {
  const r = new Reader(b);
  const h = { term: r.u53('term'), vote: r.u53('vote'), commit: r.u53('commit') };
  r.end('hard state');
  return h;
}

// --- ConfState and ConfChange --------------------------------------------------------------

function writeIds(w: Writer, ids: readonly number[]): void {
  // Refuse what readIds would refuse: whatever is written must read back.
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === 0 || (i > 0 && ids[i]! <= ids[i - 1]!)) throw new RaftError('CODEC', `node ids must be non-zero and distinct: ${ids.join(',')}`);
  }
  w.u32(ids.length);
  for (const id of ids) w.u53(id);
}

function readIds(r: Reader, what: string): number[] {
  const n = r.u32(`${what} count`);
  if (n * 8 > r.remaining) throw new RaftError('CODEC', `truncated ${what}`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.u53(what);
    if (id === 0) throw new RaftError('CODEC', `${what} contains node id 0`);
    if (i > 0 && id <= ids[i - 1]!) throw new RaftError('CODEC', `${what} not strictly ascending`);
    ids.push(id);
  }
  return ids;
}

export function writeConfState(w: Writer, c: ConfState): void {
  writeIds(w, [...c.voters].sort((a, b) => a - b));
  writeIds(w, [...c.learners].sort((a, b) => a - b));
}

export function readConfState(r: Reader): ConfState {
  return { voters: readIds(r, 'voters'), learners: readIds(r, 'learners') };
}

export function encodeConfState(c: ConfState): Uint8Array {
  const w = new Writer(64);
  writeConfState(w, c);
  return w.finish();
}

export function decodeConfState(b: Uint8Array): ConfState {
  const r = new Reader(b);
  const c = readConfState(r);
  r.end('conf state');
  return c;
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  if (cc.nodeId === 0) throw new RaftError('CODEC', 'conf change names node id 0');
  const type = enumValue(cc.type, ConfChangeType.AddVoter, 'conf change type');
  return new Writer(32 + cc.context.byteLength).u8(type).u53(cc.nodeId).bytes(cc.context).finish();
}

export function decodeConfChange(b: Uint8Array): ConfChange {
  const r = new Reader(b);
  const type = enumValue(r.u8('conf change type'), ConfChangeType.AddVoter, 'conf change type') as ConfChangeType;
  const nodeId = r.u53('conf change node id');
  if (nodeId === 0) throw new RaftError('CODEC', 'conf change names node id 0');
  const context = r.bytes('conf change context');
  r.end('conf change');
  return { type, nodeId, context };
}

// --- Snapshot ----------------------------------------------------------------------------

export function writeSnapshot(w: Writer, s: Snapshot): void {
  w.u53(s.metadata.index).u53(s.metadata.term);
  writeConfState(w, s.metadata.confState);
  w.bytes(s.data);
}

export function readSnapshot(r: Reader): Snapshot {
  const index = r.u53('snapshot index');
  const term = r.u53('snapshot term');
  const confState = readConfState(r);
  const data = r.bytes('snapshot data');
  return { metadata: { index, term, confState }, data };
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  const w = new Writer(64 + s.data.byteLength);
  writeSnapshot(w, s);
  return w.finish();
}

export function decodeSnapshot(b: Uint8Array): Snapshot {
  const r = new Reader(b);
  const s = readSnapshot(r);
  r.end('snapshot');
  return s;
}

// --- Message -----------------------------------------------------------------------------

export function writeMessage(w: Writer, m: Message): void {
  w.u8(enumValue(m.type, MESSAGE_TYPE_MAX, 'message type')).u53(m.to).u53(m.from).u53(m.term).u53(m.logTerm).u53(m.index).u53(m.commit);
  w.u8(m.reject ? 1 : 0).u53(m.rejectHint);
  w.u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot) {
    w.u8(1);
    writeSnapshot(w, m.snapshot);
  } else {
    w.u8(0);
  }
  w.bytes(m.context);
}

export function readMessage(r: Reader): Message {
  const type = enumValue(r.u8('message type'), MESSAGE_TYPE_MAX, 'message type') as MessageType;
  const to = r.u53('to');
  const from = r.u53('from');
  const term = r.u53('term');
  const logTerm = r.u53('logTerm');
  const index = r.u53('index');
  const commit = r.u53('commit');
  const reject = r.bool('reject');
  const rejectHint = r.u53('rejectHint');
  const n = r.u32('entry count');
  // Each entry takes at least 21 bytes: refuse counts the input cannot hold before allocating.
  if (n * 21 > r.remaining) throw new RaftError('CODEC', `entry count ${n} exceeds input`);
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) entries.push(readEntry(r));
  const snapshot = r.bool('has snapshot') ? readSnapshot(r) : null;
  const context = r.bytes('context');
  return { type, to, from, term, logTerm, index, entries, commit, reject, rejectHint, snapshot, context };
}

/**
 * An upper bound of a message's encoded size, so that encoders allocate once: a large append
 * batch would otherwise be copied several times as the buffer doubles (hot path).
 */
function maxEncodedBytes(m: Message): number {
  let n = 96 + m.context.byteLength;
  for (const e of m.entries) n += 24 + e.data.byteLength;
  const s = m.snapshot;
  if (s) n += 64 + 8 * (s.metadata.confState.voters.length + s.metadata.confState.learners.length) + s.data.byteLength;
  return n;
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer(maxEncodedBytes(m));
  writeMessage(w, m);
  return w.finish();
}

export function decodeMessage(b: Uint8Array): Message {
  const r = new Reader(b);
  const m = readMessage(r);
  r.end('message');
  return m;
}

/** Several messages in one frame (the transport batches per peer). */
export function encodeMessages(ms: readonly Message[]): Uint8Array {
  let size = 4;
  for (const m of ms) size += maxEncodedBytes(m);
  const w = new Writer(size);
  w.u32(ms.length);
  for (const m of ms) writeMessage(w, m);
  return w.finish();
}

export function decodeMessages(b: Uint8Array): Message[] {
  const r = new Reader(b);
  const n = r.u32('message count');
  if (n * 60 > r.remaining) throw new RaftError('CODEC', `message count ${n} exceeds input`);
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(readMessage(r));
  r.end('message batch');
  return out;
}
