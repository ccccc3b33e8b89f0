/**
 * Raft snapshot data of a node: the runtime's own state (KV records and member addresses,
 * kv/snapshot-format.ts) and, when a replicated service is plugged in (a channel ledger), its
 * state too:
 *
 *   u32 magic 'KSN1' | u32 kv length | kv bytes | extension bytes (the rest)
 *
 * Data that starts with the KV magic is a plain KV snapshot (no extension).
 */
const MAGIC = 0x4b534e31; // 'KSN1'

export interface SnapshotParts {
  readonly kv: Uint8Array;
  readonly extension: Uint8Array | null;
}

export function composeSnapshot(kv: Uint8Array, extension: Uint8Array | null): Uint8Array {
  if (extension === null) return kv;
  const out = Buffer.allocUnsafe(8 + kv.length + extension.length);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(kv.length, 4);
  out.set(kv, 8);
  out.set(extension, 8 + kv.length);
  return out;
}

export function splitSnapshot(data: Uint8Array): SnapshotParts {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length < 8 || b.readUInt32BE(0) !== MAGIC) return { kv: data, extension: null };
  const kvLength = b.readUInt32BE(4);
  if (8 + kvLength > b.length) throw new Error('snapshot envelope truncated');
  return { kv: data.subarray(8, 8 + kvLength), extension: data.subarray(8 + kvLength) };
}
