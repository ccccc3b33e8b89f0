/**
 * The Raft log as the core sees it: stable entries (read through RaftStorage) followed by
 * unstable ones, plus the commit and applied indexes.
 *
 * Invariants: applied <= committed <= lastIndex; firstIndex - 1 <= committed; entries are
 * contiguous and their terms never decrease.
 */
import { assert, RaftError } from './errors.js';
import { limitSize, type RaftStorage } from './storage.js';
import { Unstable } from './unstable.js';
import type { Entry, Snapshot } from './types.js';

export class RaftLog {
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(
    readonly storage: RaftStorage,
    private readonly maxApplyBytes: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    // Everything up to the snapshot is committed and applied by construction.
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.firstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** Term of entry i; throws COMPACTED / UNAVAILABLE when it is not held. */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new RaftError('COMPACTED', `term of ${i}: compacted to ${dummy}`);
    if (i > this.lastIndex()) throw new RaftError('UNAVAILABLE', `term of ${i}: last index ${this.lastIndex()}`);
    return this.unstable.term(i) ?? this.storage.term(i);
  }

  /** Term of entry i, or 0 when it is compacted away or beyond the log. */
  termOrZero(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return 0;
    return this.unstable.term(i) ?? this.storage.term(i);
  }

  matchTerm(i: number, t: number): boolean {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return false;
    return this.term(i) === t;
  }

  /** True if a log ending at (lastIndex, term) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries. Returns the index of the last new entry if the entry at
   * `index` has term `logTerm` (the consistency check), or null to reject.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      assert(conflict > this.committed, () => `entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    assert(after >= this.committed, () => `append after ${after} is below committed ${this.committed}`);
    assert(after <= this.lastIndex(), () => `append after ${after} leaves a gap (last ${this.lastIndex()})`);
    let prevTerm = after >= this.firstIndex() - 1 ? this.termOrZero(after) : 0;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      assert(e.index === after + 1 + i, 'append: entries not contiguous');
      assert(e.term >= prevTerm, () => `append: term decreases at ${e.index} (${e.term} < ${prevTerm})`);
      prevTerm = e.term;
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Index of the first entry that is new or whose term conflicts with ours; 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: where a leader with
   * an entry of `term` at `index` might find our logs agreeing (fast backtracking).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; ; i--) {
      const t = this.termOrZero(i);
      if (t <= term || i <= this.firstIndex() - 1) return { index: i, term: t };
    }
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  /** Committed entries not yet applied, bounded by maxApplyBytes (at least one). */
  nextCommittedEntries(): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, this.maxApplyBytes);
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return; // never decreases
    assert(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed && index >= this.applied, () =>
      `applied ${index} out of [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  /** Leader side: commit `maxIndex` if a quorum has it and it is of the current term (§5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from i on, bounded by maxBytes (at least one if any). */
  entries(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo <= hi, () => `slice: lo ${lo} > hi ${hi}`);
    if (lo < this.firstIndex()) throw new RaftError('COMPACTED', `slice from ${lo}: first index ${this.firstIndex()}`);
    assert(hi <= this.lastIndex() + 1, () => `slice to ${hi} beyond last index ${this.lastIndex()}`);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    const uOff = this.unstable.offset;
    if (lo < uOff) {
      ents = this.storage.entries(lo, Math.min(hi, uOff), maxBytes);
      // Storage returned fewer than asked (size limit): do not stitch unstable entries on.
      if (ents.length < Math.min(hi, uOff) - lo) return ents;
    }
    if (hi > uOff) {
      const u = this.unstable.slice(Math.max(lo, uOff), hi);
      ents = ents.length > 0 ? ents.concat(u) : u;
    }
    return limitSize(ents, maxBytes);
  }

  /** Every entry from firstIndex on (tests and checkers). */
  allEntries(): Entry[] {
    return this.entries(this.firstIndex(), Number.MAX_SAFE_INTEGER);
  }
}
