/**
 * The write-ahead log of a Raft node: hard states, entries and snapshot markers appended to
 * segment files with chained checksums (format: record.ts, payload.ts, segment.ts), fsynced
 * by group commit (group-commit.ts), replayed on open (replay.ts).
 *
 * Fault model. A crash may leave the last segment with a torn tail (a partial or garbled last
 * write that was never acknowledged); open cuts it off at the end of the last good record and
 * reports it. Everything before that was fsynced before any save() resolved, and earlier
 * segments are fsynced before the next one is created, so a bad record anywhere else is
 * corruption of acknowledged data and open refuses with WAL_CORRUPT rather than lose it
 * silently. Open does not modify the disk unless it succeeds. A failed write or fsync poisons
 * the Wal (WAL_FAILED): after a failed fsync the page cache may already have dropped the dirty
 * pages, so retrying could report success for lost data; the node must restart and replay.
 *
 * One process per directory: a Wal refuses a directory already open in this process
 * (WAL_LOCKED); excluding other processes is the deployment's job (one pod, one volume).
 */
import { open as openFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  assert,
  EMPTY_HARD_STATE,
  encodeEntry,
  encodeHardState,
  type Entry,
  type HardState,
  isEmptyHardState,
  RaftError,
  type SnapshotMetadata,
} from '@konsortium/raft';
import { StorageError } from './errors.js';
import { ensureDir, syncDir, writeFully } from './fsutil.js';
import { GroupCommit } from './group-commit.js';
import { LogShape } from './log-shape.js';
import { encodeLogReset, encodeSnapshotMarker } from './payload.js';
import { frameRecords, type RecordInput, recordSize, RecordType } from './record.js';
import { recoverSegments } from './recover.js';
import { createSegment, listSegments, type OpenSegment, type SegmentFile } from './segment.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Cap on one group's write buffer, so a burst does not become one giant allocation. */
const MAX_GROUP_BYTES = 16 * 1024 * 1024;

export interface WalOptions {
  /** Created if missing. */
  dir: string;
  /** Roll to a new segment file past this size; default 64 MiB. */
  segmentBytes?: number;
  /** Default true; false only in tests that do not test durability. */
  fsync?: boolean;
  /** Default 64 MiB; a larger record on disk is corruption, a larger one to save is refused. */
  maxRecordBytes?: number;
}

export interface WalReplay {
  /** EMPTY_HARD_STATE if none. */
  hardState: HardState;
  /** Entries after the snapshot index, overwrites resolved, contiguous. */
  entries: Entry[];
  /** Newest snapshot marker found at or before the requested snapshot. */
  snapshot: SnapshotMetadata | null;
  /** Bytes of torn/corrupt tail cut off during open (0 normally). */
  truncatedBytes: number;
  truncatedReason: string | null;
}

export interface SaveBatch {
  hardState: HardState | null;
  entries: readonly Entry[];
  snapshot?: SnapshotMetadata | null;
}

export interface WalStats {
  /** Segment files currently in the directory. */
  segments: number;
  /** Bytes written since open (records, segment headers included). */
  bytesWritten: number;
  /** fsyncs of segment files since open. */
  fsyncs: number;
  /** fsyncs of the directory since open (segment creation, release, repair). */
  dirSyncs: number;
  /** save() calls written. */
  batches: number;
  /** Records written (segment headers included). */
  records: number;
  /** Flushes: each is one write(2) of one or more batches. */
  groups: number;
}

interface Pending {
  readonly records: RecordInput[];
  readonly bytes: number;
  readonly sync: boolean;
  /** The log's last index and its term once this batch is written (for segment headers). */
  readonly lastAfter: number;
  readonly lastTermAfter: number | null;
  readonly hardState: HardState | null;
}

interface Active {
  file: SegmentFile;
  fh: OpenSegment['fh'];
  size: number;
  /** Where the segment's header (and hard-state copy) ends: a segment is never rolled before holding more. */
  headerEnd: number;
  crc: number;
  /** Bytes written but not yet fsynced. */
  dirty: boolean;
}

/** Directories open in this process (see the file comment). */
const openDirs = new Set<string>();

type Resolved = Required<WalOptions>;

function resolveOptions(opts: WalOptions): Resolved {
  const r: Resolved = {
    dir: path.resolve(opts.dir),
    segmentBytes: opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
    fsync: opts.fsync ?? true,
    maxRecordBytes: opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
  };
  for (const k of ['segmentBytes', 'maxRecordBytes'] as const) {
    if (!Number.isSafeInteger(r[k]) || r[k] <= 0) throw new StorageError('INVALID_ARGUMENT', `${k} must be a positive integer, got ${r[k]}`);
  }
  if (r.maxRecordBytes >= 2 ** 32) throw new StorageError('INVALID_ARGUMENT', 'maxRecordBytes must fit the u32 length field');
  return r;
}

export class Wal {
  private readonly committer: GroupCommit<Pending>;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;
  private failure: StorageError | null = null;
  /** Serializes releaseTo calls; unlinks must happen oldest first. */
  private releasing: Promise<void> = Promise.resolve();
  /** The log's shape including every accepted save (queued or written): validates new saves. */
  private shape: LogShape;
  /** State as of the records written so far: what a new segment's header must say. */
  private written: { last: number; lastTerm: number | null; hardState: HardState };
  private readonly st: WalStats;

  private constructor(
    private readonly opts: Resolved,
    private readonly segments: SegmentFile[],
    private active: Active,
    shape: LogShape,
    hardState: HardState,
    initialStats: { fsyncs: number; dirSyncs: number; bytesWritten: number; records: number },
  ) {
    this.shape = shape;
    const last = shape.lastIndex();
    this.written = { last, lastTerm: shape.termAt(last) ?? null, hardState };
    this.st = { segments: 0, batches: 0, groups: 0, ...initialStats };
    this.committer = new GroupCommit((items) => this.flush(items), {
      sizeOf: (p) => p.bytes,
      maxGroupBytes: MAX_GROUP_BYTES,
    });
  }

  /**
   * Opens (or creates) the WAL in `dir` and replays it on top of `fromSnapshot` (the snapshot the
   * node loaded; null for none). Throws WAL_CORRUPT / WAL_GAP when the WAL cannot be replayed
   * without losing acknowledged data; the disk is then left untouched.
   */
  static async open(options: WalOptions & { fromSnapshot?: { index: number; term: number } | null }): Promise<{ wal: Wal; replay: WalReplay }> {
    const opts = resolveOptions(options);
    const snap = options.fromSnapshot ?? { index: 0, term: 0 };
    if (!Number.isSafeInteger(snap.index) || snap.index < 0 || !Number.isSafeInteger(snap.term) || snap.term < 0) {
      throw new StorageError('INVALID_ARGUMENT', `bad fromSnapshot ${JSON.stringify(snap)}`);
    }
    if (openDirs.has(opts.dir)) throw new StorageError('WAL_LOCKED', `${opts.dir} is already open in this process`);
    openDirs.add(opts.dir);
    try {
      return await Wal.openLocked(opts, { index: snap.index, term: snap.term });
    } catch (err) {
      openDirs.delete(opts.dir);
      throw err;
    }
  }

  private static async openLocked(opts: Resolved, snap: { index: number; term: number }): Promise<{ wal: Wal; replay: WalReplay }> {
    const { dir, fsync } = opts;
    await ensureDir(dir, fsync);
    const { segments, temps } = await listSegments(dir);
    const counters = { fsyncs: 0, dirSyncs: 0, bytesWritten: 0, records: 0 };

    // Leftover temp segments never got a name: they hold nothing acknowledged.
    const cleanTemps = async (): Promise<void> => {
      for (const t of temps) await unlink(path.join(dir, t));
      if (temps.length > 0 && fsync) {
        await syncDir(dir);
        counters.dirSyncs++;
      }
    };

    if (segments.length === 0) {
      await cleanTemps();
      const seg = await createSegment(dir, { seq: 1, firstIndex: snap.index + 1, prevTerm: snap.term, prevCrc: 0 }, [], fsync);
      counters.fsyncs += seg.fileSyncs;
      counters.dirSyncs += seg.dirSyncs;
      counters.bytesWritten += seg.size;
      counters.records += 1;
      const shape = new LogShape(snap.index, snap.index === 0 ? 0 : snap.term);
      const active: Active = { file: seg.file, fh: seg.fh, size: seg.size, headerEnd: seg.size, crc: seg.crc, dirty: false };
      const wal = new Wal(opts, [seg.file], active, shape, EMPTY_HARD_STATE, counters);
      return { wal, replay: { hardState: EMPTY_HARD_STATE, entries: [], snapshot: null, truncatedBytes: 0, truncatedReason: null } };
    }

    // Read and verify everything before touching the disk.
    const { result, tail } = await recoverSegments(dir, segments, snap, opts.maxRecordBytes);

    // Verified: now repair and continue appending at the end of the last good record.
    await cleanTemps();
    const last = segments[segments.length - 1]!;
    const fh = await openFile(path.join(dir, last.name), 'r+');
    const active: Active = { file: last, fh, size: tail.goodEnd, headerEnd: tail.headerEnd, crc: tail.crc, dirty: false };
    try {
      const truncatedBytes = tail.fileSize - tail.goodEnd;
      if (truncatedBytes > 0) {
        await fh.truncate(tail.goodEnd);
        await fh.sync();
        counters.fsyncs++;
      }
      const wal = new Wal(opts, segments, active, result.shape, result.hardState, counters);
      if (result.needsReset) {
        // The snapshot replaced the WAL's log: record it, or the next replay would rebuild the
        // old log and reject (or misplace) the entries appended after the snapshot.
        await wal.writeDirect([{ type: RecordType.LogReset, payload: encodeLogReset(snap) }]);
      }
      const replay: WalReplay = {
        hardState: result.hardState,
        entries: result.entries,
        snapshot: result.snapshot,
        truncatedBytes,
        truncatedReason: truncatedBytes > 0 ? tail.reason : null,
      };
      return { wal, replay };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Appends a Ready's snapshot marker, entries and hard state (in that order: a torn tail can
   * then lose the hard state but never leave a commit index pointing past the entries). The
   * promise resolves once the batch is durable (written and fsynced; only written with
   * `sync: false` or fsync disabled). Invalid batches are rejected before anything is written.
   */
  save(batch: SaveBatch, opts?: { sync?: boolean }): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new StorageError('WAL_CLOSED', 'save on a closed WAL'));
    if (this.failure !== null) return Promise.reject(this.poisoned());
    let pending: Pending;
    try {
      pending = this.prepare(batch, opts?.sync ?? true);
    } catch (err) {
      return Promise.reject(err instanceof RaftError ? new StorageError('INVALID_ARGUMENT', err.message, { cause: err }) : err);
    }
    return this.committer.submit(pending);
  }

  /**
   * Deletes whole segments whose entries are all below `index` (the index of a snapshot that is
   * durable), oldest first; the segment holding `index` and the active one stay. A segment's
   * live entries end where the next segment begins (its firstIndex - 1), overwrites included,
   * and every segment starts with a copy of the current hard state, so nothing still needed
   * for a replay from a snapshot at or after `index` is lost.
   */
  releaseTo(index: number): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new StorageError('WAL_CLOSED', 'releaseTo on a closed WAL'));
    const run = this.releasing.then(() => this.release(index));
    this.releasing = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending saves, then closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  stats(): WalStats {
    return { ...this.st, segments: this.segments.length };
  }

  /** Index of the last entry saved (queued saves included). */
  lastIndex(): number {
    return this.shape.lastIndex();
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    try {
      await this.committer.idle();
      await this.releasing;
      await this.active.fh.close();
    } finally {
      this.state = 'closed';
      openDirs.delete(this.opts.dir);
    }
  }

  private prepare(batch: SaveBatch, sync: boolean): Pending {
    const shape = this.shape.clone();
    const records: RecordInput[] = [];
    if (batch.snapshot) {
      records.push({ type: RecordType.Snapshot, payload: encodeSnapshotMarker(batch.snapshot) });
      shape.applySnapshot(batch.snapshot.index, batch.snapshot.term);
    }
    let prev: Entry | undefined;
    for (const e of batch.entries) {
      if (prev !== undefined && e.index !== prev.index + 1) {
        throw new StorageError('INVALID_ARGUMENT', `batch entries not contiguous: ${prev.index} then ${e.index}`);
      }
      const problem = shape.checkAppend(e.index, e.term);
      if (problem !== null) throw new StorageError(problem.kind === 'gap' ? 'WAL_GAP' : 'INVALID_ARGUMENT', problem.message);
      shape.append(e.index, e.term);
      records.push({ type: RecordType.Entry, payload: encodeEntry(e) }); // copies e.data: the caller may reuse it
      prev = e;
    }
    if (batch.hardState) records.push({ type: RecordType.HardState, payload: encodeHardState(batch.hardState) });
    let bytes = 0;
    for (const r of records) {
      if (r.payload.byteLength > this.opts.maxRecordBytes) {
        throw new StorageError('RECORD_TOO_LARGE', `${RecordType[r.type]} record of ${r.payload.byteLength} bytes exceeds maxRecordBytes ${this.opts.maxRecordBytes}`);
      }
      bytes += recordSize(r.payload.byteLength);
    }
    this.shape = shape; // accepted: later saves validate against it
    const last = shape.lastIndex();
    return { records, bytes, sync, lastAfter: last, lastTermAfter: shape.termAt(last) ?? null, hardState: batch.hardState };
  }

  /** One group: at most one roll, one write, one fsync. Runs only inside the group committer. */
  private async flush(items: readonly Pending[]): Promise<void> {
    if (this.failure !== null) throw this.poisoned();
    try {
      if (this.active.size >= this.opts.segmentBytes && this.active.size > this.active.headerEnd) await this.roll();
      const records: RecordInput[] = [];
      for (const p of items) records.push(...p.records);
      await this.writeRecords(records, items.some((p) => p.sync));
    } catch (err) {
      this.failure = new StorageError('WAL_FAILED', `write to ${this.active.file.name} failed: ${String(err)}`, { cause: err });
      throw this.failure;
    }
    for (const p of items) {
      this.written.last = p.lastAfter;
      this.written.lastTerm = p.lastTermAfter;
      if (p.hardState) this.written.hardState = p.hardState;
    }
    this.st.batches += items.length;
    this.st.groups++;
  }

  /** Used by open before any save can be queued. */
  private async writeDirect(records: RecordInput[]): Promise<void> {
    assert(this.committer.pending === 0, 'writeDirect with saves queued');
    await this.writeRecords(records, true);
  }

  private async writeRecords(records: readonly RecordInput[], sync: boolean): Promise<void> {
    const a = this.active;
    if (records.length > 0) {
      const { bytes, crc } = frameRecords(records, a.crc);
      a.dirty = true;
      await writeFully(a.fh, bytes, a.size);
      a.size += bytes.byteLength;
      a.crc = crc;
      this.st.bytesWritten += bytes.byteLength;
      this.st.records += records.length;
    }
    if (sync && a.dirty && this.opts.fsync) {
      // fdatasync: it also makes the grown file size durable (what a reader needs to find
      // the data), skipping only timestamps; on ext4 it is about 3x cheaper than fsync.
      await a.fh.datasync();
      a.dirty = false;
      this.st.fsyncs++;
    }
  }

  /** Starts the next segment. The current one is made durable first: only the last may be torn. */
  private async roll(): Promise<void> {
    const old = this.active;
    if (old.dirty && this.opts.fsync) {
      await old.fh.sync();
      this.st.fsyncs++;
    }
    old.dirty = false;
    const header = {
      seq: old.file.seq + 1,
      firstIndex: this.written.last + 1,
      prevTerm: this.written.lastTerm ?? 0,
      prevCrc: old.crc,
    };
    // Each segment restates the current hard state, so releasing older ones never loses it.
    const extra: RecordInput[] = isEmptyHardState(this.written.hardState)
      ? []
      : [{ type: RecordType.HardState, payload: encodeHardState(this.written.hardState) }];
    const seg = await createSegment(this.opts.dir, header, extra, this.opts.fsync);
    this.st.fsyncs += seg.fileSyncs;
    this.st.dirSyncs += seg.dirSyncs;
    this.st.bytesWritten += seg.size;
    this.st.records += 1 + extra.length;
    this.segments.push(seg.file);
    this.active = { file: seg.file, fh: seg.fh, size: seg.size, headerEnd: seg.size, crc: seg.crc, dirty: false };
    await old.fh.close();
  }

  private async release(index: number): Promise<void> {
    if (!Number.isSafeInteger(index) || index < 0) throw new StorageError('INVALID_ARGUMENT', `releaseTo(${index})`);
    // When segment j was started the log ended at firstIndex_j - 1, so any entry of an older
    // segment above that had already been overwritten: segment k's live entries end before
    // the firstIndex of every later segment. So if segment j begins at or below index, all
    // segments before j hold only entries below index and may go. Take the last such j; the
    // last (active) segment itself is never deleted.
    let deletable = 0;
    for (let j = this.segments.length - 1; j >= 1; j--) {
      if (this.segments[j]!.firstIndex <= index) {
        deletable = j;
        break;
      }
    }
    for (let n = 0; n < deletable; n++) {
      const victim = this.segments[0]!;
      assert(victim !== this.active.file, 'release: active segment');
      await unlink(path.join(this.opts.dir, victim.name));
      // Sync after each unlink so a crash leaves a contiguous suffix of segments, never a hole.
      if (this.opts.fsync) {
        await syncDir(this.opts.dir);
        this.st.dirSyncs++;
      }
      this.segments.shift();
    }
  }

  private poisoned(): StorageError {
    return new StorageError('WAL_FAILED', `WAL unusable after an earlier I/O failure: ${this.failure?.message ?? ''}`, { cause: this.failure });
  }
}
