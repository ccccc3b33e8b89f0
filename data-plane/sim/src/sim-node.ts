/**
 * One simulated replica: the real RawNode and MemoryStorage, a SimDisk for durability, the
 * KV state machine, and the same Ready discipline as the real node (persist, then send, then
 * apply, then advance), with fsync latency taken from the simulated clock.
 */
import {
  checkNetworkMessage,
  type ConfState,
  type Entry,
  EntryType,
  type MemoryStorage,
  type Message,
  type NodeId,
  RaftError,
  RawNode,
  type Ready,
  Role,
  type SeededRandom,
} from '@konsortium/raft';
import type { EventQueue } from './event-queue.js';
import { decodePut, KvStore } from './kv.js';
import type { SimDisk } from './sim-disk.js';

export interface SimNodeOptions {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly tickMs: number;
  readonly snapshotEvery: number;
  readonly keepEntriesAfterSnapshot: number;
  readonly maxSizePerMsgBytes: number;
  readonly maxInflightMsgs: number;
  /**
   * A deliberately broken environment, for proving that the checkers catch real bugs: send
   * messages (acknowledgements included) before the write is durable.
   */
  readonly bugAckBeforeSync?: boolean;
}

/** What the simulation wants to hear about (safety checkers and clients). */
export interface SimNodeObserver {
  onApplied(node: SimNode, entry: Entry): void;
  onSnapshotInstalled(node: SimNode, index: number): void;
  onRole(node: SimNode, role: Role, term: number): void;
  onPutApplied(node: SimNode, requestId: string): void;
  onReadState(node: SimNode, ctx: string, index: number): void;
  onAfterApply(node: SimNode): void;
  send(m: Message): void;
  fsyncDelayMs(): number;
}

export class SimNode {
  raw: RawNode | null = null;
  kv = new KvStore();
  confState: ConfState = { voters: [], learners: [] };
  private awaitingPersist = false;
  private readyScheduled = false;
  /** Bumped at every start and crash: requests of an earlier lifetime are never answered. */
  incarnation = 0;
  private lastSnapshotIndex = 0;
  appliedIndex = 0;
  storage: MemoryStorage | null = null;

  constructor(
    readonly id: NodeId,
    readonly disk: SimDisk,
    private readonly clock: EventQueue,
    private readonly random: SeededRandom,
    private readonly opts: SimNodeOptions,
    private readonly observer: SimNodeObserver,
  ) {}

  get alive(): boolean {
    return this.raw !== null;
  }

  /** Boots (or reboots) from whatever the disk holds. */
  start(): void {
    const { storage, snapshot } = this.disk.recover();
    this.incarnation++;
    this.kv = snapshot ? KvStore.restore(snapshot.data) : new KvStore();
    this.confState = snapshot ? snapshot.metadata.confState : { voters: [], learners: [] };
    this.appliedIndex = snapshot ? snapshot.metadata.index : 0;
    this.lastSnapshotIndex = this.appliedIndex;
    this.raw = new RawNode({
      id: this.id,
      electionTicks: this.opts.electionTicks,
      heartbeatTicks: this.opts.heartbeatTicks,
      storage,
      random: this.random.fork(),
      applied: this.appliedIndex,
      maxSizePerMsgBytes: this.opts.maxSizePerMsgBytes,
      maxInflightMsgs: this.opts.maxInflightMsgs,
      checkQuorum: true,
      preVote: true,
      disableProposalForwarding: true,
    });
    this.storage = storage;
    this.awaitingPersist = false;
    this.readyScheduled = false;
    this.scheduleTick(this.incarnation);
  }

  crash(): void {
    this.raw = null;
    this.storage = null;
    this.incarnation++;
    this.disk.crash(this.random);
  }

  private scheduleTick(incarnation: number): void {
    this.clock.after(this.opts.tickMs, () => {
      if (this.incarnation !== incarnation || !this.raw) return;
      this.raw.tick();
      this.afterInput();
      this.scheduleTick(incarnation);
    });
  }

  /** Delivers a network message (validated like the real transport does). */
  deliver(m: Message): void {
    if (!this.raw) return;
    const why = checkNetworkMessage(m, this.id, { maxEntryBytes: 64 * 1024 * 1024, maxEntries: 100_000 });
    if (why !== null) throw new Error(`simulated network delivered an invalid message: ${why}`);
    this.raw.step(m);
    this.afterInput();
  }

  /** Runs `fn` against the core and schedules Ready processing; coded Raft errors are returned. */
  withRaft<T>(fn: (raw: RawNode) => T): T | RaftError {
    if (!this.raw) return new RaftError('PROPOSAL_DROPPED', 'node is down');
    try {
      return fn(this.raw);
    } catch (err) {
      if (err instanceof RaftError) return err;
      throw err;
    } finally {
      this.afterInput();
    }
  }

  private afterInput(): void {
    this.raw?.raft.checkInvariants();
    this.scheduleReady();
  }

  private scheduleReady(): void {
    if (this.readyScheduled || this.awaitingPersist) return;
    this.readyScheduled = true;
    const incarnation = this.incarnation;
    this.clock.after(0, () => {
      if (this.incarnation !== incarnation) return;
      this.readyScheduled = false;
      this.processReady();
    });
  }

  private processReady(): void {
    const raw = this.raw;
    if (!raw || this.awaitingPersist || !raw.hasReady()) return;
    let rd = raw.ready();
    if (rd.softState) this.observer.onRole(this, rd.softState.role, raw.raft.term);
    const mark = this.disk.write(rd.hardState, rd.entries, rd.snapshot);
    this.awaitingPersist = true;
    const incarnation = this.incarnation;
    const delay = rd.mustSync || rd.snapshot ? this.observer.fsyncDelayMs() : 0;
    if (this.opts.bugAckBeforeSync) {
      for (const m of rd.messages) this.observer.send(m);
      rd = { ...rd, messages: [] };
    }
    this.clock.after(delay, () => {
      if (this.incarnation !== incarnation) return; // crashed while the write was in flight
      if (rd.mustSync || rd.snapshot) this.disk.syncTo(mark);
      this.afterPersist(rd);
    });
  }

  private afterPersist(rd: Ready): void {
    const raw = this.raw!;
    const storage = this.storage!;
    if (rd.snapshot) storage.applySnapshot(rd.snapshot);
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.observer.send(m);
    if (rd.snapshot) {
      this.kv = KvStore.restore(rd.snapshot.data);
      this.confState = rd.snapshot.metadata.confState;
      this.appliedIndex = rd.snapshot.metadata.index;
      this.lastSnapshotIndex = rd.snapshot.metadata.index;
      this.observer.onSnapshotInstalled(this, rd.snapshot.metadata.index);
    }
    for (const e of rd.committedEntries) {
      if (e.index <= this.appliedIndex) continue;
      if (e.type === EntryType.ConfChange) {
        this.confState = raw.applyConfChangeEntry(e).confState;
      } else if (e.data.byteLength > 0) {
        const put = decodePut(e.data);
        this.kv.apply(put);
        this.observer.onPutApplied(this, put.requestId);
      }
      this.appliedIndex = e.index;
      this.observer.onApplied(this, e);
    }
    for (const rs of rd.readStates) this.observer.onReadState(this, new TextDecoder().decode(rs.requestCtx), rs.index);
    raw.advance(rd);
    raw.raft.checkInvariants();
    this.awaitingPersist = false;
    this.maybeSnapshot();
    this.observer.onAfterApply(this);
    this.scheduleReady();
  }

  private maybeSnapshot(): void {
    const storage = this.storage!;
    if (this.appliedIndex - this.lastSnapshotIndex < this.opts.snapshotEvery) return;
    if (this.disk.hasUnsynced()) return;
    const snap = storage.createSnapshot(this.appliedIndex, this.confState, this.kv.serialize());
    this.lastSnapshotIndex = this.appliedIndex;
    const compactTo = this.appliedIndex - this.opts.keepEntriesAfterSnapshot;
    if (compactTo > storage.firstIndex()) storage.compact(compactTo);
    // The disk keeps the snapshot and the entries after it (which may still be needed).
    const after = storage.entries(this.appliedIndex + 1, storage.lastIndex() + 1, Number.MAX_SAFE_INTEGER);
    this.disk.compact(snap, storage.initialState().hardState, after);
  }

  role(): Role {
    return this.raw?.raft.role ?? Role.Follower;
  }
}
