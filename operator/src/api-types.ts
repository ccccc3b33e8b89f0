/**
 * The custom resources of group `konsortium.dev`, version `v1alpha1`, as TypeScript types, and
 * the names everything agrees on (labels, finalizer, field manager). The schemas the API server
 * enforces are in crds.ts; these types describe what passed them.
 */

export const GROUP = 'konsortium.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const NETWORK_KIND = 'KonsortiumNetwork';
export const NETWORK_PLURAL = 'konsortiumnetworks';
export const NODE_KIND = 'LedgerNode';
export const NODE_PLURAL = 'ledgernodes';

/** Server-side-apply field manager of everything the operator writes. */
export const FIELD_MANAGER = 'konsortium-operator';
/** Holds a LedgerNode until it has left Raft (and a network until its nodes are gone). */
export const FINALIZER = 'konsortium.dev/raft-membership';

export const NODE_RAFT_PORT = 7000;
export const NODE_HTTP_PORT = 8080;
export const DEFAULT_NODE_IMAGE = 'ghcr.io/konsortium/ledger-node:0.1.0';
export const DEFAULT_STORAGE_SIZE = '10Gi';
/** The key of a node keys Secret (the node's `--node-key` file). */
export const KEYS_SECRET_KEY = 'keys.json';

export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  network: 'konsortium.dev/network',
  nodeId: 'konsortium.dev/node-id',
  ledgerNode: 'konsortium.dev/ledger-node',
} as const;

/** Annotation on each object the operator applies: the hash of its desired form. */
export const SPEC_HASH_ANNOTATION = 'konsortium.dev/spec-hash';

export type SuiteName = 'intl' | 'gost' | 'sm';
export type NodeKind = 'shared' | 'dedicated';
export type NodeRole = 'voter' | 'learner';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  creationTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface ConsensusSettings {
  tickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  snapshotEntries?: number;
}

export interface NetworkSpec {
  suite: SuiteName;
  channels: { name: string }[];
  consensus?: ConsensusSettings;
  /** The node image of this network's nodes (a node's own `image` wins). */
  image?: string;
  /** Raft membership follows the LedgerNodes (default true); false: pods only. */
  manageMembership?: boolean;
  /** A Secret holding a bearer token with the admin role, for the nodes' admin API. */
  adminTokenSecretRef?: { name: string; key: string };
}

export interface ChannelStatus {
  name: string;
  leader: number;
  voters: number[];
  learners: number[];
}

export interface NetworkStatus {
  observedGeneration?: number;
  nodes?: number;
  readyNodes?: number;
  channels?: ChannelStatus[];
  conditions?: Condition[];
}

export interface KonsortiumNetwork {
  apiVersion: typeof API_VERSION;
  kind: typeof NETWORK_KIND;
  metadata: ObjectMeta;
  spec: NetworkSpec;
  status?: NetworkStatus;
}

export interface PeerAddress {
  id: number;
  raftAddr: string;
  httpAddr: string;
}

export interface LedgerNodeSpec {
  network: string;
  nodeId: number;
  kind: NodeKind;
  tenant?: string;
  /** The Raft role it should end up with: voters join as learners and are promoted. */
  role: NodeRole;
  /** Not in the channels' genesis: start empty and be added to Raft (as a learner first). */
  join?: boolean;
  channels: { configMapRef: { name: string }; names: string[] };
  /** The node keys; absent: the operator generates them into `<name>-keys` once. */
  keysSecretRef?: { name: string; key: string };
  /** The address book; absent: computed from the network's LedgerNodes. */
  peers?: PeerAddress[];
  authJwksUrl?: string;
  storage?: { size?: string; storageClassName?: string };
  resources?: ResourceRequirements;
  image?: string;
}

export interface LedgerNodeStatus {
  observedGeneration?: number;
  /** Its Raft role in every channel it serves ("none" before it is a member of all). */
  raftRole?: NodeRole | 'none';
  /** Hex public keys of generated node keys (to register them in governance). */
  publicKey?: string;
  sealKey?: string;
  restarts?: number;
  conditions?: Condition[];
}

export interface LedgerNode {
  apiVersion: typeof API_VERSION;
  kind: typeof NODE_KIND;
  metadata: ObjectMeta;
  spec: LedgerNodeSpec;
  status?: LedgerNodeStatus;
}

/** Any object as the API returns it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  data?: Record<string, string>;
  [k: string]: unknown;
}

export function keyOf(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
