/** Limits and timings of the node-to-node transport, with their defaults. */
import type { MessageLimits } from '@konsortium/raft';

export interface TransportLimits {
  /** Largest frame accepted or sent. A snapshot travels in one frame, so this bounds snapshots. */
  readonly maxFrameBytes: number;
  /** Messages queued per peer before new ones are dropped (and the core told the peer is unreachable). */
  readonly maxQueueMessages: number;
  /** Checks applied to every received message (see checkNetworkMessage). */
  readonly messageLimits: MessageLimits;
  /** First reconnect delay; doubles per failed attempt up to reconnectMaxMs (with jitter). */
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  /** Bound on TCP connect plus handshake. */
  readonly connectTimeoutMs: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  maxFrameBytes: 128 * 1024 * 1024,
  maxQueueMessages: 8192,
  messageLimits: { maxEntryBytes: 64 * 1024 * 1024, maxEntries: 100_000 },
  reconnectBaseMs: 50,
  reconnectMaxMs: 2000,
  connectTimeoutMs: 2000,
};

/** Counters the transport bumps on its hot path; metrics read them when scraped. */
export class TransportStats {
  framesSent = 0;
  bytesSent = 0;
  messagesSent = 0;
  framesReceived = 0;
  bytesReceived = 0;
  messagesReceived = 0;
  /** Messages dropped before sending, by reason. */
  readonly dropped = new Map<string, number>();
  /** Received messages (or connections) refused, by reason class. */
  readonly refused = new Map<string, number>();

  drop(reason: string, count = 1): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + count);
  }

  refuse(reason: string, count = 1): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + count);
  }
}

/** Capped exponential backoff with jitter in [d/2, d], so peers do not reconnect in lockstep. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(d / 2 + Math.random() * (d / 2));
}
