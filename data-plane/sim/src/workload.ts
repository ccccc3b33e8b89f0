/**
 * Simulated clients: each issues puts and linearizable gets, one at a time, to a node of its
 * choosing, and records every operation with its call and return times for the
 * linearizability checker. An operation that gets no answer before the client's timeout is
 * recorded as pending (it may or may not have taken effect).
 */
import { RaftError, type SeededRandom } from '@konsortium/raft';
import type { EventQueue } from './event-queue.js';
import { encodePut } from './kv.js';
import { type KvInput, type KvOutput, type Operation, UNKNOWN_OUTPUT } from './linearizability/index.js';
import type { SimNode } from './sim-node.js';

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  readonly timeoutMs: number;
  readonly thinkMs: number;
}

interface PendingPut {
  readonly op: Operation<KvInput, KvOutput>;
  readonly node: SimNode;
  /** A request belongs to one process lifetime: a restarted node does not answer it. */
  readonly incarnation: number;
  readonly done: () => void;
}

interface PendingRead {
  readonly op: Operation<KvInput, KvOutput>;
  readonly node: SimNode;
  readonly incarnation: number;
  readonly key: string;
  index: number | null;
  readonly done: () => void;
}

/** `fn` wrapped so that only its first call runs (an answer and a timeout may both fire). */
function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}

export class Workload {
  readonly history: Operation<KvInput, KvOutput>[] = [];
  private readonly puts = new Map<string, PendingPut>();
  private readonly reads = new Map<string, PendingRead>();
  private running = false;
  private nextId = 0;
  acked = 0;
  ackedSince = 0;

  constructor(
    private readonly clock: EventQueue,
    private readonly random: SeededRandom,
    private readonly opts: WorkloadOptions,
    /** Candidate nodes for a request: the client's view of the cluster. */
    private readonly pickNode: () => SimNode | null,
  ) {}

  start(): void {
    this.running = true;
    for (let c = 0; c < this.opts.clients; c++) this.clock.after(this.random.int(20), () => this.issue(c));
  }

  stop(): void {
    this.running = false;
  }

  private issue(client: number): void {
    if (!this.running) return;
    const next = (): void => this.clock.after(1 + this.random.int(this.opts.thinkMs), () => this.issue(client));
    const node = this.pickNode();
    if (!node) return next();
    const key = `k${this.random.int(this.opts.keys)}`;
    if (this.random.chance(0.55)) this.put(client, node, key, next);
    else this.get(client, node, key, next);
  }

  private put(client: number, node: SimNode, key: string, next: () => void): void {
    const requestId = `r${this.nextId++}`;
    const value = `v${client}.${requestId}`;
    const result = node.withRaft((raw) => raw.propose(encodePut({ requestId, key, value })));
    // Refused before ordering: it had no effect, so it is not part of the history.
    if (result instanceof RaftError) return next();
    const op: Operation<KvInput, KvOutput> = { clientId: client, input: { kind: 'put', key, value }, call: this.clock.now, return: Infinity, output: UNKNOWN_OUTPUT };
    this.history.push(op);
    const done = once(next);
    this.puts.set(requestId, { op, node, incarnation: node.incarnation, done });
    this.clock.after(this.opts.timeoutMs, () => {
      if (this.puts.delete(requestId)) done(); // stays pending in the history
    });
  }

  private get(client: number, node: SimNode, key: string, next: () => void): void {
    const ctx = `q${this.nextId++}`;
    const result = node.withRaft((raw) => raw.readIndex(new TextEncoder().encode(ctx)));
    if (result instanceof RaftError) return next();
    const op: Operation<KvInput, KvOutput> = { clientId: client, input: { kind: 'get', key }, call: this.clock.now, return: Infinity, output: UNKNOWN_OUTPUT };
    this.history.push(op);
    const done = once(next);
    this.reads.set(ctx, { op, node, incarnation: node.incarnation, key, index: null, done });
    this.clock.after(this.opts.timeoutMs, () => {
      if (this.reads.delete(ctx)) done();
    });
  }

  onPutApplied(node: SimNode, requestId: string): void {
    const p = this.puts.get(requestId);
    if (!p || p.node !== node || p.incarnation !== node.incarnation) return;
    this.puts.delete(requestId);
    p.op.return = this.clock.now;
    p.op.output = { ok: true };
    this.acked++;
    this.ackedSince++;
    p.done();
  }

  onReadState(node: SimNode, ctx: string, index: number): void {
    const r = this.reads.get(ctx);
    if (!r || r.node !== node || r.incarnation !== node.incarnation) return;
    r.index = index;
    this.serveReads(node);
  }

  /** Serves every read on `node` whose read index has been applied. */
  serveReads(node: SimNode): void {
    for (const [ctx, r] of this.reads) {
      if (r.node !== node || r.incarnation !== node.incarnation || r.index === null || node.appliedIndex < r.index) continue;
      this.reads.delete(ctx);
      r.op.return = this.clock.now;
      r.op.output = { value: node.kv.get(r.key) };
      this.acked++;
      r.done();
    }
  }
}
