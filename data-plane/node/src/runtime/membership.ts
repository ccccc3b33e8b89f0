/**
 * Membership administration, leader side: add a learner, promote it once it has caught up,
 * remove a member, transfer leadership. Each change is one conf-change entry whose context
 * carries the member's addresses, so every replica (and every later snapshot) learns them
 * when the entry is applied. Removing the leader itself first hands leadership over.
 */
import {
  type ConfChange,
  ConfChangeType,
  NONE,
  type NodeId,
  RaftError,
  type RawNode,
  Role,
} from '@konsortium/raft';
import { parseHostPort } from '../addresses.js';
import { NodeError, notLeader } from '../errors.js';
import { encodeMemberContext, type Member } from '../kv/members.js';
import type { KvStateMachine } from '../kv/state-machine.js';
import type { ProposalWaiters } from './proposals.js';

export interface MembershipDeps {
  readonly selfId: NodeId;
  readonly rawNode: RawNode;
  readonly kv: KvStateMachine;
  readonly waiters: ProposalWaiters;
  readonly requestTimeoutMs: number;
  /** Bound on a leadership transfer (a couple of election timeouts). */
  readonly transferTimeoutMs: number;
  readonly promoteLagEntries: number;
  readonly scheduleReady: () => void;
  /** Resolves when `pred` holds (checked on every tick and role change), rejects with TIMEOUT. */
  readonly waitUntil: (pred: () => boolean, timeoutMs: number, what: string) => Promise<void>;
}

export interface MemberView extends Member {
  readonly role: 'voter' | 'learner';
}

export class MembershipAdmin {
  constructor(private readonly d: MembershipDeps) {}

  async addLearner(m: Member): Promise<MemberView> {
    this.requireLeader();
    if (parseHostPort(m.raftAddr) === null || parseHostPort(m.httpAddr) === null) {
      throw new NodeError('INVALID_ARGUMENT', 'raftAddr and httpAddr must be host:port');
    }
    const cs = this.d.rawNode.raft.prs.confState();
    if (cs.voters.includes(m.id) || cs.learners.includes(m.id)) throw new NodeError('MEMBER_EXISTS', `node ${m.id} is already a member`);
    await this.propose({ type: ConfChangeType.AddLearner, nodeId: m.id, context: encodeMemberContext(m) });
    return { id: m.id, raftAddr: m.raftAddr, httpAddr: m.httpAddr, role: 'learner' };
  }

  async promote(id: NodeId): Promise<MemberView> {
    this.requireLeader();
    const raft = this.d.rawNode.raft;
    const cs = raft.prs.confState();
    if (cs.voters.includes(id)) throw new NodeError('CONF_CHANGE_REJECTED', `node ${id} is already a voter`);
    if (!cs.learners.includes(id)) throw new NodeError('MEMBER_NOT_FOUND', `node ${id} is not a learner`);
    const match = raft.prs.progress.get(id)?.match ?? 0;
    const commit = raft.log.committed;
    if (match + this.d.promoteLagEntries < commit || match === 0) {
      throw new NodeError('NOT_CAUGHT_UP', `learner ${id} has index ${match}, the leader has committed ${commit}; promote when within ${this.d.promoteLagEntries}`);
    }
    await this.propose({ type: ConfChangeType.PromoteLearner, nodeId: id, context: new Uint8Array(0) });
    const a = this.d.kv.member(id);
    return { id, raftAddr: a?.raftAddr ?? '', httpAddr: a?.httpAddr ?? '', role: 'voter' };
  }

  async remove(id: NodeId): Promise<void> {
    this.requireLeader();
    const cs = this.d.rawNode.raft.prs.confState();
    if (!cs.voters.includes(id) && !cs.learners.includes(id)) throw new NodeError('MEMBER_NOT_FOUND', `node ${id} is not a member`);
    if (id === this.d.selfId) {
      // A leader removing itself would stop the cluster until an election timeout; hand over
      // first, and let the caller send the removal to the new leader.
      const to = this.bestTransferee();
      if (to === NONE) throw new NodeError('CONF_CHANGE_REJECTED', 'cannot remove the only voter');
      const leader = await this.transfer(to);
      throw new NodeError('NOT_LEADER', `leadership transferred to ${leader}; send the removal of ${id} there`, { leaderId: leader });
    }
    await this.propose({ type: ConfChangeType.RemoveNode, nodeId: id, context: new Uint8Array(0) });
  }

  /** Transfers leadership to `to`; resolves with the leader once it has changed. */
  async transfer(to: NodeId): Promise<NodeId> {
    this.requireLeader();
    const raft = this.d.rawNode.raft;
    if (to === this.d.selfId) return to;
    if (!raft.prs.confState().voters.includes(to)) throw new NodeError('MEMBER_NOT_FOUND', `node ${to} is not a voter`);
    this.d.rawNode.transferLeader(to);
    this.d.scheduleReady();
    await this.d.waitUntil(() => raft.lead !== this.d.selfId && raft.lead !== NONE, this.d.transferTimeoutMs, `leadership transfer to ${to}`);
    return raft.lead;
  }

  /** The voter (other than us) with the most of the log. */
  private bestTransferee(): NodeId {
    const raft = this.d.rawNode.raft;
    let best = NONE;
    let bestMatch = -1;
    for (const id of raft.prs.voters) {
      if (id === this.d.selfId) continue;
      const match = raft.prs.progress.get(id)?.match ?? 0;
      if (match > bestMatch) {
        best = id;
        bestMatch = match;
      }
    }
    return best;
  }

  private requireLeader(): void {
    const raft = this.d.rawNode.raft;
    if (raft.role !== Role.Leader) throw notLeader(raft.lead);
  }

  /**
   * Proposes a conf change and waits until it is applied. A new leader refuses conf changes
   * until it has committed an entry of its term and applied any earlier change; those are
   * moments, so wait for them (bounded) instead of failing the request.
   */
  private async propose(cc: ConfChange): Promise<void> {
    const raft = this.d.rawNode.raft;
    const term = raft.term;
    await this.d.waitUntil(
      () => raft.term !== term || (raft.log.termOrZero(raft.log.committed) === term && this.d.kv.appliedIndex >= raft.pendingConfIndex),
      this.d.requestTimeoutMs,
      'the leader settling its term',
    );
    this.requireLeader();
    const before = raft.log.lastIndex();
    try {
      this.d.rawNode.proposeConfChange(cc);
    } catch (err) {
      if (err instanceof RaftError && err.code === 'CONF_CHANGE_REJECTED') throw new NodeError('CONF_CHANGE_REJECTED', err.message, { cause: err });
      if (err instanceof RaftError) throw new NodeError('PROPOSAL_DROPPED', err.message, { cause: err });
      throw err;
    }
    const index = raft.log.lastIndex();
    if (index !== before + 1) throw new Error(`conf change appended at ${index}, expected ${before + 1}`);
    const done = this.d.waiters.wait<unknown>(index, raft.term, this.d.requestTimeoutMs);
    this.d.scheduleReady();
    await done;
  }
}
