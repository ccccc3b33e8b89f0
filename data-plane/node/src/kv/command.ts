/**
 * The KV state machine's commands as Raft entry data. Compact and cheap to encode, since one
 * entry is written per PUT on the hot path:
 *
 *   Put   u8 op = 1 | u16 key length | key (UTF-8) | value (UTF-8, the rest)
 *
 * An empty entry is the leader's no-op. Decoding is strict and returns null for anything it
 * does not know, which every replica then ignores alike (apply must stay deterministic).
 */
export const OP_PUT = 1;
export const MAX_KEY_BYTES_ENCODABLE = 0xffff;

export interface PutCommand {
  readonly op: typeof OP_PUT;
  readonly key: string;
  readonly value: string;
  /** UTF-8 sizes, known from the encoding for free. */
  readonly keyBytes: number;
  readonly valueBytes: number;
}

export type KvCommand = PutCommand;

/** Encodes a put. The caller checked the key and value sizes (see limits in http/). */
export function encodePut(key: string, value: string): Buffer {
  const keyBytes = Buffer.byteLength(key, 'utf8');
  if (keyBytes > MAX_KEY_BYTES_ENCODABLE) throw new RangeError(`key of ${keyBytes} bytes cannot be encoded`);
  const valueBytes = Buffer.byteLength(value, 'utf8');
  const out = Buffer.allocUnsafe(3 + keyBytes + valueBytes);
  out[0] = OP_PUT;
  out.writeUInt16BE(keyBytes, 1);
  out.write(key, 3, keyBytes, 'utf8');
  out.write(value, 3 + keyBytes, valueBytes, 'utf8');
  return out;
}

export function decodeCommand(data: Uint8Array): KvCommand | null {
  if (data.byteLength < 3 || data[0] !== OP_PUT) return null;
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const keyBytes = b.readUInt16BE(1);
  if (3 + keyBytes > b.length) return null;
  const key = b.toString('utf8', 3, 3 + keyBytes);
  return { op: OP_PUT, key, value: b.toString('utf8', 3 + keyBytes), keyBytes, valueBytes: b.length - 3 - keyBytes };
}
