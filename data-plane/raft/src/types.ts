/**
 * The vocabulary of the Raft core: log entries, persistent state, configurations, messages and
 * the Ready batch that the core hands to its environment. Everything here is plain data so it
 * can be copied, compared, encoded (see codec.ts) and replayed by the simulator.
 */

/** A node id: a positive safe integer. `NONE` (0) means "no node" (no leader, no vote). */
export type NodeId = number;
export const NONE: NodeId = 0;

export enum EntryType {
  /** Application data; an empty `data` is the no-op a new leader appends in its term. */
  Normal = 0,
  /** A membership change; `data` is an encoded ConfChange (see codec.ts). */
  ConfChange = 1,
}

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** State that must be on stable storage before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

/** Who takes part in the cluster. Voters count towards quorums; learners only receive the log. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export enum ConfChangeType {
  /** Add a node as a learner (it receives the log but does not vote). */
  AddLearner = 0,
  /** Make an existing learner a voter (done once it has caught up). */
  PromoteLearner = 1,
  /** Remove a voter or a learner. */
  RemoveNode = 2,
  /**
   * Add a voter directly. Only meant for bootstrapping tooling; the membership flow of the
   * product always goes AddLearner, then PromoteLearner.
   */
  AddVoter = 3,
}

/**
 * One-server-at-a-time membership change. `context` is opaque to Raft (the node puts the new
 * member's address there so every replica learns it from the log).
 */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  readonly context: Uint8Array;
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export enum MessageType {
  // Local messages: never sent over the network.
  Hup = 0,
  Beat = 1,
  Prop = 2,
  // Network messages.
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  TransferLeader = 10,
  TimeoutNow = 11,
  ReadIndex = 12,
  ReadIndexResp = 13,
  PreVote = 14,
  PreVoteResp = 15,
  // Local reports from the environment.
  Unreachable = 16,
  SnapStatus = 17,
  CheckQuorum = 18,
}

export const MESSAGE_TYPE_MAX = MessageType.CheckQuorum;

export interface Message {
  readonly type: MessageType;
  readonly to: NodeId;
  readonly from: NodeId;
  readonly term: number;
  /** App: term of the entry at `index` (the entry preceding `entries`). Vote: last log term. */
  readonly logTerm: number;
  /** App: index preceding `entries`. AppResp: index acknowledged or rejected. Vote: last index. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** AppResp with reject: the follower's hint of where its log may match. */
  readonly rejectHint: number;
  readonly snapshot: Snapshot | null;
  /** ReadIndex request context; campaign kind for transfers; opaque otherwise. */
  readonly context: Uint8Array;
}

export enum Role {
  Follower = 0,
  PreCandidate = 1,
  Candidate = 2,
  Leader = 3,
}

export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/** A linearizable read may be served once the local applied index reaches `index`. */
export interface ReadState {
  readonly index: number;
  readonly requestCtx: Uint8Array;
}

/**
 * What the core asks the environment to do, in this order:
 *   1. persist `snapshot` (if any), `entries` and `hardState` (fsync when `mustSync`);
 *   2. send `messages`;
 *   3. apply `snapshot` and then `committedEntries` to the state machine; serve `readStates`;
 *   4. call `advance(ready)`.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  readonly mustSync: boolean;
}

/** The injected source of randomness (the core never uses Math.random). */
export interface Random {
  /** A uniformly distributed integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NONE, commit: 0 });
export const EMPTY_CONF_STATE: ConfState = Object.freeze({ voters: [], learners: [] });

export function isLocalMessage(type: MessageType): boolean {
  return (
    type === MessageType.Hup ||
    type === MessageType.Beat ||
    type === MessageType.Unreachable ||
    type === MessageType.SnapStatus ||
    type === MessageType.CheckQuorum
  );
}

/** Builds a message with every field defaulted, so call sites name only what matters. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    snapshot: null,
    context: EMPTY_BYTES,
    ...fields,
  };
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function isEmptyHardState(h: HardState): boolean {
  return hardStateEqual(h, EMPTY_HARD_STATE);
}

export function entrySize(e: Entry): number {
  // The fixed part approximates the encoded header (see codec.ts); used for flow control.
  return 24 + e.data.byteLength;
}
