/**
 * New blocks as they are appended, for event streams. Subscribers get each block once, in
 * height order; a slow subscriber is cut off (it reconnects and resumes from its height)
 * rather than buffered without bound.
 */
import type { Block } from '@konsortium/protocol';

export type BlockListener = (block: Block) => void;

export class BlockFeed {
  private readonly listeners = new Set<BlockListener>();

  get subscribers(): number {
    return this.listeners.size;
  }

  subscribe(l: BlockListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  publish(block: Block): void {
    for (const l of this.listeners) l(block);
  }
}
