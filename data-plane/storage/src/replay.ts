/**
 * Turns the verified records of the segments, in order, into the state the node restarts from:
 * the last hard state, the entries after the requested snapshot (overwrites resolved), and the
 * newest snapshot marker at or before it.
 *
 * Every record here has already passed its checksum, so anything that does not make sense
 * (a header in the middle of a segment, an undecodable payload, a gap) is not a torn write but
 * corruption or a bug, and is thrown, never skipped.
 */
import {
  assert,
  decodeEntry,
  decodeHardState,
  EMPTY_HARD_STATE,
  type Entry,
  type HardState,
  type SnapshotMetadata,
} from '@konsortium/raft';
import { StorageError } from './errors.js';
import { LogShape } from './log-shape.js';
import { decodeLogReset, decodeSnapshotMarker, type SegmentHeader } from './payload.js';
import { RecordType, type ScannedRecord } from './record.js';

export interface ReplayResult {
  readonly hardState: HardState;
  readonly entries: Entry[];
  readonly snapshot: SnapshotMetadata | null;
  /** The log's shape after replay, including the requested snapshot: the writer continues from it. */
  readonly shape: LogShape;
  /** The requested snapshot replaced the WAL's log: a LogReset record must be written so the next replay agrees. */
  readonly needsReset: boolean;
}

export class Replayer {
  private shape: LogShape | null = null;
  private hardState: HardState = EMPTY_HARD_STATE;
  private marker: SnapshotMetadata | null = null;
  /**
   * Entries with index > snap.index, kept[i] at index snap.index + 1 + i. Whenever the log's
   * base is at or below snap.index, kept mirrors exactly the log's entries above snap.index;
   * while the base is above it (a newer snapshot replaced the log), kept is meaningless and
   * finish() fails anyway.
   */
  private kept: Entry[] = [];
  private where = '';

  constructor(private readonly snap: { readonly index: number; readonly term: number }) {}

  /** Starts a segment; `prevCrc` is the crc the previous segment ended with (null for the first). */
  startSegment(file: string, header: SegmentHeader, prevCrc: number | null): void {
    this.where = file;
    if (this.shape === null) {
      const base = header.firstIndex - 1;
      this.shape = new LogShape(base, header.prevTerm === 0 ? null : header.prevTerm, true);
      return;
    }
    const last = this.shape.lastIndex();
    if (header.firstIndex !== last + 1) {
      throw this.corrupt(0, `segment starts at index ${header.firstIndex} but the log before it ends at ${last}`);
    }
    const term = this.shape.termAt(last);
    if (header.prevTerm !== 0 && term !== null && term !== undefined && term !== header.prevTerm) {
      throw this.corrupt(0, `segment says entry ${last} has term ${header.prevTerm}, the log says ${term}`);
    }
    if (prevCrc !== null && header.prevCrc !== prevCrc) {
      throw this.corrupt(0, `crc chain broken: previous segment ends with ${prevCrc}, header links ${header.prevCrc}`);
    }
  }

  apply(rec: ScannedRecord): void {
    const shape = this.shape;
    assert(shape !== null, 'Replayer.apply before startSegment');
    switch (rec.type) {
      case RecordType.SegmentHeader:
        throw this.corrupt(rec.offset, 'segment header in the middle of a segment');
      case RecordType.HardState:
        this.hardState = this.decode(rec, decodeHardState);
        return;
      case RecordType.Entry:
        this.appendEntry(shape, rec);
        return;
      case RecordType.Snapshot: {
        const m = this.decode(rec, decodeSnapshotMarker);
        if (m.index <= this.snap.index && (this.marker === null || m.index >= this.marker.index)) this.marker = m;
        this.applySnapshot(shape, m.index, m.term);
        return;
      }
      case RecordType.LogReset: {
        const r = this.decode(rec, decodeLogReset);
        this.applySnapshot(shape, r.index, r.term);
        return;
      }
    }
  }

  /** Applies the requested snapshot on top of the replayed log (as raft's restore would). */
  finish(): ReplayResult {
    const shape = this.shape;
    assert(shape !== null, 'Replayer.finish without segments');
    const { index, term } = this.snap;
    if (index < shape.baseIndex()) {
      throw new StorageError(
        'WAL_GAP',
        `the WAL begins after index ${shape.baseIndex()} (released segments or a newer snapshot replaced the log), ` +
          `so it cannot continue snapshot ${index}: entries ${index + 1}..${shape.baseIndex()} are missing; load a newer snapshot`,
      );
    }
    const outcome = shape.applySnapshot(index, term);
    assert(outcome !== 'stale', 'finish: snapshot below base');
    if (outcome === 'reset') this.kept = [];
    assert(this.kept.length === shape.lastIndex() - index, () => `replay kept ${this.kept.length} entries, log has ${shape.lastIndex() - index}`);
    for (let i = 0; i < this.kept.length; i++) {
      assert(this.kept[i]!.index === index + 1 + i, 'replay: kept entries not contiguous');
    }
    return { hardState: this.hardState, entries: this.kept, snapshot: this.marker, shape, needsReset: outcome === 'reset' };
  }

  private appendEntry(shape: LogShape, rec: ScannedRecord): void {
    const e = this.decode(rec, decodeEntry);
    const problem = shape.checkAppend(e.index, e.term, true);
    if (problem !== null) {
      const code = problem.kind === 'gap' ? 'WAL_GAP' : 'WAL_CORRUPT';
      throw new StorageError(code, `${this.where} at offset ${rec.offset}: ${problem.message}`);
    }
    shape.append(e.index, e.term, true);
    const s = this.snap.index;
    const pos = e.index - s - 1; // position of e in kept
    if (pos < 0) {
      this.kept.length = 0; // e overwrote everything above the snapshot
      return;
    }
    if (this.kept.length > pos) this.kept.length = pos; // overwrite: drop the suffix from e on
    // Decoded data is a view into the whole segment buffer: copy so the buffer can be freed
    // (new Uint8Array(view) copies; Buffer#slice would not).
    if (this.kept.length === pos) this.kept.push({ ...e, data: new Uint8Array(e.data) });
  }

  private applySnapshot(shape: LogShape, index: number, term: number): void {
    if (shape.applySnapshot(index, term) === 'reset') this.kept = [];
  }

  private decode<T>(rec: ScannedRecord, fn: (b: Uint8Array) => T): T {
    try {
      return fn(rec.payload);
    } catch (err) {
      throw new StorageError('WAL_CORRUPT', `${this.where} at offset ${rec.offset}: undecodable ${RecordType[rec.type]} record: ${String(err)}`, {
        cause: err,
      });
    }
  }

  private corrupt(offset: number, message: string): StorageError {
    return new StorageError('WAL_CORRUPT', `${this.where} at offset ${offset}: ${message}`);
  }
}
