/**
 * The node runtime: the only place where the pure Raft core meets real time, disks and
 * sockets. It owns the RawNode, its MemoryStorage, the WAL, the snapshotter, the KV state
 * machine and the transport, and runs the Ready loop:
 *
 *   1. apply at once the committed entries that are already durable here (they do not wait
 *      for this Ready's fsync; they were persisted by earlier Readies). Likewise, entries
 *      that commit while the fsync is in flight are applied as the acks arrive (Applier);
 *   2. persist snapshot, entries and hard state (one WAL save; fsync when mustSync), before
 *      sending: votes and acks promise state that must survive a crash, and the core counts
 *      the leader's own entries toward the quorum as soon as it appends them (so the leader
 *      may not send them in parallel with its fsync, Raft thesis §10.2.1);
 *   3. send messages;  4. apply the snapshot and the remaining committed entries;
 *   5. serve read states;  6. advance;  7. take a snapshot if one is due.
 *
 * One loop runs at a time; it is scheduled with setImmediate after anything that may produce
 * a Ready (a step, a proposal, a tick). While it awaits the fsync, messages keep being stepped
 * and proposals keep accumulating in the core, so the next Ready carries them all: group commit.
 * Each run handles one Ready (bounded by maxCommittedBytesPerReady), then yields.
 */
import { randomInt } from 'node:crypto';
import {
  type HardState,
  type Message,
  NONE,
  type NodeId,
  RaftError,
  RawNode,
  type Ready,
  Role,
  SeededRandom,
  type SoftState,
} from '@konsortium/raft';
import type { Logger } from 'pino';
import { NodeError, notLeader } from '../errors.js';
import type { Member } from '../kv/members.js';
import type { KvRecord, PutResult } from '../kv/state-machine.js';
import { NodeMetrics } from '../metrics.js';
import { RaftTransport } from '../transport/raft-transport.js';
import { Applier } from './applier.js';
import { type DurableState, openDurableState } from './boot.js';
import { ConditionWaiters } from './conditions.js';
import { MembershipAdmin, type MemberView } from './membership.js';
import { type NodeOptions, type ResolvedNodeOptions, resolveNodeOptions } from './options.js';
import { ProposalWaiters, proposeAsLeader } from './proposals.js';
import { PutBatcher } from './put-batcher.js';
import { ReadBatcher } from './read-batcher.js';
import { SnapshotManager } from './snapshots.js';
import { buildStatus, type NodeStatus, ROLE_NAMES } from './status.js';
import { parseHostPort } from '../addresses.js';
import type { RaftHandle } from '../ledger/raft-handle.js';

export type Consistency = 'linearizable' | 'serializable';

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

/** Longest stretch of applying committed entries before the event loop gets a turn. */
const APPLY_SLICE_MS = 20;

/** Raft knobs that are not user options: sized for a LAN cluster with small entries. */
const RAFT_TUNING = {
  maxSizePerMsgBytes: 1024 * 1024,
  maxInflightMsgs: 512,
  maxUncommittedEntriesBytes: 256 * 1024 * 1024,
  maxCommittedBytesPerReady: 4 * 1024 * 1024,
  checkQuorum: true,
  preVote: true,
} as const;

export class KonsortiumNode {
  readonly id: NodeId;
  readonly metrics: NodeMetrics;
  readonly transport: RaftTransport;
  readonly logger: Logger;
  private readonly opts: ResolvedNodeOptions;
  private readonly rawNode: RawNode;
  private readonly d: DurableState;
  private readonly waiters = new ProposalWaiters();
  private readonly puts: PutBatcher;
  private readonly reads: ReadBatcher;
  private readonly snapshots: SnapshotManager;
  private readonly membership: MembershipAdmin;
  private readonly applier: Applier;
  private readonly conditions = new ConditionWaiters();
  private ticker: NodeJS.Timeout | null = null;
  private readyScheduled = false;
  private loop: Promise<void> | null = null;
  private state: 'created' | 'running' | 'stopping' | 'stopped' | 'failed' = 'created';
  private soft: SoftState;
  /** A Ready's WAL save is in flight (and the Ready holds no snapshot): see Applier.applyDurableCommitted. */
  private persisting = false;
  /** The newest hard state not yet written to the WAL (only its commit index changed). */
  private unsavedHardState: HardState | null = null;
  /** Called when the node cannot go on (a WAL write failed): the process should exit. */
  onFatal: (err: unknown) => void;

  private constructor(opts: ResolvedNodeOptions, d: DurableState, metrics: NodeMetrics) {
    this.opts = opts;
    this.id = opts.id;
    this.d = d;
    this.logger = opts.logger;
    this.metrics = metrics;
    this.onFatal = (err) => this.logger.fatal({ err }, 'node failed');
    this.rawNode = new RawNode({
      id: opts.id,
      electionTicks: opts.electionTicks,
      heartbeatTicks: opts.heartbeatTicks,
      storage: d.storage,
      random: new SeededRandom(randomInt(0, 2 ** 31)),
      applied: d.snapshotIndex,
      ...RAFT_TUNING,
    });
    this.soft = { leader: NONE, role: Role.Follower };
    this.transport = new RaftTransport({
      self: { id: opts.id, clusterId: opts.clusterId, raftAddr: opts.raftAddr },
      logger: this.logger.child({ component: 'transport' }),
      limits: opts.transportLimits,
      ...(opts.raftServer === undefined ? {} : { sharedServer: opts.raftServer }),
    });
    const scheduleReady = (): void => this.scheduleReady();
    this.puts = new PutBatcher({
      rawNode: this.rawNode,
      waiters: this.waiters,
      metrics,
      requestTimeoutMs: opts.requestTimeoutMs,
      maxPendingProposals: opts.maxPendingProposals,
      proposed: scheduleReady,
    });
    this.reads = new ReadBatcher({ selfId: opts.id, rawNode: this.rawNode, kv: d.kv, requestTimeoutMs: opts.requestTimeoutMs, requested: scheduleReady });
    this.applier = new Applier({
      selfId: opts.id,
      rawNode: this.rawNode,
      storage: d.storage,
      kv: d.kv,
      waiters: this.waiters,
      reads: this.reads,
      transport: this.transport,
      metrics,
      logger: this.logger,
      maxApplyBytes: RAFT_TUNING.maxCommittedBytesPerReady,
    });
    this.snapshots = new SnapshotManager(
      {
        rawNode: this.rawNode,
        kv: d.kv,
        storage: d.storage,
        snapshotter: d.snapshotter,
        wal: d.wal,
        metrics,
        logger: this.logger,
        snapshotEntries: opts.snapshotEntries,
        keepEntries: opts.snapshotKeepEntries,
        onFailure: (err) => this.fail(err),
        wake: scheduleReady,
      },
      d.snapshotIndex,
    );
    this.membership = new MembershipAdmin({
      selfId: opts.id,
      rawNode: this.rawNode,
      kv: d.kv,
      waiters: this.waiters,
      requestTimeoutMs: opts.requestTimeoutMs,
      transferTimeoutMs: 3 * opts.electionTicks * opts.tickMs,
      promoteLagEntries: opts.promoteLagEntries,
      scheduleReady,
      waitUntil: (pred, timeoutMs, what) => this.conditions.waitUntil(pred, timeoutMs, what),
    });
    metrics.bind({
      raft: () => {
        const r = this.rawNode.raft;
        return { term: r.term, commitIndex: r.log.committed, appliedIndex: d.kv.appliedIndex, lastIndex: r.log.lastIndex(), firstIndex: r.log.firstIndex(), role: r.role, leaderId: r.lead };
      },
      transport: () => this.transport.stats,
      wal: () => d.wal.stats(),
    });
  }

  /** Opens the data directory (bootstrapping, joining or restarting); starts nothing. */
  static async open(options: NodeOptions & { metrics?: NodeMetrics }): Promise<KonsortiumNode> {
    const opts = resolveNodeOptions(options);
    if (parseHostPort(opts.raftAddr) === null) throw new RangeError(`raftAddr must be host:port, got ${opts.raftAddr}`);
    const d = await openDurableState({ ...opts, logger: opts.logger, extension: opts.extension ?? null });
    let node: KonsortiumNode;
    try {
      node = new KonsortiumNode(opts, d, options.metrics ?? new NodeMetrics({ node: String(opts.id) }));
    } catch (err) {
      await d.wal.close().catch(() => undefined);
      throw err;
    }
    node.logger.info(
      { mode: d.mode, snapshotIndex: d.snapshotIndex, lastIndex: d.storage.lastIndex(), commit: d.startCommit, keys: d.kv.size },
      'opened data directory',
    );
    return node;
  }

  /** Listens for peers, connects to them and starts the clock. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`start() in state ${this.state}`);
    const listen = parseHostPort(this.opts.raftAddr)!;
    await this.transport.listen(listen.host, listen.port);
    this.transport.setHandler({
      onMessages: (msgs) => this.stepAll(msgs),
      onUnreachable: (id) => this.safeStep(() => this.rawNode.reportUnreachable(id)),
      onSnapshotStatus: (id, ok) => this.safeStep(() => this.rawNode.reportSnapshot(id, ok)),
    });
    // Addresses: the replicated membership first, then the command line as an address book.
    for (const m of this.d.kv.memberList()) this.transport.setPeer(m.id, m.raftAddr);
    for (const p of this.opts.peers) if (!this.transport.hasPeer(p.id)) this.transport.setPeer(p.id, p.raftAddr);
    this.state = 'running';
    this.ticker = setInterval(() => this.tick(), this.opts.tickMs);
    this.scheduleReady();
  }

  /** Stops: no new work, the running Ready finishes (its fsync completes), WAL closed. */
  async close(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasFailed = this.state === 'failed';
    this.state = 'stopping';
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.transport.setHandler(null);
    while (this.loop) await this.loop.catch(() => undefined);
    await this.snapshots.idle();
    const err = new NodeError('SHUTTING_DOWN', 'node is shutting down');
    this.failPending(err);
    await this.transport.close();
    if (this.unsavedHardState && !wasFailed) {
      // Not needed for safety; it lets the restart replay up to the last known commit at once.
      await this.d.wal.save({ hardState: this.unsavedHardState, entries: [] }, { sync: true });
      this.unsavedHardState = null;
    }
    await this.d.wal.close().catch((e: unknown) => {
      if (!wasFailed) throw e;
    });
    this.state = 'stopped';
    this.logger.info('node stopped');
  }

  /** The Raft group as a replicated service on it sees it (see ledger/raft-handle.ts). */
  raftHandle(): RaftHandle {
    const raft = this.rawNode.raft;
    return {
      selfId: this.id,
      isLeader: () => this.state === 'running' && raft.role === Role.Leader,
      leaderId: () => raft.lead,
      httpAddrOf: (id) => this.d.kv.member(id)?.httpAddr ?? null,
      propose: (datas) => {
        if (this.state !== 'running') throw new NodeError('SHUTTING_DOWN', `node is ${this.state}`);
        const at = proposeAsLeader(this.rawNode, datas);
        this.scheduleReady();
        return at;
      },
    };
  }

  // --- API used by HTTP ------------------------------------------------------------------

  put(key: string, value: string): Promise<PutResult> {
    if (this.state !== 'running') return Promise.reject(new NodeError('SHUTTING_DOWN', `node is ${this.state}`));
    return this.puts.put(key, value);
  }

  async get(key: string, consistency: Consistency): Promise<KvRecord | undefined> {
    if (this.state !== 'running') throw new NodeError('SHUTTING_DOWN', `node is ${this.state}`);
    if (consistency === 'serializable') return this.d.kv.get(key);
    return this.reads.read(key);
  }

  status(): NodeStatus {
    return buildStatus(this.rawNode, this.d.kv);
  }

  readiness(): Readiness {
    if (this.state !== 'running') return { ready: false, reason: `node is ${this.state}` };
    if (this.applier.removed) return { ready: false, reason: 'this node was removed from the cluster' };
    if (this.rawNode.raft.lead === NONE) return { ready: false, reason: 'no leader known' };
    if (this.d.kv.appliedIndex < this.d.startCommit) {
      return { ready: false, reason: `replaying: applied ${this.d.kv.appliedIndex} of ${this.d.startCommit}` };
    }
    return { ready: true, reason: 'ok' };
  }

  addLearner(m: Member): Promise<MemberView> {
    return this.admin(() => this.membership.addLearner(m));
  }

  promote(id: NodeId): Promise<MemberView> {
    return this.admin(() => this.membership.promote(id));
  }

  removeMember(id: NodeId): Promise<void> {
    return this.admin(() => this.membership.remove(id));
  }

  transferLeader(to: NodeId): Promise<NodeId> {
    return this.admin(() => this.membership.transfer(to));
  }

  /** Takes a snapshot now (leader only); resolves with its index. */
  snapshot(): Promise<number> {
    return this.admin(() => {
      const raft = this.rawNode.raft;
      if (raft.role !== Role.Leader) throw notLeader(raft.lead);
      const p = this.snapshots.request();
      this.scheduleReady();
      return p;
    });
  }

  private async admin<T>(op: () => Promise<T>): Promise<T> {
    if (this.state !== 'running') throw new NodeError('SHUTTING_DOWN', `node is ${this.state}`);
    return op();
  }

  // --- Inputs --------------------------------------------------------------------------------

  private tick(): void {
    this.rawNode.tick();
    const now = Date.now();
    this.waiters.sweep(now);
    this.reads.sweep(now);
    this.conditions.check(now);
    this.scheduleReady();
  }

  private stepAll(msgs: readonly Message[]): void {
    for (const m of msgs) {
      try {
        this.rawNode.step(m);
      } catch (err) {
        // Checked messages should never throw; if one does, drop it rather than the node.
        if (!(err instanceof RaftError)) throw err;
        this.logger.warn({ err: err.message, from: m.from }, 'message refused by the core');
      }
    }
    if (this.persisting) this.applier.applyDurableCommitted();
    this.scheduleReady();
  }

  private safeStep(fn: () => void): void {
    if (this.state !== 'running') return;
    fn();
    this.scheduleReady();
  }

  // --- The Ready loop ----------------------------------------------------------------------

  private scheduleReady(): void {
    if (this.readyScheduled || this.loop !== null || this.state !== 'running') return;
    this.readyScheduled = true;
    setImmediate(this.runLoop);
  }

  private readonly runLoop = (): void => {
    this.readyScheduled = false;
    if (this.loop !== null || this.state !== 'running') return;
    if (!this.rawNode.hasReady() && !this.snapshots.due) return;
    this.loop = this.loopOnce().then(
      () => {
        this.loop = null;
        if (this.rawNode.hasReady() || this.snapshots.due) this.scheduleReady();
      },
      (err: unknown) => {
        this.loop = null;
        this.fail(err);
      },
    );
  };

  private async loopOnce(): Promise<void> {
    if (this.rawNode.hasReady()) await this.handleReady(this.rawNode.ready());
    this.snapshots.maybeStart();
  }

  private async handleReady(rd: Ready): Promise<void> {
    const started = performance.now();
    if (rd.softState) this.softStateChanged(rd.softState);
    const committed = rd.committedEntries;
    let applyFrom = 0;
    if (rd.snapshot === null) {
      const firstUnstable = rd.entries.length > 0 ? rd.entries[0]!.index : Number.POSITIVE_INFINITY;
      while (applyFrom < committed.length && committed[applyFrom]!.index < firstUnstable) applyFrom++;
      await this.applier.applyEntriesSliced(committed, 0, applyFrom, APPLY_SLICE_MS);
    }

    if (rd.snapshot) await this.d.snapshotter.save(rd.snapshot);
    if (rd.hardState) this.unsavedHardState = rd.hardState;
    // A hard state whose only news is the commit index need not be durable (a restarted node
    // learns it again from the leader): it rides along with the next write that must happen.
    if (rd.snapshot || rd.entries.length > 0 || rd.mustSync) {
      const t0 = performance.now();
      const hardState = this.unsavedHardState;
      this.unsavedHardState = null;
      this.persisting = rd.snapshot === null;
      try {
        await this.d.wal.save({ hardState, entries: rd.entries, snapshot: rd.snapshot?.metadata ?? null }, { sync: rd.mustSync });
      } finally {
        this.persisting = false;
      }
      if (rd.mustSync) this.metrics.fsyncSeconds.observe((performance.now() - t0) / 1000);
    }
    if (rd.snapshot) this.d.storage.applySnapshot(rd.snapshot);
    this.d.storage.append(rd.entries);
    if (rd.hardState) this.d.storage.setHardState(rd.hardState);

    if (rd.messages.length > 0) this.transport.send(rd.messages);

    if (rd.snapshot) await this.applier.installSnapshot(rd.snapshot);
    await this.applier.applyEntriesSliced(committed, applyFrom, committed.length, APPLY_SLICE_MS);
    if (rd.readStates.length > 0) this.reads.onReadStates(rd.readStates);
    this.rawNode.advance(rd);
    if (rd.snapshot) await this.snapshots.installed(rd.snapshot.metadata.index);
    this.metrics.readyLoopSeconds.observe((performance.now() - started) / 1000);
  }

  private softStateChanged(s: SoftState): void {
    const prev = this.soft;
    this.soft = s;
    if (prev.role === Role.Leader && s.role !== Role.Leader) {
      this.waiters.failAll(new NodeError('LEADERSHIP_LOST', 'leadership lost before the entry was applied; outcome unknown', { leaderId: s.leader }));
    }
    if (prev.leader !== s.leader && prev.leader !== NONE) this.reads.leaderChanged();
    if ((prev.role === Role.Leader) !== (s.role === Role.Leader) || prev.leader !== s.leader) this.d.kv.extension?.leadershipChanged(s.role === Role.Leader);
    this.logger.info({ role: ROLE_NAMES[s.role], leaderId: s.leader, term: this.rawNode.raft.term }, 'raft role changed');
    this.conditions.check(Date.now());
  }

  private failPending(err: NodeError): void {
    this.puts.failQueued(err);
    this.waiters.failAll(err);
    this.reads.failAll(err);
    this.snapshots.failRequests(err);
    this.conditions.failAll(err);
  }

  private fail(err: unknown): void {
    if (this.state !== 'running') return;
    this.state = 'failed';
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.failPending(new NodeError('SHUTTING_DOWN', 'node failed'));
    this.onFatal(err);
  }
}
