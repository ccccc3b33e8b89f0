/**
 * A bounded cache of SMT nodes by hex hash, approximating LRU with two generations: hits and
 * inserts go to the young map; when it is full it becomes the old map (the previous old one is
 * dropped). A hit in the old map is promoted. At most `capacity` entries are held, and no hit
 * pays for list maintenance (a Map-based exact LRU deletes and re-inserts on every hit).
 * Nodes are content-addressed and immutable, so a cached node is never stale.
 */
export class NodeCache {
  private young = new Map<string, Uint8Array>();
  private old = new Map<string, Uint8Array>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: string): Uint8Array | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: string, node: Uint8Array): void {
    this.young.set(key, node);
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}
