/** Options of a node process, with defaults. Units are in the names. */
import type { NodeId } from '@konsortium/raft';
import type { Logger } from 'pino';
import type { Member } from '../kv/members.js';
import type { TransportLimits } from '../transport/options.js';
import type { EntryExtension } from '../ledger/raft-handle.js';
import type { InboundServer } from '../transport/inbound-server.js';

export interface NodeOptions {
  readonly id: NodeId;
  readonly clusterId: string;
  readonly dataDir: string;
  /** This node's raft address: where it listens and what peers dial. */
  readonly raftAddr: string;
  /** This node's HTTP address (recorded in membership; the HTTP server is started separately). */
  readonly httpAddr: string;
  /**
   * Initial members (this node included) when bootstrapping a new cluster; otherwise only an
   * address book, since membership recorded in the log and snapshots wins.
   */
  readonly peers: readonly Member[];
  /** Start with an empty log and wait for the leader's snapshot (after being added as a learner). */
  readonly join: boolean;
  readonly logger: Logger;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Take a snapshot after this many entries applied since the last one. */
  readonly snapshotEntries?: number;
  /** Entries kept in memory behind a snapshot, so slightly lagging followers need no snapshot. */
  readonly snapshotKeepEntries?: number;
  /** fsync the WAL and snapshots. Turning it off is unsafe: only for tests. */
  readonly fsync?: boolean;
  /** Bound on a put or read waiting for commit/apply. */
  readonly requestTimeoutMs?: number;
  /** Puts proposed but not applied yet, beyond which new ones are refused (OVERLOADED). */
  readonly maxPendingProposals?: number;
  /** A learner is promotable when its match is within this many entries of the leader's commit. */
  readonly promoteLagEntries?: number;
  readonly transportLimits?: Partial<TransportLimits>;
  /** A replicated service on this Raft group (a channel ledger). */
  readonly extension?: EntryExtension | null;
  /** A raft server shared with other groups of this process (multi-Raft); already listening. */
  readonly raftServer?: InboundServer;
}

export type ResolvedNodeOptions = Required<Omit<NodeOptions, 'transportLimits' | 'extension' | 'raftServer'>> & Pick<NodeOptions, 'transportLimits' | 'extension' | 'raftServer'>;

export const NODE_DEFAULTS = {
  tickMs: 100,
  electionTicks: 10,
  heartbeatTicks: 1,
  snapshotEntries: 10_000,
  snapshotKeepEntries: 5_000,
  fsync: true,
  requestTimeoutMs: 10_000,
  maxPendingProposals: 100_000,
  promoteLagEntries: 1_000,
} as const;

export function resolveNodeOptions(o: NodeOptions): ResolvedNodeOptions {
  const r: ResolvedNodeOptions = { ...NODE_DEFAULTS, ...stripUndefined(o) } as ResolvedNodeOptions;
  const positive = ['tickMs', 'electionTicks', 'heartbeatTicks', 'snapshotEntries', 'requestTimeoutMs', 'maxPendingProposals'] as const;
  for (const k of positive) {
    if (!Number.isSafeInteger(r[k]) || r[k] <= 0) throw new RangeError(`${k} must be a positive integer, got ${r[k]}`);
  }
  if (!Number.isSafeInteger(r.snapshotKeepEntries) || r.snapshotKeepEntries < 0) throw new RangeError('snapshotKeepEntries must be >= 0');
  if (r.electionTicks <= r.heartbeatTicks) throw new RangeError('electionTicks must be greater than heartbeatTicks');
  if (!Number.isSafeInteger(r.id) || r.id <= 0) throw new RangeError(`id must be a positive integer, got ${r.id}`);
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
