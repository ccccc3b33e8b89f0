/**
 * A small seeded PRNG (SplitMix32-style mixing over a 32-bit state) for tests and the
 * simulator. Deterministic across platforms; not for cryptography.
 */
import { assert } from './errors.js';
import type { Random } from './types.js';

export class SeededRandom implements Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned value. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  int(maxExclusive: number): number {
    assert(Number.isInteger(maxExclusive) && maxExclusive > 0, () => `int(${maxExclusive})`);
    return this.nextU32() % maxExclusive;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A new independent generator derived from this one (for per-component streams). */
  fork(): SeededRandom {
    return new SeededRandom(this.nextU32() ^ 0x5bd1e995);
  }
}
