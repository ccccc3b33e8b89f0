/**
 * Which shard of a sharded registry an id belongs to. A registry that would otherwise be one
 * state value growing with every member (an asset's owners) is kept as a fixed number of
 * bucket values instead, so a write touches one small bucket, while a reader can still prove the
 * whole registry at a height: it reads every bucket, and each entry must sit in its own one.
 * Contracts, nodes and clients compute the bucket the same way: FNV-1a (32-bit) over the id's
 * UTF-8 bytes, modulo the bucket count.
 */
import { utf8 } from './bytes.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function registryBucket(id: string, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 65_536) throw new RangeError(`bucket count must be 1..65536, got ${buckets}`);
  let h = FNV_OFFSET;
  for (const b of utf8(id)) h = Math.imul(h ^ b, FNV_PRIME) >>> 0;
  return h % buckets;
}
