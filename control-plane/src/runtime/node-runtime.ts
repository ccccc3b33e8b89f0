/**
 * Where ledger nodes run. Provisioning jobs talk only to this interface; `local` runs node
 * processes on this machine (the embedded default for `npm start` and tests) and `kubernetes`
 * creates and watches the operator's LedgerNode custom resources.
 *
 * Every method is idempotent: a provisioning job that died half way calls it again.
 */

export type RuntimeKindName = 'local' | 'kubernetes';

/** A member of a channel's Raft group, as the node's `--peer ID=RAFT,HTTP` flag takes it. */
export interface PeerAddress {
  readonly id: number;
  /** host:port */
  readonly raftAddr: string;
  /** host:port */
  readonly httpAddr: string;
}

export interface NodeAddresses {
  readonly raftAddr: string;
  readonly httpAddr: string;
  /** http://host:port */
  readonly httpUrl: string;
}

export interface NodeSpec {
  /** The network's name: the Raft cluster id and the node's namespace in the runtime. */
  readonly network: string;
  readonly nodeId: number;
  /** The genesis documents of the channels it serves, as JSON objects (`{channel, suite, …}`). */
  readonly channels: readonly Readonly<Record<string, unknown>>[];
  /** The node's private keys: `{ [suite]: hex, seal: hex }` (the node's key-file format). */
  readonly keys: Readonly<Record<string, string>>;
  /** The address book: every current member of the channels' Raft groups, this node included. */
  readonly peers: readonly PeerAddress[];
  /** Start empty and wait for the leader's snapshot (the node was added as a learner first). */
  readonly join: boolean;
  /** JWKS the node checks bearer tokens against (the control plane's); omitted: an open API. */
  readonly authJwksUrl?: string;
}

export type NodeRunState = 'absent' | 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface NodeRunStatus {
  readonly state: NodeRunState;
  /** Restarts by the supervisor since the node was ensured. */
  readonly restarts: number;
  /** The last exit or error, when there was one. */
  readonly lastError?: string;
}

export interface NodeRuntime {
  readonly kind: RuntimeKindName;
  /** The addresses node `nodeId` of `network` has (or will have); stable across calls and restarts. */
  addresses(network: string, nodeId: number): Promise<NodeAddresses>;
  /** Makes the node exist and run with this spec; returns once it was started (not necessarily ready). */
  ensureNode(spec: NodeSpec): Promise<NodeAddresses>;
  status(network: string, nodeId: number): Promise<NodeRunStatus>;
  /** Stops the node and deletes its data. A no-op when it does not exist. */
  removeNode(network: string, nodeId: number): Promise<void>;
  /** Stops supervising (local: stops the processes, keeps their data). */
  close(): Promise<void>;
}
