/**
 * Linearizable reads by ReadIndex (§6.4 of Ongaro's thesis), batched: all gets that arrive in
 * one event-loop turn share one readIndex request. When its ReadState comes back (after the
 * leader confirmed leadership with a heartbeat round; forwarded to the leader when we are a
 * follower), the batch waits until the local state machine has applied that index, then
 * every get in it reads the local state.
 */
import { NONE, type NodeId, type RawNode, type ReadState } from '@konsortium/raft';
import { NodeError } from '../errors.js';
import type { KvRecord, KvStateMachine } from '../kv/state-machine.js';

interface Reader {
  readonly key: string;
  readonly resolve: (r: KvRecord | undefined) => void;
  readonly reject: (err: unknown) => void;
}

interface Batch {
  readonly readers: Reader[];
  readonly deadlineMs: number;
  /** Index to wait for, once the ReadState arrived. */
  index: number;
}

export interface ReadBatcherDeps {
  readonly selfId: NodeId;
  readonly rawNode: RawNode;
  readonly kv: KvStateMachine;
  readonly requestTimeoutMs: number;
  /** Called after a readIndex request, so the Ready loop runs. */
  readonly requested: () => void;
}

const CTX_BYTES = 16;

export class ReadBatcher {
  private waiting: Reader[] = [];
  private scheduled = false;
  private seq = 0;
  /** Batches whose ReadState has not arrived, by sequence number (in the request context). */
  private readonly requested = new Map<number, Batch>();
  /** Batches that know their index and wait for the state machine to reach it. */
  private applying: Batch[] = [];

  constructor(private readonly deps: ReadBatcherDeps) {}

  /** A linearizable get. */
  read(key: string): Promise<KvRecord | undefined> {
    if (this.deps.rawNode.raft.lead === NONE) return Promise.reject(new NodeError('NO_LEADER', 'no leader known; cannot serve a linearizable read'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.issue());
      }
    });
  }

  private issue(): void {
    this.scheduled = false;
    const readers = this.waiting;
    this.waiting = [];
    if (readers.length === 0) return;
    if (this.deps.rawNode.raft.lead === NONE) {
      const err = new NodeError('NO_LEADER', 'no leader known; cannot serve a linearizable read');
      for (const r of readers) r.reject(err);
      return;
    }
    const seq = ++this.seq;
    this.requested.set(seq, { readers, deadlineMs: Date.now() + this.deps.requestTimeoutMs, index: 0 });
    // The context names this node too: the leader keys pending reads by context, and other
    // nodes' sequence numbers run independently.
    const ctx = Buffer.alloc(CTX_BYTES);
    ctx.writeUIntBE(this.deps.selfId, 2, 6);
    ctx.writeUIntBE(seq, 10, 6);
    this.deps.rawNode.readIndex(ctx);
    this.deps.requested();
  }

  /** ReadStates from a Ready. */
  onReadStates(states: readonly ReadState[]): void {
    for (const rs of states) {
      const ctx = rs.requestCtx;
      if (ctx.byteLength !== CTX_BYTES) continue;
      const b = Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength);
      if (b.readUIntBE(2, 6) !== this.deps.selfId) continue;
      const seq = b.readUIntBE(10, 6);
      const batch = this.requested.get(seq);
      if (batch === undefined) continue;
      this.requested.delete(seq);
      batch.index = rs.index;
      this.applying.push(batch);
    }
    this.onApplied();
  }

  /** Serves batches whose index the state machine has reached. */
  onApplied(): void {
    if (this.applying.length === 0) return;
    const applied = this.deps.kv.appliedIndex;
    const still: Batch[] = [];
    for (const batch of this.applying) {
      if (batch.index > applied) {
        still.push(batch);
        continue;
      }
      for (const r of batch.readers) r.resolve(this.deps.kv.get(r.key));
    }
    this.applying = still;
  }

  /** The leader changed: requests sent to the old one will never be answered. */
  leaderChanged(): void {
    this.rejectRequested(new NodeError('LEADERSHIP_LOST', 'leader changed before the read was confirmed; retry'));
  }

  private rejectRequested(err: NodeError): void {
    for (const batch of this.requested.values()) for (const r of batch.readers) r.reject(err);
    this.requested.clear();
  }

  failAll(err: NodeError): void {
    this.rejectRequested(err);
    for (const batch of this.applying) for (const r of batch.readers) r.reject(err);
    this.applying = [];
    for (const r of this.waiting) r.reject(err);
    this.waiting = [];
  }

  sweep(nowMs: number): void {
    for (const [seq, batch] of this.requested) {
      if (batch.deadlineMs > nowMs) break;
      this.requested.delete(seq);
      const err = new NodeError('TIMEOUT', 'read index not confirmed in time; retry');
      for (const r of batch.readers) r.reject(err);
    }
    const still: Batch[] = [];
    for (const batch of this.applying) {
      if (batch.deadlineMs > nowMs) still.push(batch);
      else for (const r of batch.readers) r.reject(new NodeError('TIMEOUT', 'state machine did not reach the read index in time; retry'));
    }
    this.applying = still;
  }
}
