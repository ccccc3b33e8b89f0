/**
 * The core's public face, in etcd's RawNode style. The environment drives it:
 *
 *   tick(), step(msg), propose(data), proposeConfChange(cc), readIndex(ctx), transferLeader(id)
 *   while (hasReady()) { const rd = ready(); persist; send; apply (applyConfChange for conf
 *                        entries); advance(rd) }
 *
 * Between ready() and advance(rd) the environment may keep stepping messages and proposals
 * (the core stays consistent; anything new appears in the next Ready), but must not call
 * ready() again.
 */
import { decodeConfChange, encodeConfChange } from './codec.js';
import type { RaftConfig } from './config.js';
import { assert, RaftError } from './errors.js';
import { ProgressState } from './progress.js';
import { Raft } from './raft.js';
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  hardStateEqual,
  type Message,
  message,
  MessageType,
  type NodeId,
  type Ready,
  Role,
  type SoftState,
} from './types.js';

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly recentActive: boolean;
  readonly isLearner: boolean;
  readonly inflight: number;
}

export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly leader: NodeId;
  readonly hardState: HardState;
  readonly applied: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  readonly config: ConfState;
  readonly leadTransferee: NodeId;
  /** Followers' progress; present on the leader only. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus> | null;
}

const PROGRESS_STATE_NAMES = { [ProgressState.Probe]: 'probe', [ProgressState.Replicate]: 'replicate', [ProgressState.Snapshot]: 'snapshot' } as const;

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private awaitingAdvance = false;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.softState();
    // A restarted node's persisted hard state is not news.
    this.prevHard = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests and bootstrapping); normally ticks do this. */
  campaign(): void {
    this.raft.step(message({ type: MessageType.Hup, from: this.raft.id }));
  }

  /** Proposes application data. Throws PROPOSAL_DROPPED if this node cannot take it now. */
  propose(data: Uint8Array): void {
    this.raft.step(
      message({ type: MessageType.Prop, from: this.raft.id, entries: [{ term: 0, index: 0, type: EntryType.Normal, data }] }),
    );
  }

  /** Proposes several entries at once (one message, appended contiguously). */
  proposeBatch(datas: readonly Uint8Array[]): void {
    if (datas.length === 0) return;
    const entries: Entry[] = datas.map((data) => ({ term: 0, index: 0, type: EntryType.Normal, data }));
    this.raft.step(message({ type: MessageType.Prop, from: this.raft.id, entries }));
  }

  /**
   * Proposes a membership change. Throws CONF_CHANGE_REJECTED if it is invalid in the current
   * configuration or another one is still pending, PROPOSAL_DROPPED if not leader.
   */
  proposeConfChange(cc: ConfChange): void {
    if (this.raft.role === Role.Leader) {
      const why = this.raft.checkConfChange(cc);
      if (why !== null) throw new RaftError('CONF_CHANGE_REJECTED', why);
    }
    const entry: Entry = { term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) };
    this.raft.step(message({ type: MessageType.Prop, from: this.raft.id, entries: [entry] }));
  }

  /** Applies a committed conf change entry; call for each ConfChange entry when applying. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Decodes and applies a committed ConfChange entry. */
  applyConfChangeEntry(e: Entry): { change: ConfChange; confState: ConfState } {
    assert(e.type === EntryType.ConfChange, 'not a conf change entry');
    const change = decodeConfChange(e.data);
    return { change, confState: this.applyConfChange(change) };
  }

  step(m: Message): void {
    this.raft.step(m);
  }

  /**
   * Requests a linearizable read; a ReadState with the same ctx appears in a later Ready.
   * The context must be non-empty and unique among pending reads: the leader matches
   * heartbeat acknowledgements to reads by it (an empty context means "no read").
   */
  readIndex(ctx: Uint8Array): void {
    if (ctx.byteLength === 0) throw new RaftError('INVALID_ARGUMENT', 'readIndex needs a non-empty request context');
    this.raft.step(message({ type: MessageType.ReadIndex, from: this.raft.id, context: ctx }));
  }

  /** Asks the leader to hand leadership to `transferee` (forwarded if we are a follower). */
  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: MessageType.TransferLeader, from: transferee }));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: MessageType.Unreachable, from: id }));
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(message({ type: MessageType.SnapStatus, from: id, reject: !ok }));
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }

  hasReady(): boolean {
    if (this.awaitingAdvance) return false;
    const r = this.raft;
    const soft = this.softState();
    if (soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    if (r.log.unstable.snapshot !== null) return true;
    if (r.msgs.length > 0 || r.log.unstable.entries.length > 0 || r.log.hasNextCommittedEntries()) return true;
    return r.readStates.length > 0;
  }

  ready(): Ready {
    assert(!this.awaitingAdvance, 'ready() called again before advance()');
    const r = this.raft;
    const soft = this.softState();
    const hard = r.hardState();
    const softChanged = soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role;
    const hardChanged = !hardStateEqual(hard, this.prevHard);
    const entries = r.log.unstableEntries();
    const rd: Ready = {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hard : null,
      entries,
      snapshot: r.log.unstable.snapshot,
      committedEntries: r.log.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
      // Term, vote, entries and an installed snapshot must be durable before the messages that
      // promise them go out; a new commit index need not.
      mustSync: entries.length > 0 || r.log.unstable.snapshot !== null || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote,
    };
    r.msgs = [];
    r.readStates = [];
    if (softChanged) this.prevSoft = soft;
    if (hardChanged) this.prevHard = hard;
    this.awaitingAdvance = true;
    return rd;
  }

  /** Reports that everything in `rd` has been persisted, sent and applied. */
  advance(rd: Ready): void {
    assert(this.awaitingAdvance, 'advance() without ready()');
    this.awaitingAdvance = false;
    const log = this.raft.log;
    if (rd.committedEntries.length > 0) log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    if (rd.snapshot) {
      log.stableSnapTo(rd.snapshot.metadata.index);
      // Applying the snapshot applied everything up to it.
      if (log.applied < rd.snapshot.metadata.index) log.applied = rd.snapshot.metadata.index;
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      log.stableTo(last.index, last.term);
    }
  }

  status(): Status {
    const r = this.raft;
    let progress: Map<NodeId, ProgressStatus> | null = null;
    if (r.role === Role.Leader) {
      progress = new Map();
      r.prs.forEach((id, pr) =>
        progress!.set(id, {
          match: pr.match,
          next: pr.next,
          state: PROGRESS_STATE_NAMES[pr.state],
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
          inflight: pr.inflights.size(),
        }),
      );
    }
    return {
      id: r.id,
      role: r.role,
      leader: r.lead,
      hardState: r.hardState(),
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      config: r.prs.confState(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }
}
