/**
 * A network as the provisioning steps use it: its database row and channels, the operator's
 * signer (opened from the vault), and a ledger gateway over its running nodes. Also the
 * creation of a new network: operator key, node keys, genesis, node rows and processes.
 */
import { Signer } from '@konsortium/client';
import { suiteById, toHex, type SuiteId, x25519KeyPair } from '@konsortium/protocol';
import { audit } from '../api/audit-log.js';
import type { Channel, LedgerNode, Network, PrismaClient } from '../db/prisma.js';
import { LedgerGateway } from '../ledger/gateway.js';
import type { NodeRuntime } from '../runtime/node-runtime.js';
import { type KeyVault, vaultContext } from './vault.js';

export interface NetworkHandle {
  readonly network: Network;
  readonly channels: readonly Channel[];
  readonly operator: Signer;
  readonly gateway: LedgerGateway;
}

export interface NetworkDeps {
  readonly db: PrismaClient;
  readonly vault: KeyVault;
  readonly runtime: NodeRuntime;
  /** A node-audience admin token, when the nodes check callers. */
  readonly nodeToken?: () => Promise<string>;
  /** The control plane's JWKS URL, handed to the nodes it starts. */
  readonly authJwksUrl?: string;
}

export class ProvisioningError extends Error {
  constructor(
    readonly code: 'NETWORK_NOT_FOUND' | 'NO_OPERATOR_KEY' | 'NODE_NOT_READY' | 'INVALID_STATE',
    message: string,
  ) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

/** Nodes clients may use: running ones (voters first), shared before dedicated. */
export async function runningNodeUrls(db: PrismaClient, networkId: string): Promise<string[]> {
  const nodes = await db.ledgerNode.findMany({ where: { networkId, status: 'running', httpUrl: { not: null } }, orderBy: [{ kind: 'desc' }, { nodeId: 'asc' }] });
  return nodes.map((n) => n.httpUrl!);
}

export async function openNetwork(deps: NetworkDeps, name: string): Promise<NetworkHandle> {
  const network = await deps.db.network.findUnique({ where: { name }, include: { channels: { orderBy: { name: 'asc' } } } });
  if (network === null) throw new ProvisioningError('NETWORK_NOT_FOUND', `no network ${name}`);
  if (network.sealedOperatorKey === null) throw new ProvisioningError('NO_OPERATOR_KEY', `network ${name} has no operator key in the control plane`);
  const operator = new Signer(network.suite, deps.vault.open(network.sealedOperatorKey, vaultContext.operator(network.id)));
  const gateway = new LedgerGateway({ suite: network.suite, nodeUrls: () => runningNodeUrls(deps.db, network.id), ...(deps.nodeToken ? { token: deps.nodeToken } : {}) });
  return { network, channels: network.channels, operator, gateway };
}

/** Fresh node keys in the node's key-file format, and their public halves. */
export function generateNodeKeys(suite: SuiteId): { keys: Record<string, string>; publicKey: string; sealKey: string } {
  const signing = suiteById(suite).generateKeyPair();
  const seal = x25519KeyPair();
  return { keys: { [suite]: toHex(signing.privateKey), seal: toHex(seal.privateKey) }, publicKey: toHex(signing.publicKey), sealKey: toHex(seal.publicKey) };
}

export function sealNodeKeys(vault: KeyVault, networkId: string, nodeId: number, keys: Record<string, string>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(vault.seal(new TextEncoder().encode(JSON.stringify(keys)), vaultContext.node(networkId, nodeId)));
}

export function openNodeKeys(vault: KeyVault, node: LedgerNode): Record<string, string> {
  if (node.sealedKeys === null) throw new ProvisioningError('INVALID_STATE', `node ${node.nodeId} has no keys in the control plane`);
  return JSON.parse(new TextDecoder().decode(vault.open(node.sealedKeys, vaultContext.node(node.networkId, node.nodeId)))) as Record<string, string>;
}

export interface CreateNetworkOptions {
  readonly name: string;
  readonly suite?: SuiteId;
  readonly channels?: readonly string[];
  /** Voters at genesis (default 3). */
  readonly nodes?: number;
  /** Genesis time, ms (default now). */
  readonly timestampMs?: number;
  /** How long to wait for the network to serve its channels (default 60 s). */
  readonly readyTimeoutMs?: number;
}

/**
 * Creates a network and starts its genesis nodes, or resumes one created before (idempotent:
 * the rows are the plan; processes are ensured again from them).
 */
export async function ensureNetwork(deps: NetworkDeps, o: CreateNetworkOptions): Promise<NetworkHandle> {
  const suite = o.suite ?? 'intl';
  let network = await deps.db.network.findUnique({ where: { name: o.name } });
  if (network === null) {
    const operatorKey = suiteById(suite).generateKeyPair();
    const ids = Array.from({ length: o.nodes ?? 3 }, (_, i) => i + 1);
    const nodeKeys = new Map(ids.map((id) => [id, generateNodeKeys(suite)] as const));
    network = await deps.db.$transaction(async (tx) => {
      const n = await tx.network.create({ data: { name: o.name, suite, operatorPublicKey: toHex(operatorKey.publicKey) } });
      await tx.network.update({ where: { id: n.id }, data: { sealedOperatorKey: new Uint8Array(deps.vault.seal(operatorKey.privateKey, vaultContext.operator(n.id))) } });
      for (const id of ids) {
        const k = nodeKeys.get(id)!;
        await tx.ledgerNode.create({ data: { networkId: n.id, nodeId: id, kind: 'shared', status: 'provisioning', runtime: deps.runtime.kind, publicKey: k.publicKey, sealKey: k.sealKey, sealedKeys: sealNodeKeys(deps.vault, n.id, id, k.keys) } });
      }
      for (const ch of o.channels ?? [o.name]) {
        const genesis = {
          channel: ch,
          suite,
          timestamp: o.timestampMs ?? Date.now(),
          members: [{ id: 'operator', name: 'Consortium operator', roles: ['admin', 'operator'], keys: [toHex(operatorKey.publicKey)] }],
          nodes: ids.map((id) => ({ nodeId: id, publicKey: nodeKeys.get(id)!.publicKey, owner: 'operator', sealKey: nodeKeys.get(id)!.sealKey })),
        };
        await tx.channel.create({ data: { networkId: n.id, name: ch, genesis } });
      }
      await audit(tx, 'system', { tenantId: null, action: 'network.create', objectType: 'network', objectId: n.id, details: { name: o.name, suite, nodes: ids.length, channels: [...(o.channels ?? [o.name])] } });
      return tx.network.findUniqueOrThrow({ where: { id: n.id } });
    });
  }
  await resumeNodes(deps, network);
  const handle = await openNetwork(deps, o.name);
  await waitServing(handle, o.readyTimeoutMs ?? 60_000);
  return handle;
}

/** Waits (bounded) until some node serves every channel's head: Raft has a leader and the ledger is open. */
export async function waitServing(net: NetworkHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const ch of net.channels) {
    for (;;) {
      try {
        await net.gateway.head(ch.name);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new ProvisioningError('NODE_NOT_READY', `network ${net.network.name}: channel ${ch.name} is not served after ${timeoutMs} ms (${(err as Error).message})`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

/** The address book of a network: every node the control plane placed, by its runtime addresses. */
export async function peersOf(deps: NetworkDeps, network: Network): Promise<{ id: number; raftAddr: string; httpAddr: string }[]> {
  const nodes = await deps.db.ledgerNode.findMany({ where: { networkId: network.id, status: { in: ['provisioning', 'learner', 'running'] } }, orderBy: { nodeId: 'asc' } });
  const peers = [];
  for (const n of nodes) {
    const a = await deps.runtime.addresses(network.name, n.nodeId);
    peers.push({ id: n.nodeId, raftAddr: a.raftAddr, httpAddr: a.httpAddr });
  }
  return peers;
}

/**
 * (Re)starts every placed node of a network from its rows: genesis nodes bootstrap, later ones
 * join (a node with data on disk just restarts). Used at start-up and by `ensureNetwork`.
 */
export async function resumeNodes(deps: NetworkDeps, network: Network): Promise<void> {
  const channels = await deps.db.channel.findMany({ where: { networkId: network.id }, orderBy: { name: 'asc' } });
  const genesisIds = new Set(channels.flatMap((c) => ((c.genesis as { nodes?: { nodeId: number }[] }).nodes ?? []).map((n) => n.nodeId)));
  const peers = await peersOf(deps, network);
  const nodes = await deps.db.ledgerNode.findMany({ where: { networkId: network.id, status: { in: ['provisioning', 'learner', 'running'] } }, orderBy: { nodeId: 'asc' } });
  for (const n of nodes) {
    if (!genesisIds.has(n.nodeId) && n.status === 'provisioning') continue; // its provisioning job starts it
    const a = await deps.runtime.ensureNode({
      network: network.name,
      nodeId: n.nodeId,
      channels: channels.map((c) => c.genesis as Record<string, unknown>),
      keys: openNodeKeys(deps.vault, n),
      peers,
      join: !genesisIds.has(n.nodeId),
      ...(deps.authJwksUrl ? { authJwksUrl: deps.authJwksUrl } : {}),
    });
    await deps.db.ledgerNode.update({ where: { id: n.id }, data: { httpUrl: a.httpUrl, raftAddr: a.raftAddr, ...(genesisIds.has(n.nodeId) ? { status: 'running' } : {}) } });
  }
}
