/**
 * Canonical binary encoding shared by every wire format of the ledger. Integers are fixed-width
 * big-endian and strings are length-prefixed strict UTF-8, so each value has exactly one
 * encoding; readers refuse truncated input, trailing bytes and invalid UTF-8. That is what makes
 * "the id of a transaction is the hash of its bytes" well defined.
 */
import { malformed, ProtocolError } from './errors.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Strict UTF-8 decoding: invalid sequences throw MALFORMED (never replaced by U+FFFD). */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw malformed('invalid UTF-8');
  }
}

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, 64);
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    checkUint(v, 0xff, 'u8');
    this.reserve(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    checkUint(v, 0xffff, 'u16');
    this.reserve(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    checkUint(v, 0xffffffff, 'u32');
    this.reserve(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  /** A u64 limited to Number.MAX_SAFE_INTEGER, so JavaScript callers never lose precision. */
  u64(v: number): this {
    checkUint(v, Number.MAX_SAFE_INTEGER, 'u64');
    this.reserve(8);
    this.view.setUint32(this.pos, Math.floor(v / 2 ** 32));
    this.view.setUint32(this.pos + 4, v >>> 0);
    this.pos += 8;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** Bytes of a known fixed length (hashes): no prefix. */
  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) throw new ProtocolError('INVALID_FIELD', `expected ${length} bytes, got ${bytes.length}`);
    return this.raw(bytes);
  }

  bytes8(bytes: Uint8Array): this {
    return this.u8(lengthOf(bytes, 0xff)).raw(bytes);
  }

  bytes16(bytes: Uint8Array): this {
    return this.u16(lengthOf(bytes, 0xffff)).raw(bytes);
  }

  bytes32(bytes: Uint8Array): this {
    return this.u32(lengthOf(bytes, 0xffffffff)).raw(bytes);
  }

  str8(s: string): this {
    return this.bytes8(utf8(s));
  }

  get length(): number {
    return this.pos;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw malformed(`truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(what = 'u64'): number {
    this.need(8, what);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    if (hi > 0x1fffff) throw malformed(`${what} above 2^53 - 1`);
    this.pos += 8;
    return hi * 2 ** 32 + lo;
  }

  /** A view (no copy) of the next n bytes. */
  raw(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes8(what?: string): Uint8Array {
    return this.raw(this.u8(what), what);
  }

  bytes16(what?: string): Uint8Array {
    return this.raw(this.u16(what), what);
  }

  bytes32(what?: string): Uint8Array {
    return this.raw(this.u32(what), what);
  }

  str8(what?: string): string {
    return fromUtf8(this.bytes8(what));
  }

  /** Refuses trailing bytes: one value, one encoding. */
  end(what: string): void {
    if (this.pos !== this.buf.length) throw malformed(`${this.remaining} trailing bytes after ${what}`);
  }
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new ProtocolError('INVALID_FIELD', `${what} out of range: ${v}`);
}

function lengthOf(bytes: Uint8Array, max: number): number {
  if (bytes.length > max) throw new ProtocolError('TOO_LARGE', `${bytes.length} bytes do not fit a length prefix of max ${max}`);
  return bytes.length;
}
