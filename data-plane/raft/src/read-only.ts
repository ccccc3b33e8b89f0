/**
 * Linearizable reads by ReadIndex (§6.4 of Ongaro's thesis): the leader records its commit
 * index for a read request, confirms with a round of heartbeats that it is still leader
 * (a quorum acks the request context), and then the read may be served once the state
 * machine has applied that index.
 */
import type { Message, NodeId } from './types.js';

export interface ReadIndexStatus {
  readonly request: Message;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export function contextKey(ctx: Uint8Array): string {
  let s = '';
  for (const b of ctx) s += String.fromCharCode(b);
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  addRequest(index: number, m: Message): void {
    const key = contextKey(m.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, request: m, acks: new Set() });
    this.queue.push(key);
  }

  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | null {
    const rs = this.pending.get(contextKey(ctx));
    if (!rs) return null;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every request up to and including the one with `ctx`. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1).map((k) => this.pending.get(k)!);
    for (const k of this.queue.slice(0, at + 1)) this.pending.delete(k);
    this.queue = this.queue.slice(at + 1);
    return done;
  }

  lastPendingRequestCtx(): Uint8Array | null {
    if (this.queue.length === 0) return null;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.request.context;
  }

  size(): number {
    return this.queue.length;
  }
}
