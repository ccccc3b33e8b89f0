/**
 * The leader's bookkeeping of the cluster: the active configuration (voters, learners), a
 * Progress per member, and the votes of the current election.
 */
import { assert } from './errors.js';
import { Progress } from './progress.js';
import { committedIndex, majority, voteResult, type VoteResult } from './quorum.js';
import type { ConfState, NodeId } from './types.js';

export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    private readonly maxInflight: number,
    private readonly maxInflightBytes: number,
  ) {}

  /** Replaces the configuration; progress of kept members is kept, new ones start probing. */
  applyConfState(cs: ConfState, nextIndex: number): void {
    const voters = [...new Set(cs.voters)].sort((a, b) => a - b);
    const learners = [...new Set(cs.learners)].sort((a, b) => a - b);
    for (const id of learners) assert(!voters.includes(id), () => `node ${id} is both voter and learner`);
    this.voters = voters;
    this.learners = learners;
    for (const id of [...this.progress.keys()]) {
      if (!voters.includes(id) && !learners.includes(id)) this.progress.delete(id);
    }
    for (const id of [...voters, ...learners]) {
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = learners.includes(id);
      else this.progress.set(id, new Progress(Math.max(nextIndex, 1), learners.includes(id), this.maxInflight, this.maxInflightBytes));
    }
  }

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.progress.has(id);
  }

  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }

  /** True if `members` include a majority of the voters. */
  isQuorum(members: ReadonlySet<NodeId>): boolean {
    return this.voters.filter((id) => members.has(id)).length >= majority(this.voters.length);
  }

  /** True if a quorum of voters has been heard from recently (self counts as active). */
  quorumActive(self: NodeId): boolean {
    return this.isQuorum(new Set(this.voters.filter((id) => id === self || (this.progress.get(id)?.recentActive ?? false))));
  }

  forEach(fn: (id: NodeId, pr: Progress) => void): void {
    // Iterate in id order so that message order, and thus the simulator, is deterministic.
    const ids = [...this.progress.keys()].sort((a, b) => a - b);
    for (const id of ids) fn(id, this.progress.get(id)!);
  }
}
