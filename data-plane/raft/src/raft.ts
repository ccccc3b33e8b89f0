/**
 * The Raft state machine (Ongaro & Ousterhout's extended paper and Ongaro's thesis), in the
 * style of etcd's core: no I/O, no clock, no randomness of its own. Inputs are `tick()`,
 * `step(message)` and proposals; outputs accumulate in `msgs`, `readStates` and the log, and
 * RawNode packages them as a Ready.
 *
 * Implemented: elections with pre-vote (§9.6) and check-quorum (§6.2), log replication with
 * pipelining and flow control, commitment of current-term entries by quorum (§5.4.2),
 * InstallSnapshot, learners, one-at-a-time membership changes, leader transfer (§3.10),
 * ReadIndex and lease reads (§6.4).
 */
import { decodeConfChange } from './codec.js';
import { applyConfChangeTo } from './conf-change.js';
import { type RaftConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { assert, RaftError } from './errors.js';
import { RaftLog } from './log.js';
import { ProgressState } from './progress.js';
import { VoteResult } from './quorum.js';
import { ReadOnly } from './read-only.js';
import { ProgressTracker } from './tracker.js';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  entrySize,
  type HardState,
  type Message,
  message,
  MessageType,
  NONE,
  type NodeId,
  type ReadState,
  Role,
  type Snapshot,
} from './types.js';

/** Marks a vote request made on behalf of a leader transfer: it may disrupt a live leader. */
export const CAMPAIGN_TRANSFER = new Uint8Array([0x54]); // 'T'

type Campaign = 'pre-election' | 'election' | 'transfer';

export class Raft {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role = Role.Follower;
  readonly log: RaftLog;
  readonly prs: ProgressTracker;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** The node leadership is being handed to (leader only), or NONE. */
  leadTransferee: NodeId = NONE;
  /** Index of the latest conf change entry the leader appended; one may be pending at once. */
  pendingConfIndex = 0;
  private uncommittedBytes = 0;
  private readOnly = new ReadOnly();
  /** ReadIndex requests received before this leader committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Ticks since the pending leader transfer started (its own clock: see handleTransferLeader). */
  private transferElapsed = 0;

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.log = new RaftLog(this.cfg.storage, this.cfg.maxCommittedBytesPerReady);
    this.prs = new ProgressTracker(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    const { hardState, confState } = this.cfg.storage.initialState();
    this.prs.applyConfState(confState, this.log.lastIndex() + 1);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadHardState(hardState);
    if (this.cfg.applied > 0) this.log.appliedTo(Math.min(this.cfg.applied, this.log.committed));
    this.becomeFollower(this.term, NONE);
  }

  private loadHardState(h: HardState): void {
    assert(h.commit >= this.log.committed && h.commit <= this.log.lastIndex(), () =>
      `hard state commit ${h.commit} out of [${this.log.committed}, ${this.log.lastIndex()}]`);
    this.log.committed = h.commit;
    this.term = h.term;
    this.vote = h.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** A voter of the current configuration that can campaign. */
  promotable(): boolean {
    return this.prs.isVoter(this.id);
  }

  private send(m: Partial<Message> & Pick<Message, 'type' | 'to'>): void {
    assert(m.to !== this.id, () => `sending ${MessageType[m.type]} to self`);
    const voteKind =
      m.type === MessageType.Vote || m.type === MessageType.VoteResp || m.type === MessageType.PreVote || m.type === MessageType.PreVoteResp;
    // Vote messages carry the term they are about (a pre-vote the future one); every other
    // message our current term.
    if (voteKind) assert((m.term ?? 0) > 0, () => `${MessageType[m.type]} without a term`);
    const term = voteKind ? m.term! : this.term;
    this.msgs.push(message({ from: this.id, ...m, term }));
  }

  // --- Time ------------------------------------------------------------------------------

  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(message({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(message({ type: MessageType.CheckQuorum, from: this.id }));
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (this.role === Role.Leader && this.leadTransferee !== NONE && ++this.transferElapsed >= this.cfg.electionTicks) {
      this.leadTransferee = NONE;
    }
    if (this.role !== Role.Leader) return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: MessageType.Beat, from: this.id }));
    }
  }

  // --- Role changes ----------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      assert(term > this.term, () => `term moves backwards: ${this.term} -> ${term}`);
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.random.int(this.cfg.electionTicks);
    this.leadTransferee = NONE;
    this.prs.resetVotes();
    const last = this.log.lastIndex();
    this.prs.forEach((id, pr) => {
      pr.match = id === this.id ? last : 0;
      pr.next = last + 1;
      pr.becomeProbe();
      pr.next = last + 1;
      pr.recentActive = true;
    });
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = Role.Follower;
  }

  private becomePreCandidate(): void {
    assert(this.role !== Role.Leader, 'leader cannot become pre-candidate');
    // A pre-candidate changes neither term nor vote: it only asks whether it could win.
    this.prs.resetVotes();
    this.lead = NONE;
    this.role = Role.PreCandidate;
  }

  private becomeCandidate(): void {
    assert(this.role !== Role.Leader, 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  private becomeLeader(): void {
    assert(this.role === Role.Candidate, () => `only a candidate becomes leader, not ${Role[this.role]}`);
    this.reset(this.term);
    this.lead = this.id;
    this.role = Role.Leader;
    this.prs.progress.get(this.id)?.becomeReplicate();
    // Conservatively treat the whole log as possibly holding a pending conf change.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op of the new term: committing it commits everything before it (§5.4.2).
    const ok = this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }]);
    assert(ok, 'leader could not append its empty entry');
  }

  // --- Elections -------------------------------------------------------------------------

  private hup(kind: Campaign): void {
    if (this.role === Role.Leader || !this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return; // the configuration it would campaign in may be stale
    this.campaign(kind);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    for (const e of this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER)) {
      if (e.type === EntryType.ConfChange) return true;
    }
    return false;
  }

  campaign(kind: Campaign): void {
    let voteType: MessageType;
    let term: number;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1; // the term it would campaign in; its own term is unchanged
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === VoteResult.Won) {
      // A single-voter cluster wins at once.
      if (kind === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const id of this.prs.voters) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: kind === 'transfer' ? CAMPAIGN_TRANSFER : EMPTY_BYTES,
      });
    }
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes().result;
  }

  // --- The message dispatcher --------------------------------------------------------------

  /** Steps a message. Local proposals that cannot be accepted throw PROPOSAL_DROPPED. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message or forwarded request
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = m.context.length === 1 && m.context[0] === CAMPAIGN_TRANSFER[0];
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTicks;
        // Check-quorum: while we hear from a leader, ignore disruptive candidates (§4.2.3).
        if (!force && inLease) return;
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term for a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The term in a granted pre-vote is the one we will campaign in; we bump on quorum.
      } else if (m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
        // A stale leader (e.g. cut off and healed) learns our term and steps down; otherwise,
        // with check-quorum or pre-vote, it could never disrupt us to find out.
        this.send({ type: MessageType.AppResp, to: m.from });
      } else if (m.type === MessageType.PreVote) {
        this.send({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.cfg.preVote ? 'pre-election' : 'election');
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    if (this.role === Role.Leader) this.stepLeader(m);
    else if (this.role === Role.Follower) this.stepFollower(m);
    else this.stepCandidate(m);
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // Answer with the request's term: a granted pre-vote names the future term.
      this.send({ type: respType, to: m.from, term: m.term });
      if (m.type === MessageType.Vote) {
        assert(this.vote === NONE || this.vote === m.from, 'voting twice in one term');
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else if (this.term > 0) {
      this.send({ type: respType, to: m.from, term: this.term, reject: true });
    }
    // At term 0 (only a pre-vote can be refused there) we have no term to reject with: stay
    // silent, which the candidate cannot tell from a lost message.
  }

  private rejectLocal(m: Message, code: 'PROPOSAL_DROPPED' | 'CONF_CHANGE_REJECTED', why: string): void {
    // Proposals of our own caller get an error; forwarded ones are dropped (the forwarder
    // learns by timeout, as with any lost message).
    if (m.from === this.id || m.from === NONE) throw new RaftError(code, why);
  }

  // --- Leader ----------------------------------------------------------------------------

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return;
      case MessageType.CheckQuorum:
        if (!this.prs.quorumActive(this.id)) {
          this.becomeFollower(this.term, NONE);
          return;
        }
        this.prs.forEach((id, pr) => {
          if (id !== this.id) pr.recentActive = false;
        });
        return;
      case MessageType.Prop:
        this.handleProposal(m);
        return;
      case MessageType.ReadIndex:
        this.handleReadIndex(m);
        return;
      default:
        break;
    }
    const pr = this.prs.progress.get(m.from);
    if (!pr) return; // not (or no longer) a member
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m);
        return;
      case MessageType.HeartbeatResp:
        pr.recentActive = true;
        pr.msgAppFlowPaused = false;
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
        this.handleReadIndexAck(m);
        return;
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the next heartbeat response before probing again.
        pr.msgAppFlowPaused = true;
        return;
      case MessageType.Unreachable:
        // Optimistic streaming is pointless to an unreachable follower: probe instead.
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        return;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m.from);
        return;
      default:
        return;
    }
  }

  private handleProposal(m: Message): void {
    if (!this.prs.isMember(this.id)) return this.rejectLocal(m, 'PROPOSAL_DROPPED', 'leader is no longer a member');
    if (this.leadTransferee !== NONE) {
      return this.rejectLocal(m, 'PROPOSAL_DROPPED', `leadership is being transferred to ${this.leadTransferee}`);
    }
    assert(m.entries.length > 0, 'empty proposal');
    for (const e of m.entries) {
      if (e.type !== EntryType.ConfChange) continue;
      if (m.entries.length !== 1) return this.rejectLocal(m, 'CONF_CHANGE_REJECTED', 'a conf change must be proposed alone');
      if (this.pendingConfIndex > this.log.applied) {
        return this.rejectLocal(m, 'CONF_CHANGE_REJECTED', `conf change at ${this.pendingConfIndex} is not applied yet`);
      }
      if (!this.committedEntryInCurrentTerm()) {
        return this.rejectLocal(m, 'CONF_CHANGE_REJECTED', 'leader has not committed an entry of its term yet');
      }
      // Invalid changes never enter the log (they would be ignored at apply time anyway).
      let why: string | null;
      try {
        why = this.checkConfChange(decodeConfChange(e.data));
      } catch (err) {
        if (!(err instanceof RaftError)) throw err;
        why = err.message;
      }
      if (why !== null) return this.rejectLocal(m, 'CONF_CHANGE_REJECTED', why);
    }
    if (!this.appendEntries(m.entries)) {
      return this.rejectLocal(m, 'PROPOSAL_DROPPED', 'too many uncommitted bytes');
    }
    for (const e of m.entries) if (e.type === EntryType.ConfChange) this.pendingConfIndex = this.log.lastIndex();
    this.bcastAppend();
  }

  /** Checks a conf change before it is proposed (leader side), so invalid ones never enter the log. */
  checkConfChange(cc: ConfChange): string | null {
    if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === this.id && this.role === Role.Leader) {
      // A leader that removes itself steps down when the change applies; if the remaining
      // voters have not all learned of the commit by then, a two-voter cluster can be left
      // with nobody able to win an election. Hand leadership over first.
      return `node ${cc.nodeId} is the leader: transfer leadership before removing it`;
    }
    const r = applyConfChangeTo(this.prs.confState(), cc);
    return r.ok ? null : r.reason;
  }

  private appendEntries(entries: readonly Entry[]): boolean {
    let li = this.log.lastIndex();
    const bytes = entries.reduce((n, e) => n + e.data.byteLength, 0);
    const limit = this.cfg.maxUncommittedEntriesBytes;
    // Always accept empty entries (the leader's no-op) and at least one entry when under limit.
    if (limit > 0 && bytes > 0 && this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > limit) return false;
    const stamped = entries.map((e) => ({ term: this.term, index: ++li, type: e.type, data: e.data }));
    this.uncommittedBytes += bytes;
    li = this.log.append(stamped);
    // The leader's own progress counts its log; Ready persists it before any message is sent.
    this.prs.progress.get(this.id)?.maybeUpdate(li);
    this.maybeCommit();
    return true;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.termOrZero(this.log.committed) === this.term;
  }

  /** Advances the commit index to what a quorum holds, if of the current term. */
  private maybeCommit(): boolean {
    const before = this.log.committed;
    if (!this.log.maybeCommit(this.prs.committed(), this.term)) return false;
    this.reduceUncommitted(before);
    if (this.committedEntryInCurrentTerm()) this.releasePendingReadIndexMessages();
    return true;
  }

  private reduceUncommitted(before: number): void {
    if (this.uncommittedBytes === 0) return;
    for (const e of this.log.slice(before + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER)) {
      this.uncommittedBytes = Math.max(0, this.uncommittedBytes - e.data.byteLength);
    }
  }

  private handleAppendResponse(m: Message): void {
    const pr = this.prs.progress.get(m.from)!;
    pr.recentActive = true;
    if (m.reject) {
      let next = m.rejectHint;
      if (m.logTerm > 0) next = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.log.firstIndex()) {
      // Caught up past the snapshot (or a later append filled the gap): stream again.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Replicate) {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Pipelining: keep sending while the window allows and there is something to send.
    while (this.maybeSendAppend(m.from, false)) {
      // each iteration sends one bounded message
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: MessageType.TimeoutNow, to: m.from });
    }
  }

  private handleTransferLeader(transferee: NodeId): void {
    const pr = this.prs.progress.get(transferee);
    if (!pr || pr.isLearner) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return;
      this.leadTransferee = NONE;
    }
    if (transferee === this.id) return;
    // The transfer must finish within an election timeout (tickHeartbeat abandons it). Its
    // clock is not electionElapsed: resetting that would postpone check-quorum, and a leader
    // asked to transfer again and again could then outlive its lease.
    this.transferElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.send({ type: MessageType.TimeoutNow, to: transferee });
    else this.sendAppend(transferee);
  }

  // --- Replication -----------------------------------------------------------------------

  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Sends an append (or snapshot) to `to` if flow control allows. Returns whether it sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (!pr || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    let prevTerm: number;
    let ents: Entry[];
    try {
      prevTerm = this.log.term(prevIndex);
      // With a full window send an empty append only: if everything in flight was lost, its
      // answer (ack or reject) is what clears the window.
      ents = pr.state === ProgressState.Replicate && pr.inflights.full() ? [] : this.log.entries(pr.next, this.cfg.maxSizePerMsgBytes);
    } catch (err) {
      if (err instanceof RaftError && (err.code === 'COMPACTED' || err.code === 'UNAVAILABLE')) {
        return this.maybeSendSnapshot(to);
      }
      throw err;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send({ type: MessageType.App, to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed });
    const bytes = ents.reduce((n, e) => n + entrySize(e), 0);
    pr.sentEntries(ents.length, bytes, ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex);
    return true;
  }

  private maybeSendSnapshot(to: NodeId): boolean {
    const pr = this.prs.progress.get(to)!;
    if (!pr.recentActive) return false; // do not ship a snapshot to a node that may be down
    let snap: Snapshot;
    try {
      snap = this.log.snapshot();
    } catch (err) {
      if (err instanceof RaftError && err.code === 'SNAPSHOT_TEMPORARILY_UNAVAILABLE') return false;
      throw err;
    }
    assert(snap.metadata.index > 0, 'need a non-empty snapshot');
    pr.becomeSnapshot(snap.metadata.index);
    this.send({ type: MessageType.Snap, to, snapshot: snap });
    return true;
  }

  bcastAppend(): void {
    this.prs.forEach((id) => {
      if (id !== this.id) this.sendAppend(id);
    });
  }

  private bcastHeartbeat(ctx: Uint8Array = this.readOnly.lastPendingRequestCtx() ?? EMPTY_BYTES): void {
    this.prs.forEach((id, pr) => {
      if (id === this.id) return;
      // Never tell a follower to commit beyond what it is known to have.
      this.send({ type: MessageType.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed), context: ctx });
    });
  }

  // --- Reads -----------------------------------------------------------------------------

  private handleReadIndex(m: Message): void {
    if (this.prs.voters.length === 1 && this.prs.isVoter(this.id)) {
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    // Until an entry of this term commits, our commit index may lag the true one (§6.4).
    if (!this.committedEntryInCurrentTerm()) {
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.serveReadIndex(m);
  }

  private serveReadIndex(m: Message): void {
    if (this.cfg.readOnlyOption === 'lease') {
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    this.readOnly.addRequest(this.log.committed, m);
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeat(m.context);
  }

  private releasePendingReadIndexMessages(): void {
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.serveReadIndex(m);
  }

  private handleReadIndexAck(m: Message): void {
    if (this.cfg.readOnlyOption !== 'safe' || m.context.length === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (!acks) return;
    if (!this.prs.isQuorum(acks)) return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.request, rs.index);
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, requestCtx: req.context });
    } else {
      this.send({ type: MessageType.ReadIndexResp, to: req.from, index, context: req.context });
    }
  }

  // --- Follower and candidate ------------------------------------------------------------

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NONE) return this.rejectLocal(m, 'PROPOSAL_DROPPED', 'no leader');
        if (this.cfg.disableProposalForwarding) return this.rejectLocal(m, 'PROPOSAL_DROPPED', `not the leader (leader is ${this.lead})`);
        this.msgs.push({ ...m, to: this.lead, from: this.id, term: 0 });
        return;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) return;
        this.msgs.push({ ...m, to: this.lead, term: 0 });
        return;
      case MessageType.TimeoutNow:
        // The leader asks us to take over now, skipping pre-vote (we are known up to date).
        this.hup('transfer');
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) return;
        this.msgs.push({ ...m, to: this.lead, from: this.id, term: 0 });
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context });
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myVoteResp = this.role === Role.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        return this.rejectLocal(m, 'PROPOSAL_DROPPED', 'no leader (election in progress)');
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      default:
        break;
    }
    if (m.type !== myVoteResp) return;
    const result = this.poll(m.from, !m.reject);
    if (result === VoteResult.Won) {
      if (this.role === Role.PreCandidate) {
        this.campaign('election');
      } else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (result === VoteResult.Lost) {
      // A rejected pre-vote carries the voter's term, which may be ours or higher (handled above).
      this.becomeFollower(this.term, NONE);
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.send({ type: MessageType.AppResp, to: m.from, index: lastNew });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: MessageType.AppResp, to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends min(match, commit), so this never passes our log.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: MessageType.HeartbeatResp, to: m.from, context: m.context });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    assert(s !== null, 'snapshot message without snapshot');
    if (this.restore(s)) {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.lastIndex() });
    } else {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
    }
  }

  /** Installs a snapshot if it is ahead of our commit index. */
  private restore(s: Snapshot): boolean {
    const { index, term } = s.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We already have the entry: fast-forward the commit index instead.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(s);
    this.prs.applyConfState(s.metadata.confState, this.log.lastIndex() + 1);
    return true;
  }

  // --- Membership --------------------------------------------------------------------------

  /** Applies a committed conf change. Invalid ones are ignored identically on every replica. */
  applyConfChange(cc: ConfChange): ConfState {
    const r = applyConfChangeTo(this.prs.confState(), cc);
    if (!r.ok) return this.prs.confState();
    this.prs.applyConfState(r.next, this.log.lastIndex() + 1);
    if (this.role !== Role.Leader) return r.next;
    if (!this.prs.isVoter(this.id)) {
      // A leader removed (or not a voter any more) steps down. Proposals of its own removal
      // are refused (checkConfChange), so this happens only when a node that had a removal of
      // itself pending became leader. Hand over to the most caught-up voter if it has the
      // whole log, so that it need not wait for an election timeout.
      let best = NONE;
      let bestMatch = -1;
      this.prs.forEach((id, pr) => {
        if (id !== this.id && this.prs.isVoter(id) && pr.match > bestMatch) {
          best = id;
          bestMatch = pr.match;
        }
      });
      if (best !== NONE && bestMatch === this.log.lastIndex()) this.send({ type: MessageType.TimeoutNow, to: best });
      this.becomeFollower(this.term, NONE);
      return r.next;
    }
    if (this.leadTransferee !== NONE && !this.prs.isVoter(this.leadTransferee)) this.leadTransferee = NONE;
    // The quorum may have shrunk: something may commit now.
    if (this.maybeCommit()) this.bcastAppend();
    else this.prs.forEach((id) => id !== this.id && this.maybeSendAppend(id, false));
    return r.next;
  }

  // --- Invariants --------------------------------------------------------------------------

  /** Checks the local invariants; the simulator calls this after every step. */
  checkInvariants(): void {
    const log = this.log;
    assert(log.applied <= log.committed, () => `applied ${log.applied} > committed ${log.committed}`);
    assert(log.committed <= log.lastIndex(), () => `committed ${log.committed} > last ${log.lastIndex()}`);
    assert(log.firstIndex() - 1 <= log.committed, 'snapshot beyond commit');
    if (this.role === Role.Leader) {
      assert(this.lead === this.id, 'leader does not know it leads');
      assert(this.vote === this.id, 'leader did not vote for itself');
    }
    if (this.role === Role.Candidate) assert(this.vote === this.id, 'candidate did not vote for itself');
    this.prs.forEach((id, pr) => assert(pr.match < pr.next, () => `progress of ${id}: match ${pr.match} >= next ${pr.next}`));
  }
}
