// Lowe's memo table: the set of (linearized-ops bitset, model state) pairs already explored.
// Open addressing (linear probing) over a 32-bit combined hash; bitsets are copied into one growable
// word arena, so an entry costs `words*4` bytes plus a slot, a hash and a state reference (no
// per-entry typed-array allocation, which dominates run time otherwise).

export class MemoCache<S> {
  private slots: Int32Array; // entry index, or -1
  private hashes: Uint32Array; // per entry
  private arena: Uint32Array; // per entry: `words` words
  private readonly states: S[] = [];
  private count = 0;

  constructor(
    private readonly words: number,
    private readonly equal: (a: S, b: S) => boolean,
  ) {
    this.slots = new Int32Array(1024).fill(-1);
    this.hashes = new Uint32Array(512);
    this.arena = new Uint32Array(512 * Math.max(words, 1));
  }

  get size(): number {
    return this.count;
  }

  /** Inserts the pair unless an equal one is present; returns whether it was inserted. */
  add(hash: number, bits: Uint32Array, state: S): boolean {
    const w = this.words;
    let mask = this.slots.length - 1;
    let i = hash & mask;
    for (let e = this.slots[i]!; e !== -1; e = this.slots[i]!) {
      if (this.hashes[e] === hash && this.sameBits(e, bits) && this.equal(this.states[e]!, state)) return false;
      i = (i + 1) & mask;
    }
    const e = this.count++;
    if (e >= this.hashes.length) {
      const hashes = new Uint32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const arena = new Uint32Array(this.arena.length * 2);
      arena.set(this.arena);
      this.arena = arena;
    }
    this.hashes[e] = hash;
    this.arena.set(bits.subarray(0, w), e * w);
    this.states.push(state);
    this.slots[i] = e;
    if (this.count * 2 > this.slots.length) {
      const slots = new Int32Array(this.slots.length * 2).fill(-1);
      mask = slots.length - 1;
      for (let k = 0; k < this.count; k++) {
        let j = this.hashes[k]! & mask;
        while (slots[j] !== -1) j = (j + 1) & mask;
        slots[j] = k;
      }
      this.slots = slots;
    }
    return true;
  }

  private sameBits(e: number, bits: Uint32Array): boolean {
    const w = this.words;
    const base = e * w;
    for (let k = 0; k < w; k++) if (this.arena[base + k] !== bits[k]) return false;
    return true;
  }
}
