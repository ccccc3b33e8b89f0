/**
 * The shape of the log the WAL describes: which indexes exist and their terms, without the
 * entries' data. The writer uses it to refuse batches that would make the WAL unreadable (gaps,
 * decreasing terms) and to link segments; replay uses the very same rules, so what save()
 * accepts is exactly what open() can replay.
 *
 * Terms are stored as runs (first index of each term): a term changes only on elections, so
 * this stays tiny however long the log is.
 */
import { assert } from '@konsortium/raft';

interface Run {
  readonly start: number;
  readonly term: number;
}

/** Why an append does not fit; null when it does. */
export type AppendProblem = { kind: 'gap' | 'below-base' | 'term'; message: string } | null;

export class LogShape {
  /**
   * Index just before the first entry the WAL holds: 0 for a new log, a snapshot index after a
   * snapshot replaced the log, a segment's firstIndex - 1 once older segments are released.
   */
  private base: number;
  /** Term of the entry at `base`; null when the WAL does not know it. */
  private baseTerm: number | null;
  private last: number;
  /** Runs covering (base, last], ascending by start. */
  private runs: Run[] = [];

  /**
   * True when the base is only where the oldest retained segment began, not a snapshot: that
   * segment may itself hold entries that overwrote the log below its start (see checkAppend).
   */
  private segmentBase: boolean;

  constructor(base: number, baseTerm: number | null, segmentBase = false) {
    assert(Number.isSafeInteger(base) && base >= 0, () => `LogShape base ${base}`);
    this.base = base;
    this.baseTerm = base === 0 ? 0 : baseTerm;
    this.last = base;
    this.segmentBase = segmentBase && base > 0;
  }

  clone(): LogShape {
    const c = new LogShape(this.base, this.baseTerm, this.segmentBase);
    c.last = this.last;
    c.runs = this.runs.slice();
    return c;
  }

  firstIndex(): number {
    return this.base + 1;
  }

  baseIndex(): number {
    return this.base;
  }

  lastIndex(): number {
    return this.last;
  }

  /** The term of entry i: a number, null if i is the base and its term unknown, undefined if out of range. */
  termAt(i: number): number | null | undefined {
    if (i === this.base) return this.baseTerm;
    if (i < this.base || i > this.last) return undefined;
    let lo = 0;
    let hi = this.runs.length - 1;
    // Binary search for the last run starting at or before i.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runs[mid]!.start <= i) lo = mid;
      else hi = mid - 1;
    }
    const run = this.runs[lo];
    assert(run !== undefined && run.start <= i, () => `termAt(${i}): no run`);
    return run.term;
  }

  /**
   * Whether entry (index, term) may be appended. `lowerSegmentBase` (replay only): a segment
   * starts at the log's last index + 1 but a later overwrite can reach below that; once older
   * segments are released, such entries sit below the base the oldest segment claims, and they
   * are legitimate (releaseTo only drops segments whose live entries are all older).
   */
  checkAppend(index: number, term: number, lowerSegmentBase = false): AppendProblem {
    if (index > this.last + 1) {
      return { kind: 'gap', message: `entry ${index} leaves a gap after last index ${this.last}` };
    }
    if (index < 1) return { kind: 'below-base', message: `entry index ${index} < 1` };
    if (index <= this.base && !(lowerSegmentBase && this.segmentBase)) {
      // A new leader only rewrites uncommitted entries, and everything at or below the base
      // is covered by a snapshot or a released segment, hence committed.
      return { kind: 'below-base', message: `entry ${index} at or below the log's base ${this.base}` };
    }
    const prev = this.termAt(index - 1);
    if (prev !== null && prev !== undefined && term < prev) {
      // Raft's Log Matching: terms never decrease along the log.
      return { kind: 'term', message: `entry ${index} has term ${term} below its predecessor's ${prev}` };
    }
    return null;
  }

  /** Appends entry (index, term), first dropping any suffix from index on (an overwrite). */
  append(index: number, term: number, lowerSegmentBase = false): void {
    const problem = this.checkAppend(index, term, lowerSegmentBase);
    assert(problem === null, () => `append: ${problem?.message}`);
    if (index <= this.base) {
      // Overwrite below the oldest segment's start: the log now begins just before index.
      this.base = index - 1;
      this.baseTerm = this.base === 0 ? 0 : null;
      this.runs = [];
      this.last = this.base;
    }
    while (this.runs.length > 0 && this.runs[this.runs.length - 1]!.start >= index) this.runs.pop();
    // Runs cover (base, last] exactly: the first entry after the base always opens one.
    const lastRun = this.runs[this.runs.length - 1];
    if (lastRun === undefined || lastRun.term !== term) this.runs.push({ start: index, term });
    this.last = index;
  }

  /**
   * A snapshot (index, term) became the node's state. Like MemoryStorage.applySnapshot after
   * raft's restore: if the log already holds that entry with that term, the log is consistent
   * with the snapshot and stays (a locally taken snapshot); otherwise the snapshot replaces the
   * whole log. Snapshots older than the base say nothing new.
   */
  applySnapshot(index: number, term: number): 'stale' | 'kept' | 'reset' {
    if (index < this.base) return 'stale';
    if (index === this.base && this.baseTerm === null) {
      this.baseTerm = term;
      return 'kept';
    }
    if (this.termAt(index) === term) return 'kept';
    this.base = index;
    this.baseTerm = term;
    this.last = index;
    this.runs = [];
    this.segmentBase = false;
    return 'reset';
  }
}
