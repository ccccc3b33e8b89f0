/**
 * The core's read-only view of the stable log, and an in-memory implementation.
 *
 * Ownership: the environment writes stable storage (WAL on disk) and mirrors what it has made
 * durable into a `MemoryStorage`, which the core reads. The core never writes it. Entries the
 * core has produced but the environment has not persisted yet live in the core's unstable log.
 */
import { assert, RaftError } from './errors.js';
import {
  type ConfState,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  type Entry,
  EntryType,
  entrySize,
  type HardState,
  type Snapshot,
} from './types.js';

export interface RaftStorage {
  /** The persisted hard state and the configuration as of the last snapshot or conf change. */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries in [lo, hi), at least one if any exist, then as many as fit in `maxBytes`.
   * Throws COMPACTED if lo is at or below the snapshot index, UNAVAILABLE if hi > lastIndex+1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i; i may be the snapshot index. Throws COMPACTED / UNAVAILABLE. */
  term(i: number): number;
  lastIndex(): number;
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  /** The most recent snapshot. May throw SNAPSHOT_TEMPORARILY_UNAVAILABLE. */
  snapshot(): Snapshot;
}

export function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n]!);
    if (size > maxBytes) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}

export class MemoryStorage implements RaftStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = { metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE }, data: EMPTY_BYTES };
  /** ents[0] is a placeholder for the snapshot's (index, term); real entries follow. */
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(h: HardState): void {
    this.hardState = h;
  }

  private offset(): number {
    return this.ents[0]!.index;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new RaftError('COMPACTED', `entries from ${lo}: log compacted up to ${offset}`);
    if (hi > this.lastIndex() + 1) {
      throw new RaftError('UNAVAILABLE', `entries up to ${hi - 1}: last index is ${this.lastIndex()}`);
    }
    assert(lo <= hi, () => `entries: lo ${lo} > hi ${hi}`);
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(i: number): number {
    const offset = this.offset();
    if (i < offset) throw new RaftError('COMPACTED', `term of ${i}: log compacted up to ${offset}`);
    if (i - offset >= this.ents.length) throw new RaftError('UNAVAILABLE', `term of ${i}: beyond last index`);
    return this.ents[i - offset]!.term;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the contents with a snapshot (a follower installing one, or a restart). */
  applySnapshot(s: Snapshot): void {
    if (s.metadata.index < this.snap.metadata.index) {
      throw new RaftError('SNAPSHOT_OUT_OF_DATE', `snapshot at ${s.metadata.index} older than ${this.snap.metadata.index}`);
    }
    this.snap = s;
    this.ents = [{ term: s.metadata.term, index: s.metadata.index, type: EntryType.Normal, data: EMPTY_BYTES }];
  }

  /**
   * Records a snapshot of the state machine at `index` (which must be applied, so <= commit)
   * without discarding log entries; call `compact` to discard.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) {
      throw new RaftError('SNAPSHOT_OUT_OF_DATE', `snapshot at ${index} not newer than ${this.snap.metadata.index}`);
    }
    assert(index <= this.lastIndex(), () => `createSnapshot ${index} beyond last index ${this.lastIndex()}`);
    this.snap = { metadata: { index, term: this.term(index), confState }, data };
    return this.snap;
  }

  /** Discards entries up to and including `compactIndex`. */
  compact(compactIndex: number): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new RaftError('COMPACTED', `compact ${compactIndex}: already compacted to ${offset}`);
    assert(compactIndex <= this.lastIndex(), () => `compact ${compactIndex} beyond last index ${this.lastIndex()}`);
    const i = compactIndex - offset;
    const head = this.ents[i]!;
    this.ents = [{ term: head.term, index: head.index, type: EntryType.Normal, data: EMPTY_BYTES }, ...this.ents.slice(i + 1)];
  }

  /**
   * Appends entries made durable, truncating any conflicting suffix (a new leader may
   * overwrite an uncommitted tail). Entries at or below the snapshot are ignored.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    let ents = entries;
    if (ents[ents.length - 1]!.index < first) return;
    if (ents[0]!.index < first) ents = ents.slice(first - ents[0]!.index);
    for (let i = 1; i < ents.length; i++) {
      assert(ents[i]!.index === ents[i - 1]!.index + 1, 'append: entries not contiguous');
    }
    const offset = ents[0]!.index - this.offset();
    assert(offset <= this.ents.length, () => `append: gap, last index ${this.lastIndex()}, appending ${ents[0]!.index}`);
    if (offset < this.ents.length) this.ents.length = offset;
    for (const e of ents) this.ents.push(e);
  }
}
