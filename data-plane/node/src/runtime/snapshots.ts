/**
 * Local snapshots. Every `snapshotEntries` applied entries (or on request) a view of the state
 * machine is taken inside the Ready loop (where it is still); it is serialized in slices and
 * written in the background, so neither the event loop nor the Ready loop stalls. Only once the file is durable does
 * the in-memory log record the snapshot and drop old entries (keeping `keepEntries` behind it
 * for slightly lagging followers), and the WAL release segments.
 *
 * The WAL is released only up to the previous snapshot: if the newest file turns out corrupt,
 * the older one plus the WAL still rebuild the state.
 */
import type { MemoryStorage, RawNode, Snapshot, SnapshotMetadata } from '@konsortium/raft';
import type { Snapshotter, Wal } from '@konsortium/storage';
import type { Logger } from 'pino';
import { encodeKvSnapshotInSlices, type KvSnapshotView } from '../kv/snapshot-format.js';
import type { KvStateMachine } from '../kv/state-machine.js';
import type { NodeMetrics } from '../metrics.js';
import { composeSnapshot } from './snapshot-envelope.js';

/** Snapshot files kept on disk (the newest is used; one older is a fallback if it is corrupt). */
const SNAPSHOT_FILES_KEPT = 2;

export interface SnapshotDeps {
  readonly rawNode: RawNode;
  readonly kv: KvStateMachine;
  readonly storage: MemoryStorage;
  readonly snapshotter: Snapshotter;
  readonly wal: Wal;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
  readonly snapshotEntries: number;
  readonly keepEntries: number;
  /** A snapshot could not be written: the disk is failing. */
  readonly onFailure: (err: unknown) => void;
  /** A background write finished: requests that arrived meanwhile need the Ready loop. */
  readonly wake: () => void;
}

interface Request {
  readonly resolve: (index: number) => void;
  readonly reject: (err: unknown) => void;
}

export class SnapshotManager {
  /** Index of the newest durable snapshot. */
  lastIndex: number;
  private previousIndex: number;
  private requests: Request[] = [];
  private saving: Promise<void> | null = null;

  constructor(
    private readonly deps: SnapshotDeps,
    initialIndex: number,
  ) {
    this.lastIndex = initialIndex;
    this.previousIndex = initialIndex;
  }

  /** Something for the Ready loop to do: a requested or due snapshot, and none being written. */
  get due(): boolean {
    if (this.saving !== null) return false;
    return this.requests.length > 0 || this.deps.kv.appliedIndex - this.lastIndex >= this.deps.snapshotEntries;
  }

  /** Asks for a snapshot now; resolves with its index (the current one if nothing new was applied). */
  request(): Promise<number> {
    return new Promise((resolve, reject) => this.requests.push({ resolve, reject }));
  }

  failRequests(err: unknown): void {
    const rs = this.requests;
    this.requests = [];
    for (const r of rs) r.reject(err);
  }

  /** Resolves when no snapshot is being written. */
  async idle(): Promise<void> {
    while (this.saving) await this.saving;
  }

  /** Called by the Ready loop after applying: serializes now if a snapshot is due, writes in the background. */
  maybeStart(): void {
    if (!this.due) return;
    const { kv, storage, rawNode } = this.deps;
    const index = kv.appliedIndex;
    const requests = this.requests;
    this.requests = [];
    if (index <= this.lastIndex || index > storage.lastIndex()) {
      for (const r of requests) r.resolve(this.lastIndex);
      return;
    }
    // The core's configuration reflects exactly the conf changes applied so far.
    const confState = rawNode.raft.prs.confState();
    const metadata = { index, term: storage.term(index), confState };
    const extension = kv.extension?.captureSnapshot() ?? null;
    this.saving = this.write(metadata, kv.snapshotView(), extension).then(
      () => {
        this.saving = null;
        for (const r of requests) r.resolve(index);
        this.deps.wake();
      },
      (err: unknown) => {
        this.saving = null;
        for (const r of requests) r.reject(err);
        this.deps.onFailure(err);
      },
    );
  }

  /** A snapshot from the leader was installed (and saved by the Ready loop). */
  async installed(index: number): Promise<void> {
    await this.idle();
    this.lastIndex = Math.max(this.lastIndex, index);
    // The WAL was reset to this snapshot: older snapshots cannot be replayed with it anyway.
    this.previousIndex = this.lastIndex;
    this.deps.metrics.snapshots.inc({ origin: 'leader' });
    await this.cleanUp(index);
  }

  private async write(metadata: SnapshotMetadata, view: KvSnapshotView, extension: (() => Promise<Uint8Array>) | null): Promise<void> {
    const { storage, snapshotter, logger } = this.deps;
    const { index, confState } = metadata;
    const started = performance.now();
    // In slices: a large state must not stall the event loop (and with it every request).
    const kvData = await encodeKvSnapshotInSlices(view);
    const snapshot: Snapshot = { metadata, data: composeSnapshot(kvData, extension === null ? null : await extension()) };
    const serializedAt = performance.now();
    await snapshotter.save(snapshot);
    // A newer snapshot from the leader may have been installed meanwhile.
    if (index > storage.snapshot().metadata.index && index <= storage.lastIndex()) {
      storage.createSnapshot(index, confState, snapshot.data);
      const compactTo = index - this.deps.keepEntries;
      if (compactTo >= storage.firstIndex()) storage.compact(compactTo);
    }
    if (index > this.lastIndex) {
      this.previousIndex = this.lastIndex;
      this.lastIndex = index;
    }
    this.deps.metrics.snapshots.inc({ origin: 'local' });
    logger.info(
      { index, bytes: snapshot.data.byteLength, keys: view.records.length, serializeMs: Math.round(serializedAt - started), writeMs: Math.round(performance.now() - serializedAt) },
      'snapshot taken',
    );
    await this.cleanUp(this.previousIndex);
  }

  private async cleanUp(releaseIndex: number): Promise<void> {
    if (releaseIndex > 0) await this.deps.wal.releaseTo(releaseIndex);
    await this.deps.snapshotter.prune(SNAPSHOT_FILES_KEPT);
  }
}
