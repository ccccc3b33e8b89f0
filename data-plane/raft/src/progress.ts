/**
 * The leader's view of one follower: how much of the log it has (match), what to send next
 * (next), and the flow-control state that decides whether to send now.
 *
 *   Probe     - we do not know where the follower's log matches; send one append at a time
 *               and wait for the answer (or a heartbeat response) before the next.
 *   Replicate - the follower is in sync; stream appends optimistically (pipelining), bounded
 *               by the inflight window.
 *   Snapshot  - the follower needs a snapshot; send nothing until it is reported applied.
 *
 * Invariant: match < next.
 */
import { assert } from './errors.js';

export enum ProgressState {
  Probe = 0,
  Replicate = 1,
  Snapshot = 2,
}

/** A ring of in-flight append messages (by last index), bounding pipelining per follower. */
export class Inflights {
  private start = 0;
  private count = 0;
  private bytes = 0;
  private readonly indexes: number[];
  private readonly sizes: number[];

  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
  ) {
    assert(capacity > 0, 'inflights capacity must be positive');
    this.indexes = new Array<number>(capacity).fill(0);
    this.sizes = new Array<number>(capacity).fill(0);
  }

  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), 'inflights: add to a full window');
    if (this.count > 0) {
      const prev = this.indexes[(this.start + this.count - 1) % this.capacity]!;
      assert(lastIndex > prev, () => `inflights: ${lastIndex} not above ${prev}`);
    }
    const slot = (this.start + this.count) % this.capacity;
    this.indexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every inflight message whose last index is <= `to` (acknowledged). */
  freeLE(to: number): void {
    while (this.count > 0 && this.indexes[this.start]! <= to) {
      this.bytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  full(): boolean {
    return this.count === this.capacity || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  size(): number {
    return this.count;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state = ProgressState.Probe;
  /**
   * Probe: an append is outstanding; wait for its answer before sending another.
   * Replicate: the inflight window is full.
   */
  msgAppFlowPaused = false;
  /** In Snapshot: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, isLearner: boolean, maxInflight: number, maxInflightBytes: number) {
    assert(next >= 1, 'progress next must be >= 1');
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      // The snapshot was applied (or failed): probe from after it, or from match.
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records that an append of `count` entries ending before `nextIndex` was sent. */
  sentEntries(count: number, bytes: number, lastSentIndex: number): void {
    if (this.state === ProgressState.Replicate) {
      if (count > 0) {
        this.next = lastSentIndex + 1;
        this.inflights.add(lastSentIndex, bytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === ProgressState.Probe) {
      // One probe at a time; empty probes too, so heartbeat-paced probing is not flooded.
      this.msgAppFlowPaused = true;
    } else {
      assert(false, 'sending entries to a follower in Snapshot state');
    }
    assert(this.match < this.next, () => `progress: match ${this.match} >= next ${this.next}`);
  }

  /** An acknowledgement up to `n`. Returns false if it was stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejection of the append that followed `rejected`; `matchHint` is the follower's guess
   * of the highest index that may match. Returns false if the rejection was stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.msgAppFlowPaused;
      case ProgressState.Replicate:
        // Paused when the window filled; a heartbeat response unpauses it for one (possibly
        // empty) append, so that a window of lost messages cannot stall replication forever.
        return this.msgAppFlowPaused;
      case ProgressState.Snapshot:
        return true;
    }
  }
}
