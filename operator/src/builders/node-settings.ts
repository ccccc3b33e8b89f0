/**
 * What a node runs with, resolved from its LedgerNode, its KonsortiumNetwork (when there is one)
 * and the operator's defaults: image, address book, consensus flags, and the command line. Pure.
 *
 * Addresses: a node is reached at `<pod>.<service>.<namespace>.svc[.<clusterDomain>]` (the
 * headless Service publishes not-ready pods, so peers resolve each other before Ready). When
 * the spec lists `peers`, that address book is used as given (the control plane writes it);
 * otherwise it is every LedgerNode of the same network in the namespace, this one included.
 */
import { DEFAULT_NODE_IMAGE, KEYS_SECRET_KEY, type KonsortiumNetwork, type LedgerNode, NODE_HTTP_PORT, NODE_RAFT_PORT, type PeerAddress } from '../api-types.js';
import { nodeNames } from './meta.js';

export const DATA_DIR = '/var/lib/konsortium';
export const KEYS_DIR = '/etc/konsortium/keys';
export const GENESIS_DIR = '/etc/konsortium/genesis';

export interface OperatorDefaults {
  readonly nodeImage?: string;
  readonly clusterDomain?: string;
}

export interface NodeSettings {
  readonly image: string;
  readonly self: PeerAddress;
  readonly peers: readonly PeerAddress[];
  readonly keysSecret: { readonly name: string; readonly key: string };
  readonly args: readonly string[];
  /** Raft membership follows this resource (a network with manageMembership). */
  readonly manageMembership: boolean;
}

export function nodeAddress(namespace: string, name: string, id: number, clusterDomain?: string): PeerAddress {
  const host = `${name}-0.${name}.${namespace}.svc${clusterDomain ? `.${clusterDomain}` : ''}`;
  return { id, raftAddr: `${host}:${NODE_RAFT_PORT}`, httpAddr: `${host}:${NODE_HTTP_PORT}` };
}

/**
 * The address book: the spec's, or the network's genesis nodes (those without `join`) and this
 * node. Joiners are left out on purpose: members learn each other's addresses from Raft's own
 * membership entries, so adding or removing a joiner changes no other node's command line (and
 * rolls no pod); a node being deleted stays in until it is gone, for the same reason.
 */
export function addressBook(node: LedgerNode, siblings: readonly LedgerNode[], d: OperatorDefaults): PeerAddress[] {
  if (node.spec.peers !== undefined && node.spec.peers.length > 0) return [...node.spec.peers].sort((a, b) => a.id - b.id);
  const ns = node.metadata.namespace ?? 'default';
  const byId = new Map<number, PeerAddress>();
  for (const s of siblings) {
    if (s.spec.network !== node.spec.network || s.spec.join === true) continue;
    byId.set(s.spec.nodeId, nodeAddress(ns, s.metadata.name, s.spec.nodeId, d.clusterDomain));
  }
  byId.set(node.spec.nodeId, nodeAddress(ns, node.metadata.name, node.spec.nodeId, d.clusterDomain));
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function resolveNodeSettings(node: LedgerNode, network: KonsortiumNetwork | null, siblings: readonly LedgerNode[], d: OperatorDefaults): NodeSettings {
  const peers = addressBook(node, siblings, d);
  const self = peers.find((p) => p.id === node.spec.nodeId);
  if (self === undefined) throw new Error(`invariant: the address book of ${node.metadata.name} lacks node ${node.spec.nodeId}`);
  const keysSecret = node.spec.keysSecretRef ?? { name: nodeNames(node).generatedKeys, key: KEYS_SECRET_KEY };
  const c = network?.spec.consensus ?? {};
  const args = [
    '--id', String(node.spec.nodeId),
    '--cluster-id', node.spec.network,
    '--data-dir', `${DATA_DIR}/data`,
    '--raft-addr', self.raftAddr,
    '--http-addr', self.httpAddr,
    ...peers.flatMap((p) => ['--peer', `${p.id}=${p.raftAddr},${p.httpAddr}`]),
    ...(node.spec.join === true ? ['--join'] : []),
    ...[...node.spec.channels.names].sort().flatMap((ch) => ['--channel', `${GENESIS_DIR}/${ch}.genesis.json`]),
    '--node-key', `${KEYS_DIR}/${keysSecret.key}`,
    ...(node.spec.authJwksUrl !== undefined ? ['--auth-jwks', node.spec.authJwksUrl] : []),
    ...(c.tickMs !== undefined ? ['--tick-ms', String(c.tickMs)] : []),
    ...(c.electionTicks !== undefined ? ['--election-ticks', String(c.electionTicks)] : []),
    ...(c.heartbeatTicks !== undefined ? ['--heartbeat-ticks', String(c.heartbeatTicks)] : []),
    ...(c.snapshotEntries !== undefined ? ['--snapshot-entries', String(c.snapshotEntries)] : []),
  ];
  return {
    image: node.spec.image ?? network?.spec.image ?? d.nodeImage ?? DEFAULT_NODE_IMAGE,
    self,
    peers,
    keysSecret,
    args,
    manageMembership: network !== null && network.spec.manageMembership !== false,
  };
}
