/** Configuration of one Raft replica, validated before use. */
import { RaftError } from './errors.js';
import type { RaftStorage } from './storage.js';
import type { NodeId, Random } from './types.js';

export type ReadOnlyOption =
  /** ReadIndex: confirm leadership with a heartbeat round per batch of reads. */
  | 'safe'
  /**
   * Leader lease: serve reads at the commit index without a round trip, relying on
   * check-quorum. Correct only if clocks advance at the same rate within a bounded drift and
   * ticks are not delayed by more than the gap between election and heartbeat timeouts
   * (a paused leader process may otherwise serve a stale read). Off by default.
   */
  | 'lease';

export interface RaftConfig {
  readonly id: NodeId;
  /** Ticks without hearing from a leader before campaigning (randomised in [e, 2e)). */
  readonly electionTicks: number;
  /** Ticks between a leader's heartbeats. Must be well below electionTicks. */
  readonly heartbeatTicks: number;
  readonly storage: RaftStorage;
  readonly random: Random;
  /** Index already applied to the state machine (on restart). */
  readonly applied?: number;
  /** Soft limit on the entry bytes of one append message. */
  readonly maxSizePerMsgBytes?: number;
  /** Pipelining window: append messages in flight per follower. */
  readonly maxInflightMsgs?: number;
  /** Bytes in flight per follower (0: unlimited). */
  readonly maxInflightBytes?: number;
  /** Bytes of uncommitted entries a leader accepts before dropping proposals (0: unlimited). */
  readonly maxUncommittedEntriesBytes?: number;
  /** Bytes of committed entries handed out in one Ready. */
  readonly maxCommittedBytesPerReady?: number;
  readonly checkQuorum?: boolean;
  readonly preVote?: boolean;
  readonly readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  readonly disableProposalForwarding?: boolean;
}

export type ResolvedConfig = Required<RaftConfig>;

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const r: ResolvedConfig = {
    applied: 0,
    maxSizePerMsgBytes: 1024 * 1024,
    maxInflightMsgs: 256,
    maxInflightBytes: 0,
    maxUncommittedEntriesBytes: 0,
    maxCommittedBytesPerReady: 64 * 1024 * 1024,
    checkQuorum: true,
    preVote: true,
    readOnlyOption: 'safe',
    disableProposalForwarding: false,
    ...c,
  };
  const bad = (why: string): never => {
    throw new RaftError('INVALID_CONFIG', why);
  };
  if (!Number.isSafeInteger(r.id) || r.id <= 0) bad(`id must be a positive integer, got ${r.id}`);
  if (!Number.isInteger(r.heartbeatTicks) || r.heartbeatTicks <= 0) bad('heartbeatTicks must be > 0');
  if (!Number.isInteger(r.electionTicks) || r.electionTicks <= r.heartbeatTicks) {
    bad('electionTicks must be greater than heartbeatTicks');
  }
  if (r.maxInflightMsgs <= 0) bad('maxInflightMsgs must be > 0');
  if (r.maxSizePerMsgBytes <= 0) bad('maxSizePerMsgBytes must be > 0');
  if (r.readOnlyOption === 'lease' && !r.checkQuorum) bad('lease-based reads require checkQuorum');
  if (r.applied < 0) bad('applied must be >= 0');
  return r;
}
