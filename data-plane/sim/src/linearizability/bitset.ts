// A fixed-size bitset over operation ids, used as the "which operations are linearized" half of the
// Wing–Gong/Lowe memo key. The hash is maintained incrementally (Zobrist style: XOR of a fixed
// pseudo-random word per set bit), so set/clear/hash are all O(1); equality is O(words).

/** murmur3's 32-bit finaliser: a fixed bijective mix, so per-bit keys are deterministic. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function bitKey(i: number): number {
  return fmix32(Math.imul(i + 1, 0x9e3779b9));
}

export class Bitset {
  readonly words: Uint32Array;
  private h = 0;

  constructor(readonly size: number, words?: Uint32Array, hash?: number) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
    this.h = hash ?? 0;
  }

  has(i: number): boolean {
    return ((this.words[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
  }

  set(i: number): void {
    const w = i >>> 5;
    const m = 1 << (i & 31);
    const old = this.words[w] ?? 0;
    if ((old & m) === 0) {
      this.words[w] = old | m;
      this.h = (this.h ^ bitKey(i)) >>> 0;
    }
  }

  clear(i: number): void {
    const w = i >>> 5;
    const m = 1 << (i & 31);
    const old = this.words[w] ?? 0;
    if ((old & m) !== 0) {
      this.words[w] = old & ~m;
      this.h = (this.h ^ bitKey(i)) >>> 0;
    }
  }

  /** 32-bit hash of the set contents (equal sets have equal hashes). */
  hash(): number {
    return this.h;
  }

  equals(other: Bitset): boolean {
    if (other.size !== this.size || other.h !== this.h) return false;
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  clone(): Bitset {
    return new Bitset(this.size, this.words.slice(), this.h);
  }

  count(): number {
    let n = 0;
    for (const w of this.words) {
      let v = w - ((w >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
    }
    return n;
  }
}
