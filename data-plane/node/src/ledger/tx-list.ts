/** A list of transaction envelopes in one body (bulk submit, forwarding): u32 count | count × bytes32. */
import { ByteReader, ByteWriter } from '@konsortium/protocol';

export function encodeTxList(txs: readonly Uint8Array[]): Uint8Array {
  let size = 4;
  for (const t of txs) size += 4 + t.length;
  const w = new ByteWriter(size).u32(txs.length);
  for (const t of txs) w.bytes32(t);
  return w.finish();
}

/** Strict; throws ProtocolError MALFORMED. */
export function decodeTxList(data: Uint8Array, maxCount: number): Uint8Array[] {
  const r = new ByteReader(data);
  const n = r.u32('count');
  if (n > maxCount || n > r.remaining / 4) throw Object.assign(new Error(`transaction list of ${n} entries (max ${maxCount})`), { code: 'MALFORMED' });
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.bytes32('transaction'));
  r.end('transaction list');
  return out;
}
