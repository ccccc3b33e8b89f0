/**
 * One simulated run: a cluster of real Raft cores on a simulated network, disk and clock,
 * driven by clients and a fault injector, all from one seed. A run is a pure function of its
 * options: the same seed replays the same events in the same order.
 *
 * Phases: faults (clients + faults), settle (faults stop, partitions heal, crashed members
 * restart; clients continue), quiesce (clients stop; replicas must converge). Then the
 * checkers: safety throughout, liveness and convergence after settling, linearizability of
 * the whole client history.
 */
import { AssertionError, ConfChangeType, decodeConfChange, type Entry, EntryType, type Message, MessageType, type NodeId, Role, SeededRandom } from '@konsortium/raft';
import { SafetyChecker, type Violation } from './checkers.js';
import { EventQueue } from './event-queue.js';
import { FaultInjector, type FaultWorld, isLeader } from './faults.js';
import { KvStore } from './kv.js';
import { checkOperations, kvModel } from './linearizability/index.js';
import { SimDisk } from './sim-disk.js';
import { SimNetwork } from './sim-network.js';
import { SimNode, type SimNodeObserver, type SimNodeOptions } from './sim-node.js';
import { Workload } from './workload.js';

export interface SimOptions {
  readonly seed: number;
  readonly faultPhaseMs: number;
  readonly settlePhaseMs: number;
  readonly quiescePhaseMs: number;
  readonly maxSteps: number;
  readonly initialVoters: number;
  readonly maxNodes: number;
  readonly clients: number;
  readonly keys: number;
  readonly traceLimit: number;
  /** Share of fault actions, in percent, that cut power to every node at once. */
  readonly powerLossPercent: number;
  /** Break the environment on purpose (see SimNodeOptions.bugAckBeforeSync). */
  readonly bugAckBeforeSync?: boolean;
}

export const DEFAULT_SIM_OPTIONS: Omit<SimOptions, 'seed'> = {
  faultPhaseMs: 6000,
  settlePhaseMs: 3000,
  quiescePhaseMs: 2000,
  maxSteps: 2_000_000,
  initialVoters: 3,
  maxNodes: 5,
  clients: 4,
  keys: 4,
  traceLimit: 400,
  powerLossPercent: 4,
};

export interface SimStats {
  readonly virtualMs: number;
  readonly ops: number;
  readonly acked: number;
  readonly leaders: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly snapshotsInstalled: number;
  readonly confChangesApplied: number;
  readonly tornRecords: number;
  readonly messages: number;
  readonly dropped: number;
  readonly linearizability: 'ok' | 'illegal' | 'unknown';
}

export interface SimResult {
  readonly seed: number;
  readonly steps: number;
  readonly violations: readonly Violation[];
  readonly stats: SimStats;
  readonly trace: readonly string[];
}

const NODE_OPTIONS: SimNodeOptions = {
  electionTicks: 10,
  heartbeatTicks: 1,
  tickMs: 10,
  snapshotEvery: 40,
  keepEntriesAfterSnapshot: 8,
  maxSizePerMsgBytes: 2048,
  maxInflightMsgs: 8,
};

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation implements FaultWorld, SimNodeObserver {
  readonly clock = new EventQueue();
  readonly random: SeededRandom;
  readonly net: SimNetwork;
  readonly maxNodes: number;
  private readonly world = new Map<NodeId, SimNode>();
  private readonly checker = new SafetyChecker();
  private readonly workload: Workload;
  private readonly faults: FaultInjector;
  private readonly traceLines: string[] = [];
  private readonly nodeRandom: SeededRandom;
  private readonly fsyncRandom: SeededRandom;
  crashes = 0;
  partitions = 0;
  confChangesProposed = 0;
  private leadersElected = 0;
  private snapshotsInstalled = 0;
  private confChangesApplied = 0;

  constructor(private readonly opts: SimOptions) {
    const root = new SeededRandom(opts.seed);
    this.random = root.fork();
    this.nodeRandom = root.fork();
    this.fsyncRandom = root.fork();
    this.maxNodes = opts.maxNodes;
    this.net = new SimNetwork(
      this.clock,
      root.fork(),
      { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 5, longDelayRate: 0, longDelayMs: 200 },
      (m) => this.world.get(m.to)?.deliver(m),
    );
    this.workload = new Workload(this.clock, root.fork(), { clients: opts.clients, keys: opts.keys, timeoutMs: 600, thinkMs: 30 }, () =>
      this.pickNodeForClient(),
    );
    this.faults = new FaultInjector(this, 250, opts.powerLossPercent);
    const voters = Array.from({ length: opts.initialVoters }, (_, i) => i + 1);
    const empty = new KvStore().serialize();
    for (const id of voters) this.addNode(id, SimDisk.bootstrapped({ voters, learners: [] }, empty));
  }

  // --- FaultWorld -------------------------------------------------------------------------

  nodes(): SimNode[] {
    return [...this.world.values()];
  }

  node(id: NodeId): SimNode | undefined {
    return this.world.get(id);
  }

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.world.values()) {
      if (isLeader(n) && (!best || n.raw!.raft.term > best.raw!.raft.term)) best = n;
    }
    return best;
  }

  addNode(id: NodeId, disk: SimDisk = new SimDisk()): SimNode {
    const options = { ...NODE_OPTIONS, bugAckBeforeSync: this.opts.bugAckBeforeSync ?? false };
    const n = new SimNode(id, disk, this.clock, this.nodeRandom.fork(), options, this);
    this.world.set(id, n);
    return n;
  }

  trace(line: string): void {
    if (this.traceLines.length < this.opts.traceLimit) this.traceLines.push(`${this.clock.now}ms ${line}`);
  }

  // --- SimNodeObserver ----------------------------------------------------------------------

  send(m: Message): void {
    const accepted = this.net.send(m);
    if (m.type === MessageType.Snap) {
      // Like the real transport: report whether the snapshot left the sender.
      const from = this.world.get(m.from);
      this.clock.after(1, () => from?.withRaft((raw) => raw.reportSnapshot(m.to, accepted)));
    }
  }

  fsyncDelayMs(): number {
    // fsync is slower than a LAN round trip, as on real hardware.
    return 2 + this.fsyncRandom.int(10);
  }

  onRole(node: SimNode, role: Role, term: number): void {
    if (role !== Role.Leader) return;
    this.leadersElected++;
    this.trace(`node ${node.id} leads term ${term}`);
    this.checker.onLeader(this.clock.now, node.id, term, node.raw!);
  }

  onApplied(node: SimNode, e: Entry): void {
    this.checker.onApplied(this.clock.now, node.id, e);
    if (e.type !== EntryType.ConfChange) return;
    this.confChangesApplied++;
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.RemoveNode) this.clock.after(300, () => this.retireIfRemoved(cc.nodeId));
  }

  onSnapshotInstalled(node: SimNode, index: number): void {
    this.snapshotsInstalled++;
    this.trace(`node ${node.id} installed snapshot at ${index}`);
  }

  onPutApplied(node: SimNode, requestId: string): void {
    this.workload.onPutApplied(node, requestId);
  }

  onReadState(node: SimNode, ctx: string, index: number): void {
    this.workload.onReadState(node, ctx, index);
  }

  onAfterApply(node: SimNode): void {
    this.workload.serveReads(node);
  }

  // --- The run ------------------------------------------------------------------------------

  private retireIfRemoved(id: NodeId): void {
    const leader = this.leader();
    const n = this.world.get(id);
    if (!leader || !n) return;
    const cs = leader.confState;
    if (cs.voters.includes(id) || cs.learners.includes(id)) return;
    if (n.alive) n.crash();
    this.world.delete(id);
    this.trace(`node ${id} retired after removal`);
  }

  private pickNodeForClient(): SimNode | null {
    const alive = this.nodes().filter((n) => n.alive);
    if (alive.length === 0) return null;
    const leader = this.leader();
    if (leader && this.random.chance(0.7)) return leader;
    return alive[this.random.int(alive.length)]!;
  }

  private members(): NodeId[] {
    const cs = this.leader()?.confState;
    return cs ? [...cs.voters, ...cs.learners] : [];
  }

  run(): SimResult {
    const o = this.opts;
    const t1 = o.faultPhaseMs;
    const t2 = t1 + o.settlePhaseMs;
    const t3 = t2 + o.quiescePhaseMs;
    try {
      for (const n of this.world.values()) n.start();
      this.workload.start();
      this.faults.start();
      this.scheduleLogMatchingChecks(500);
      this.clock.runUntil(t1, o.maxSteps);
      this.settle();
      this.clock.runUntil(t2, o.maxSteps);
      this.workload.stop();
      this.clock.runUntil(t3, o.maxSteps);
      this.checkConvergence();
    } catch (err) {
      if (!(err instanceof AssertionError) && !(err instanceof Error)) throw err;
      this.checker.violations.push({ kind: 'invariant', at: this.clock.now, detail: err.stack ?? String(err) });
    }
    const lin = this.checkLinearizability();
    return {
      seed: o.seed,
      steps: this.clock.steps,
      violations: this.checker.violations,
      trace: this.traceLines,
      stats: {
        virtualMs: this.clock.now,
        ops: this.workload.history.length,
        acked: this.workload.acked,
        leaders: this.leadersElected,
        crashes: this.crashes,
        partitions: this.partitions,
        snapshotsInstalled: this.snapshotsInstalled,
        confChangesApplied: this.confChangesApplied,
        tornRecords: this.nodes().reduce((n, x) => n + x.disk.tornRecords, 0),
        messages: this.net.sent,
        dropped: this.net.dropped,
        linearizability: lin,
      },
    };
  }

  private scheduleLogMatchingChecks(everyMs: number): void {
    this.clock.after(everyMs, () => {
      const live = this.nodes().filter((n) => n.alive).map((n) => ({ id: n.id, raw: n.raw! }));
      this.checker.checkLogMatching(this.clock.now, live);
      if (this.clock.now < this.opts.faultPhaseMs + this.opts.settlePhaseMs + this.opts.quiescePhaseMs) {
        this.scheduleLogMatchingChecks(everyMs);
      }
    });
  }

  private settle(): void {
    this.faults.stop();
    this.faults.heal();
    Object.assign(this.net.faults, { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 5, longDelayRate: 0 });
    this.workload.ackedSince = 0;
    // Restart every crashed node that may still be a member.
    for (const n of this.nodes()) if (!n.alive) n.start();
    this.trace('settle: faults stopped, network healed, all nodes restarted');
  }

  private checkConvergence(): void {
    const at = this.clock.now;
    const leader = this.leader();
    if (!leader) {
      this.checker.violations.push({ kind: 'liveness', at, detail: 'no leader after the network healed and all nodes restarted' });
      return;
    }
    if (this.workload.ackedSince === 0) {
      this.checker.violations.push({ kind: 'liveness', at, detail: 'no client operation completed after settling' });
    }
    const members = this.members().map((id) => this.world.get(id)).filter((n): n is SimNode => n !== undefined && n.alive);
    const want = leader.kv.serialize();
    for (const n of members) {
      if (n.appliedIndex !== leader.appliedIndex) {
        const pr = leader.raw!.status().progress?.get(n.id);
        const view = pr ? `match ${pr.match} next ${pr.next} ${pr.state}${pr.recentActive ? '' : ' inactive'}` : 'no progress';
        this.checker.violations.push({
          kind: 'liveness',
          at,
          detail: `member ${n.id} applied ${n.appliedIndex} (commit ${n.raw!.raft.log.committed}, last ${n.raw!.raft.log.lastIndex()}), leader ${leader.id} applied ${leader.appliedIndex}; leader sees ${view}`,
        });
      } else if (Buffer.compare(Buffer.from(n.kv.serialize()), Buffer.from(want)) !== 0) {
        this.checker.violations.push({ kind: 'state-machine-safety', at, detail: `member ${n.id} state differs from leader ${leader.id} at ${n.appliedIndex}` });
      }
    }
    this.checker.checkLogMatching(at, members.map((n) => ({ id: n.id, raw: n.raw! })));
  }

  private checkLinearizability(): 'ok' | 'illegal' | 'unknown' {
    const r = checkOperations(kvModel, this.workload.history, { maxSteps: 5_000_000 });
    if (r.result === 'illegal') {
      this.checker.violations.push({ kind: 'linearizability', at: this.clock.now, detail: r.explanation });
    }
    return r.result;
  }
}
