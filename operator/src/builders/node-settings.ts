/**
 * What a node runs with, resolved from its LedgerNode, its KonsortiumNetwork (when there is one)
 * and the operator's defaults: image, address book, consensus flags, and the command line. Pure.
 *
 * Addresses: a node is reached at `<pod>.<service>.<namespace>.svc[.<clusterDomain>]` (the
 * headless Service publishes not-ready pods, so peers resolve each other before Ready). When
 * the spec lists `peers`, that address book is used as given (the control plane writes it);
 * otherwise it is made from the genesis documents (see addressBook).
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
 * The address book: the spec's, or else the channels' genesis nodes (their ids from the genesis
 * documents) and this node, each at the address of the network's LedgerNode with that id (or
 * of `<network>-node-<id>`, the name the control plane gives, when that LedgerNode is not there
 * yet). Taken from the genesis, not from whichever LedgerNodes exist at the moment, so that a
 * genesis node never bootstraps with a partial member list (it would form a cluster of its
 * own) and its command line does not change as the others appear. Joiners are not in it:
 * members learn each other's addresses from Raft's membership entries.
 */
export function addressBook(node: LedgerNode, siblings: readonly LedgerNode[], d: OperatorDefaults, genesisNodeIds: readonly number[] = []): PeerAddress[] {
  if (node.spec.peers !== undefined && node.spec.peers.length > 0) return [...node.spec.peers].sort((a, b) => a.id - b.id);
  const ns = node.metadata.namespace ?? 'default';
  const ids = [...new Set([...genesisNodeIds, node.spec.nodeId])].sort((a, b) => a - b);
  return ids.map((id) => {
    const name =
      id === node.spec.nodeId
        ? node.metadata.name
        : (siblings.find((s) => s.spec.network === node.spec.network && s.spec.nodeId === id)?.metadata.name ?? `${node.spec.network}-node-${id}`);
    return nodeAddress(ns, name, id, d.clusterDomain);
  });
}

export function resolveNodeSettings(node: LedgerNode, network: KonsortiumNetwork | null, siblings: readonly LedgerNode[], d: OperatorDefaults, genesisNodeIds: readonly number[] = []): NodeSettings {
  const peers = addressBook(node, siblings, d, genesisNodeIds);
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
