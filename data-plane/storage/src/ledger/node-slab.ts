/** Size of an SMT node: a tag byte and two 32-byte hashes. */
export const SMT_NODE_BYTES = 65;

/**
 * Hands out 65-byte node buffers as views into shared slabs: a typed array over 64 bytes gets
 * its own off-heap backing store, and thousands of those per block cost more in allocation and
 * GC than the hashing. Nodes are immutable, so sharing a slab is safe.
 */
export class NodeSlab {
  private slab = new Uint8Array(0);
  private used = 0;

  constructor(private readonly nodesPerSlab: number) {}

  next(): Uint8Array {
    if (this.used + SMT_NODE_BYTES > this.slab.length) {
      this.slab = new Uint8Array(SMT_NODE_BYTES * this.nodesPerSlab);
      this.used = 0;
    }
    const node = this.slab.subarray(this.used, this.used + SMT_NODE_BYTES);
    this.used += SMT_NODE_BYTES;
    return node;
  }
}
