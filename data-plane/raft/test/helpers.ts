// Test harnesses for the Raft core.
//
// TestCluster: a synchronous in-memory cluster of RawNodes. MemoryStorage is the disk (a
// Ready is persisted, then its messages are queued, then it is applied, then advanced), and a
// message queue is the network, with hooks to drop, partition, hold and inject messages.
//
// newRaft/drain: a bare Raft for unit tests that drive single messages by hand.
import {
  type ConfChange,
  type ConfChangeType,
  type ConfState,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  MemoryStorage,
  type Message,
  message,
  MessageType,
  Raft,
  type RaftConfig,
  RawNode,
  type Ready,
  type ReadState,
  Role,
  SeededRandom,
  type Snapshot,
} from '../src/index.js';

export interface TestNode {
  id: number;
  node: RawNode;
  storage: MemoryStorage;
  /** Applied non-empty normal entries, in order (the state machine). */
  applied: Entry[];
  /** Index of the last applied entry (any type) or installed snapshot. */
  appliedIndex: number;
  confState: ConfState;
  readIndexes: number[];
  readStates: ReadState[];
  /** Snapshots this node installed from a leader (Ready.snapshot). */
  installed: Snapshot[];
  /** Conf changes applied, with the configuration that resulted. */
  confChanges: { change: ConfChange; confState: ConfState }[];
  opts: Partial<RaftConfig>;
  seed: number;
}

function linkKey(from: number, to: number): string {
  return `${from}->${to}`;
}

/** Encodes a state machine (the applied entries) as snapshot data. */
export function encodeApplied(entries: readonly Entry[]): Uint8Array {
  return data(JSON.stringify(entries.map((e) => [e.index, e.term, text(e)])));
}

export function decodeApplied(b: Uint8Array): Entry[] {
  if (b.byteLength === 0) return [];
  const rows = JSON.parse(new TextDecoder().decode(b)) as [number, number, string][];
  return rows.map(([index, term, s]) => ({ index, term, type: EntryType.Normal, data: data(s) }));
}

export class TestCluster {
  readonly nodes = new Map<number, TestNode>();
  queue: Message[] = [];
  /** Messages for which this returns true are dropped when sent. */
  drop: (m: Message) => boolean = () => false;
  /** Every message any node sent (before drops), in order. */
  sent: Message[] = [];
  /** Nodes that are down: they neither tick nor receive. */
  readonly down = new Set<number>();
  /**
   * Play the transport's part for snapshots: tell the sender whether each Snap message got
   * through (reportSnapshot), as the real node's transport does. Off by default so tests can
   * report by hand.
   */
  autoReportSnapshots = false;
  private readonly cut = new Set<string>();

  constructor(ids: number[], opts: Partial<RaftConfig> = {}, seed = 1, learners: number[] = []) {
    const confState = { voters: ids.filter((id) => !learners.includes(id)), learners };
    for (const id of ids) this.add(id, confState, opts, seed);
  }

  /** Adds a node whose disk holds a snapshot at (1, 1) with `confState`. */
  add(id: number, confState: ConfState, opts: Partial<RaftConfig> = {}, seed = 1): TestNode {
    const storage = new MemoryStorage();
    storage.applySnapshot({ metadata: { index: 1, term: 1, confState }, data: EMPTY_BYTES });
    return this.start(id, storage, confState, opts, seed, []);
  }

  /** Adds a node whose disk holds a snapshot at (1, 1), then entries of `setup.terms` (2, 3, ...). */
  addWithLog(id: number, setup: RaftSetup): TestNode {
    const storage = setupStorage(setup);
    return this.start(id, storage, storage.snapshot().metadata.confState, setup.opts ?? {}, setup.seed ?? 1, []);
  }

  /** Adds a brand-new node with an empty disk (it learns everything from the leader). */
  addEmpty(id: number, opts: Partial<RaftConfig> = {}, seed = 1): TestNode {
    return this.start(id, new MemoryStorage(), { voters: [], learners: [] }, opts, seed, []);
  }

  private start(id: number, storage: MemoryStorage, confState: ConfState, opts: Partial<RaftConfig>, seed: number, applied: Entry[], appliedIndex = 0): TestNode {
    const node = new RawNode({
      id,
      electionTicks: 10,
      heartbeatTicks: 1,
      storage,
      random: new SeededRandom(seed * 1000 + id),
      ...opts,
      ...(appliedIndex > 0 ? { applied: appliedIndex } : {}),
    });
    const tn: TestNode = {
      id,
      node,
      storage,
      applied,
      appliedIndex: Math.max(appliedIndex, storage.firstIndex() - 1),
      confState,
      readIndexes: [],
      readStates: [],
      installed: [],
      confChanges: [],
      opts,
      seed,
    };
    this.nodes.set(id, tn);
    return tn;
  }

  /**
   * Restarts a node from what its disk holds (a crash: unpersisted state and queued messages to
   * it are lost). The state machine restarts from the disk's snapshot and re-applies the log.
   */
  restart(id: number, opts: Partial<RaftConfig> = {}): TestNode {
    const old = this.get(id);
    const snap = old.storage.snapshot();
    const applied = decodeApplied(snap.data);
    for (const m of this.queue) if (m.to === id) this.lost(m);
    this.queue = this.queue.filter((m) => m.to !== id);
    this.down.delete(id);
    // Like a real node: the state machine is the snapshot, so the log is applied from after it.
    return this.start(id, old.storage, snap.metadata.confState, { ...old.opts, ...opts }, old.seed + 17, applied, snap.metadata.index);
  }

  get(id: number): TestNode {
    const tn = this.nodes.get(id);
    if (!tn) throw new Error(`no node ${id}`);
    return tn;
  }

  raft(id: number): Raft {
    return this.get(id).node.raft;
  }

  // --- Network faults ------------------------------------------------------------------

  /** Cuts both directions between `a` and `b`. */
  cutLink(a: number, b: number): void {
    this.cut.add(linkKey(a, b));
    this.cut.add(linkKey(b, a));
  }

  /** Cuts `id` from every other node. */
  isolate(id: number): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  /** Only nodes within the same group can talk. */
  partition(...groups: number[][]): void {
    for (const g of groups) {
      for (const h of groups) {
        if (g === h) continue;
        for (const a of g) for (const b of h) this.cutLink(a, b);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  blocked(m: Message): boolean {
    return this.down.has(m.to) || this.down.has(m.from) || this.cut.has(linkKey(m.from, m.to)) || this.drop(m);
  }

  /** Stops a node (it no longer ticks, sends or receives). */
  stop(id: number): void {
    this.down.add(id);
    for (const m of this.queue) if (m.to === id) this.lost(m);
    this.queue = this.queue.filter((m) => m.to !== id);
  }

  // --- Driving -------------------------------------------------------------------------

  /** Processes one node's Ready (if any): persist, send, apply, advance. */
  processNode(tn: TestNode): boolean {
    if (this.down.has(tn.id) || !tn.node.hasReady()) return false;
    const rd: Ready = tn.node.ready();
    this.handleReady(tn, rd);
    tn.node.advance(rd);
    tn.node.raft.checkInvariants();
    return true;
  }

  handleReady(tn: TestNode, rd: Ready): void {
    if (rd.snapshot) {
      tn.storage.applySnapshot(rd.snapshot);
      tn.confState = rd.snapshot.metadata.confState;
      tn.applied = decodeApplied(rd.snapshot.data);
      tn.appliedIndex = rd.snapshot.metadata.index;
      tn.installed.push(rd.snapshot);
    }
    tn.storage.append(rd.entries);
    if (rd.hardState) tn.storage.setHardState(rd.hardState);
    for (const m of rd.messages) {
      this.sent.push(m);
      if (!this.blocked(m)) this.queue.push(m);
      else this.lost(m);
    }
    for (const e of rd.committedEntries) {
      if (e.index <= tn.appliedIndex) continue;
      if (e.type === EntryType.ConfChange) {
        const r = tn.node.applyConfChangeEntry(e);
        tn.confState = r.confState;
        tn.confChanges.push(r);
      } else if (e.data.byteLength > 0) {
        tn.applied.push(e);
      }
      tn.appliedIndex = e.index;
    }
    for (const rs of rd.readStates) {
      tn.readIndexes.push(rs.index);
      tn.readStates.push(rs);
    }
  }

  /** Processes every node's Ready until none has one, queueing messages. */
  processReady(): boolean {
    let any = false;
    for (const tn of this.nodes.values()) {
      while (this.processNode(tn)) any = true;
    }
    return any;
  }

  /** Steps one message into its destination (if up), dropping it if blocked. */
  deliverMessage(m: Message): void {
    if (this.blocked(m)) return this.lost(m);
    const to = this.nodes.get(m.to);
    if (!to) return this.lost(m);
    to.node.step(m);
    if (m.type === MessageType.Snap && this.autoReportSnapshots && !this.down.has(m.from)) this.nodes.get(m.from)?.node.reportSnapshot(m.to, true);
  }

  /** A message that will never arrive: a lost snapshot is reported to its sender. */
  lost(m: Message): void {
    if (m.type === MessageType.Snap && this.autoReportSnapshots && !this.down.has(m.from)) this.nodes.get(m.from)?.node.reportSnapshot(m.to, false);
  }

  /** Delivers the queued messages that match `pred` (one round); the rest stay queued. */
  deliver(pred: (m: Message) => boolean = () => true): number {
    this.processReady();
    const now = this.queue.filter(pred);
    this.queue = this.queue.filter((m) => !pred(m));
    for (const m of now) this.deliverMessage(m);
    this.processReady();
    return now.length;
  }

  /** Removes and returns the queued messages that match `pred` (holding them back). */
  take(pred: (m: Message) => boolean): Message[] {
    this.processReady();
    const taken = this.queue.filter(pred);
    this.queue = this.queue.filter((m) => !pred(m));
    return taken;
  }

  /** Delivers messages until the cluster is quiet (bounded). */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const progressed = this.processReady();
      if (this.queue.length === 0 && !progressed) return;
      const q = this.queue;
      this.queue = [];
      for (const m of q) this.deliverMessage(m);
    }
    throw new Error('cluster did not stabilize');
  }

  tick(id: number, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const tn of this.nodes.values()) if (!this.down.has(tn.id)) tn.node.tick();
    }
  }

  /** Ticks every node once and stabilizes, `n` times. */
  run(n: number): void {
    for (let i = 0; i < n; i++) {
      this.tickAll();
      this.stabilize();
    }
  }

  leader(): TestNode | undefined {
    return [...this.nodes.values()].find((tn) => !this.down.has(tn.id) && tn.node.raft.role === Role.Leader);
  }

  leaders(): TestNode[] {
    return [...this.nodes.values()].filter((tn) => !this.down.has(tn.id) && tn.node.raft.role === Role.Leader);
  }

  elect(id: number): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  propose(id: number, ...items: string[]): void {
    for (const s of items) this.get(id).node.propose(data(s));
    this.stabilize();
  }

  confChange(id: number, type: ConfChangeType, nodeId: number): void {
    this.get(id).node.proposeConfChange({ type, nodeId, context: EMPTY_BYTES });
    this.stabilize();
  }

  /** Takes a snapshot of `id`'s state machine at its applied index and compacts its log. */
  compact(id: number, keep = 0): Snapshot {
    const tn = this.get(id);
    const idx = tn.appliedIndex;
    const snap = tn.storage.createSnapshot(idx, tn.confState, encodeApplied(tn.applied));
    if (idx - keep > tn.storage.firstIndex() - 1) tn.storage.compact(idx - keep);
    return snap;
  }

  appliedText(id: number): string[] {
    return this.get(id).applied.map(text);
  }
}

export function data(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function text(e: Entry): string {
  return new TextDecoder().decode(e.data);
}

// --- A bare Raft ---------------------------------------------------------------------------

export interface RaftSetup {
  voters: number[];
  learners?: number[];
  /** Entries already on disk after the initial snapshot at (1, 1): give their terms. */
  terms?: number[];
  hardState?: { term: number; vote: number; commit: number };
  opts?: Partial<RaftConfig>;
  seed?: number;
  /** The storage to fill (e.g. a subclass with injected faults); a new MemoryStorage if absent. */
  storage?: MemoryStorage;
}

export function setupStorage(setup: RaftSetup): MemoryStorage {
  const storage = setup.storage ?? new MemoryStorage();
  const confState = { voters: setup.voters, learners: setup.learners ?? [] };
  storage.applySnapshot({ metadata: { index: 1, term: 1, confState }, data: EMPTY_BYTES });
  storage.append((setup.terms ?? []).map((term, i) => ent(2 + i, term, `${2 + i}@${term}`)));
  if (setup.hardState) storage.setHardState(setup.hardState);
  return storage;
}

/** A Raft whose MemoryStorage holds a snapshot at (1, 1) and then entries of `terms` (2, 3, ...). */
export function newRaft(id: number, setup: RaftSetup): { r: Raft; storage: MemoryStorage } {
  const storage = setupStorage(setup);
  const r = new Raft({
    id,
    electionTicks: 10,
    heartbeatTicks: 1,
    storage,
    random: new SeededRandom(setup.seed ?? id),
    ...setup.opts,
  });
  return { r, storage };
}

export function ent(index: number, term: number, s = '', type = EntryType.Normal): Entry {
  return { index, term, type, data: data(s) };
}

/** Takes the messages a bare Raft produced. */
export function drain(r: Raft): Message[] {
  const ms = r.msgs;
  r.msgs = [];
  return ms;
}

/** Marks everything unstable as persisted (a bare Raft has no Ready loop). */
export function persist(r: Raft, storage: MemoryStorage): void {
  const u = r.log.unstable;
  if (u.snapshot) {
    storage.applySnapshot(u.snapshot);
    r.log.stableSnapTo(u.snapshot.metadata.index);
  }
  const ents = r.log.unstableEntries();
  if (ents.length > 0) {
    storage.append(ents);
    const last = ents[ents.length - 1]!;
    r.log.stableTo(last.index, last.term);
  }
}

/** Ticks a bare Raft `n` times. */
export function ticks(r: Raft, n: number): void {
  for (let i = 0; i < n; i++) r.tick();
}

export function msg(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return message(fields);
}

export function types(ms: readonly Message[]): string[] {
  return ms.map((m) => `${MessageType[m.type]}->${m.to}`);
}

/** The terms of a log from firstIndex on, e.g. [1, 1, 2] (the snapshot's entry excluded). */
export function logTerms(r: Raft): number[] {
  return r.log.allEntries().map((e) => e.term);
}

/** Ticks a node until its randomized timeout fires (bounded), returning how many ticks it took. */
export function ticksUntil(r: Raft, cond: () => boolean, max = 100): number {
  for (let i = 1; i <= max; i++) {
    r.tick();
    if (cond()) return i;
  }
  throw new Error(`condition not reached within ${max} ticks`);
}
