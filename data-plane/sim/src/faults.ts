/**
 * The fault injector: during the fault phase of a run it picks, at random intervals, one of
 * crash/restart, whole-cluster power loss, partition/heal, leader isolation, network weather, membership change
 * (add learner, promote, remove) or leader transfer. Every action is logged to the trace so a
 * failing seed can be read as a story.
 */
import { ConfChangeType, type NodeId, RaftError, Role, type SeededRandom } from '@konsortium/raft';
import type { EventQueue } from './event-queue.js';
import type { SimNetwork } from './sim-network.js';
import type { SimNode } from './sim-node.js';

export interface FaultWorld {
  readonly clock: EventQueue;
  readonly random: SeededRandom;
  readonly net: SimNetwork;
  readonly maxNodes: number;
  nodes(): SimNode[];
  node(id: NodeId): SimNode | undefined;
  leader(): SimNode | undefined;
  addNode(id: NodeId): SimNode;
  trace(line: string): void;
  crashes: number;
  partitions: number;
  confChangesProposed: number;
}

const encoder = new TextEncoder();

export class FaultInjector {
  private active = false;

  constructor(
    private readonly w: FaultWorld,
    private readonly meanIntervalMs: number,
    /** Share of fault actions, in percent, that are whole-cluster power losses. */
    private readonly powerLossPercent: number,
  ) {}

  start(): void {
    this.active = true;
    this.scheduleNext();
  }

  stop(): void {
    this.active = false;
  }

  private scheduleNext(): void {
    const w = this.w;
    w.clock.after(this.meanIntervalMs / 2 + w.random.int(this.meanIntervalMs), () => {
      if (!this.active) return;
      this.act();
      this.scheduleNext();
    });
  }

  private act(): void {
    const w = this.w;
    if (w.random.int(100) < this.powerLossPercent) return this.powerLoss();
    const roll = w.random.int(100);
    if (roll < 20) this.crashOne(false);
    else if (roll < 28) this.crashOne(true);
    else if (roll < 40) this.partition();
    else if (roll < 48) this.isolateLeader();
    else if (roll < 60) this.weather();
    else if (roll < 70) this.addLearner();
    else if (roll < 80) this.promote();
    else if (roll < 86) this.remove();
    else if (roll < 95) this.transfer();
    else this.heal();
  }

  private alive(): SimNode[] {
    return this.w.nodes().filter((n) => n.alive);
  }

  private crashOne(leaderOnly: boolean): void {
    const w = this.w;
    const candidates = leaderOnly ? [w.leader()].filter((n): n is SimNode => n !== undefined) : this.alive();
    if (candidates.length === 0) return;
    const n = candidates[w.random.int(candidates.length)]!;
    n.crash();
    w.crashes++;
    const downMs = 20 + w.random.int(1500);
    w.trace(`crash node ${n.id}${leaderOnly ? ' (leader)' : ''}, restart in ${downMs}ms`);
    w.clock.after(downMs, () => {
      if (!n.alive && w.node(n.id) === n) {
        n.start();
        w.trace(`restart node ${n.id}`);
      }
    });
  }

  /** Every node loses power at the same instant (a correlated failure, e.g. one rack). */
  private powerLoss(): void {
    const w = this.w;
    const alive = this.alive();
    for (const n of alive) n.crash();
    w.crashes += alive.length;
    const downMs = 20 + w.random.int(500);
    w.trace(`power loss: nodes [${alive.map((n) => n.id)}] crash, restart in ${downMs}ms`);
    w.clock.after(downMs, () => {
      for (const n of alive) {
        if (!n.alive && w.node(n.id) === n) n.start();
      }
      w.trace('power restored');
    });
  }

  private partition(): void {
    const w = this.w;
    const ids = w.nodes().map((n) => n.id);
    if (ids.length < 2) return;
    const a: NodeId[] = [];
    const b: NodeId[] = [];
    for (const id of ids) (w.random.chance(0.5) ? a : b).push(id);
    if (a.length === 0 || b.length === 0) return;
    w.net.partition([a, b]);
    w.partitions++;
    const healMs = 100 + w.random.int(2000);
    w.trace(`partition [${a}] | [${b}], heal in ${healMs}ms`);
    w.clock.after(healMs, () => this.heal());
  }

  private isolateLeader(): void {
    const w = this.w;
    const leader = w.leader();
    if (!leader) return;
    const rest = w.nodes().map((n) => n.id).filter((id) => id !== leader.id);
    w.net.partition([[leader.id], rest]);
    w.partitions++;
    const healMs = 100 + w.random.int(1500);
    w.trace(`isolate leader ${leader.id}, heal in ${healMs}ms`);
    w.clock.after(healMs, () => this.heal());
  }

  heal(): void {
    if (!this.w.net.isPartitioned()) return;
    this.w.net.heal();
    this.w.trace('heal partitions');
  }

  private weather(): void {
    const w = this.w;
    const f = w.net.faults;
    f.dropRate = w.random.chance(0.3) ? 0 : w.random.int(25) / 100;
    f.duplicateRate = w.random.int(6) / 100;
    f.minDelayMs = 1 + w.random.int(3);
    f.maxDelayMs = f.minDelayMs + w.random.int(30);
    f.longDelayRate = w.random.int(5) / 100;
    w.trace(`network drop=${f.dropRate} dup=${f.duplicateRate} delay=${f.minDelayMs}-${f.maxDelayMs}ms long=${f.longDelayRate}`);
  }

  private propose(leader: SimNode, type: ConfChangeType, id: NodeId, what: string): void {
    const w = this.w;
    const r = leader.withRaft((raw) => raw.proposeConfChange({ type, nodeId: id, context: encoder.encode(`sim-${id}`) }));
    w.confChangesProposed++;
    w.trace(`${what} node ${id} via leader ${leader.id}: ${r instanceof RaftError ? r.code : 'proposed'}`);
  }

  private addLearner(): void {
    const w = this.w;
    const leader = w.leader();
    if (!leader) return;
    const cs = leader.confState;
    const members = new Set([...cs.voters, ...cs.learners]);
    if (members.size >= w.maxNodes) return;
    let id = 1;
    while (members.has(id) || w.node(id)?.alive) id++;
    if (!w.node(id)) w.addNode(id).start();
    this.propose(leader, ConfChangeType.AddLearner, id, 'add learner');
  }

  private promote(): void {
    const w = this.w;
    const leader = w.leader();
    const status = leader?.raw?.status();
    if (!leader || !status?.progress) return;
    for (const id of leader.confState.learners) {
      const pr = status.progress.get(id);
      if (pr && pr.match + 5 >= status.lastIndex) return this.propose(leader, ConfChangeType.PromoteLearner, id, 'promote');
    }
  }

  private remove(): void {
    const w = this.w;
    const leader = w.leader();
    if (!leader) return;
    const cs = leader.confState;
    const removable = [...cs.learners, ...(cs.voters.length > 3 ? cs.voters : [])].filter((id) => id !== leader.id);
    if (removable.length === 0) return;
    this.propose(leader, ConfChangeType.RemoveNode, removable[w.random.int(removable.length)]!, 'remove');
  }

  private transfer(): void {
    const w = this.w;
    const leader = w.leader();
    if (!leader) return;
    const others = leader.confState.voters.filter((id) => id !== leader.id);
    if (others.length === 0) return;
    const to = others[w.random.int(others.length)]!;
    leader.withRaft((raw) => raw.transferLeader(to));
    w.trace(`transfer leadership ${leader.id} -> ${to}`);
  }
}

export function isLeader(n: SimNode): boolean {
  return n.alive && n.role() === Role.Leader;
}
