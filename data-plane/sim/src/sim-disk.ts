/**
 * A simulated disk holding one node's Raft state as a log of records, with the fault model of
 * a real WAL on a real disk:
 *   - a write is not durable until a sync completes; a crash keeps a random prefix of the
 *     unsynced records (the OS may have flushed some of them, in order);
 *   - the last record that reached the disk before a crash may be torn; recovery detects
 *     it by checksum and truncates it (modelled by dropping it and counting the event);
 *   - synced records always survive.
 */
import {
  type ConfState,
  EMPTY_HARD_STATE,
  type Entry,
  type HardState,
  MemoryStorage,
  type Random,
  type Snapshot,
} from '@konsortium/raft';

type DiskRecord =
  | { readonly kind: 'hardState'; readonly hardState: HardState }
  | { readonly kind: 'entries'; readonly entries: readonly Entry[] }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot };

export interface RecoveredState {
  readonly storage: MemoryStorage;
  readonly snapshot: Snapshot | null;
  readonly hardState: HardState;
}

export class SimDisk {
  private records: DiskRecord[] = [];
  private synced = 0;
  tornRecords = 0;
  lostUnsyncedRecords = 0;

  /** A fresh disk of a bootstrapped member: the initial configuration as a snapshot at 1. */
  static bootstrapped(confState: ConfState, data: Uint8Array): SimDisk {
    const d = new SimDisk();
    d.records.push({ kind: 'snapshot', snapshot: { metadata: { index: 1, term: 1, confState }, data } });
    d.synced = 1;
    return d;
  }

  write(hardState: HardState | null, entries: readonly Entry[], snapshot: Snapshot | null): number {
    if (snapshot) this.records.push({ kind: 'snapshot', snapshot });
    if (entries.length > 0) this.records.push({ kind: 'entries', entries: [...entries] });
    if (hardState) this.records.push({ kind: 'hardState', hardState });
    return this.records.length;
  }

  /** Everything written up to `mark` (a value returned by write) is durable. */
  syncTo(mark: number): void {
    if (mark > this.synced) this.synced = Math.min(mark, this.records.length);
  }

  hasUnsynced(): boolean {
    return this.synced < this.records.length;
  }

  /** The power goes out. */
  crash(random: Random): void {
    const unsynced = this.records.length - this.synced;
    let keep = this.synced + (unsynced > 0 ? random.int(unsynced + 1) : 0);
    if (keep > this.synced && random.int(2) === 0) {
      keep -= 1; // the last record that reached the disk is torn; recovery truncates it
      this.tornRecords++;
    }
    this.lostUnsyncedRecords += this.records.length - keep;
    this.records.length = keep;
    this.synced = keep;
  }

  /** Replays the records as a restarting node does: newest snapshot, then entries and state. */
  recover(): RecoveredState {
    const storage = new MemoryStorage();
    let snapshot: Snapshot | null = null;
    let hardState = EMPTY_HARD_STATE;
    for (const r of this.records) {
      if (r.kind === 'snapshot') {
        if (!snapshot || r.snapshot.metadata.index > snapshot.metadata.index) {
          snapshot = r.snapshot;
          storage.applySnapshot(r.snapshot);
        }
      } else if (r.kind === 'entries') {
        const last = r.entries[r.entries.length - 1]!;
        if (last.index > storage.firstIndex() - 1) storage.append(r.entries.filter((e) => e.index > storage.firstIndex() - 1));
      } else {
        hardState = r.hardState;
      }
    }
    // A hard state's commit never points past the log that survived with it (it is written
    // after the entries it covers, in the same or a later record).
    if (hardState.commit < storage.firstIndex() - 1) hardState = { ...hardState, commit: storage.firstIndex() - 1 };
    storage.setHardState(hardState);
    return { storage, snapshot, hardState };
  }

  /**
   * Rewrites the disk as one checkpoint (snapshot, hard state, entries after it), as a WAL
   * releases old segments after a snapshot. Only when nothing is in flight.
   */
  compact(snapshot: Snapshot, hardState: HardState, entriesAfter: readonly Entry[]): boolean {
    if (this.hasUnsynced()) return false;
    this.records = [{ kind: 'snapshot', snapshot }];
    if (entriesAfter.length > 0) this.records.push({ kind: 'entries', entries: [...entriesAfter] });
    this.records.push({ kind: 'hardState', hardState });
    this.synced = this.records.length;
    return true;
  }

  get recordCount(): number {
    return this.records.length;
  }
}
