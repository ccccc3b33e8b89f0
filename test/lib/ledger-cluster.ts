/**
 * A local cluster of ledger nodes: node processes serving one or more channels, each created
 * from a genesis document written here, with fresh node keys and an admin member whose key the
 * test holds. Built on KonsortiumCluster (processes, ports, restarts). Nodes added later
 * (`addNode`) are in no genesis: they start with `--join` and the channels' genesis files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyPair, suiteById, type SuiteId, toHex, type X25519KeyPair, x25519KeyPair } from '@konsortium/protocol';
import { KonsortiumCluster, type KonsortiumClusterOptions } from './konsortium-cluster.js';

export interface ChannelSpec {
  readonly name: string;
  /** Node ids serving the channel (default: all). */
  readonly nodes?: readonly number[];
}

export interface LedgerClusterOptions extends Omit<KonsortiumClusterOptions, 'statusPath' | 'extraArgs'> {
  readonly suite?: SuiteId;
  readonly channels?: readonly ChannelSpec[];
  /** More flags per node, after the ledger ones. */
  readonly extraArgs?: (id: number) => readonly string[];
  /** A bearer token with an admin role, when the nodes check callers (--auth-jwks). */
  readonly adminToken?: string;
  /** More genesis members (beside the "operator" admin), e.g. an issuer and investors with their keys. */
  readonly members?: readonly { readonly id: string; readonly name?: string; readonly roles: readonly string[]; readonly keys: readonly KeyPair[] }[];
}

/** A node added after the genesis: its id, addresses and keys (registering it is up to the test). */
export interface JoiningNode {
  readonly id: number;
  readonly raftAddr: string;
  readonly httpAddr: string;
  /** Its block-signing key pair in the cluster's suite. */
  readonly key: KeyPair;
  readonly seal: X25519KeyPair;
}

export interface LedgerCluster {
  readonly cluster: KonsortiumCluster;
  readonly suite: SuiteId;
  readonly channels: readonly string[];
  /** The genesis admin ("operator", roles admin + operator) and its key. */
  readonly admin: KeyPair;
  readonly nodeKeys: ReadonlyMap<number, KeyPair>;
  /** Each node's X25519 seal key pair (key shares of encrypted data and ballots are sealed to it). */
  readonly sealKeys: ReadonlyMap<number, X25519KeyPair>;
  genesisFile(channel: string): string;
  /**
   * Adds a node that no genesis lists (id: the highest so far + 1) with fresh keys and its own
   * ports; not started. `cluster.startNode(id)` then starts it with `--join` and the genesis
   * files of `channels` (default: all).
   */
  addNode(channels?: readonly string[]): Promise<JoiningNode>;
  /** http://host:port of node `id`. */
  url(id: number): string;
  destroy(): Promise<void>;
}

export const GENESIS_TIME = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** Writes genesis and key files, then starts the nodes and waits for a leader of the first channel. */
export async function startLedgerCluster(o: LedgerClusterOptions = {}): Promise<LedgerCluster> {
  const suiteId = o.suite ?? 'intl';
  const suite = suiteById(suiteId);
  const size = o.size ?? 3;
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const specs = o.channels ?? [{ name: 'consortium' }];
  const admin = suite.generateKeyPair();
  const nodeKeys = new Map(ids.map((id) => [id, suite.generateKeyPair()] as const));
  const sealKeys = new Map(ids.map((id) => [id, x25519KeyPair()] as const));
  /** Nodes added after the genesis → the channels they join. */
  const joiners = new Map<number, readonly string[]>();
  const channelArgs = (id: number): string[] => {
    const joined = joiners.get(id);
    const names = joined ?? specs.filter((c) => (c.nodes ?? ids).includes(id)).map((c) => c.name);
    return [...(joined === undefined ? [] : ['--join']), ...names.flatMap((name) => ['--channel', join(cluster.baseDir, `${name}.genesis.json`)])];
  };
  const writeKeyFile = (id: number): void =>
    writeFileSync(join(cluster.baseDir, `node${id}.key.json`), JSON.stringify({ [suiteId]: toHex(nodeKeys.get(id)!.privateKey), seal: toHex(sealKeys.get(id)!.privateKey) }), { mode: 0o600 });
  const cluster = await KonsortiumCluster.create({
    ...o,
    statusPath: `/v1/channels/${specs[0]!.name}/admin/status`,
    ...(o.adminToken === undefined ? {} : { statusHeaders: { authorization: `Bearer ${o.adminToken}` } }),
    extraArgs: (id) => [
      ...channelArgs(id),
      '--node-key',
      join(cluster.baseDir, `node${id}.key.json`),
      ...(o.extraArgs?.(id) ?? []),
    ],
  });
  for (const c of specs) {
    const nodes = c.nodes ?? ids;
    const genesis = {
      channel: c.name,
      suite: suiteId,
      timestamp: GENESIS_TIME,
      members: [
        { id: 'operator', name: 'Consortium operator', roles: ['admin', 'operator'], keys: [toHex(admin.publicKey)] },
        ...(o.members ?? []).map((m) => ({ id: m.id, name: m.name ?? m.id, roles: [...m.roles], keys: m.keys.map((k) => toHex(k.publicKey)) })),
      ],
      nodes: nodes.map((id) => ({ nodeId: id, publicKey: toHex(nodeKeys.get(id)!.publicKey), owner: 'operator', sealKey: toHex(sealKeys.get(id)!.publicKey) })),
    };
    writeFileSync(join(cluster.baseDir, `${c.name}.genesis.json`), JSON.stringify(genesis, null, 2));
  }
  for (const id of ids) writeKeyFile(id);
  try {
    await Promise.all(ids.map((id) => cluster.startNode(id)));
    await cluster.waitForLeader({ timeoutMs: o.readyTimeoutMs ?? 30_000 });
  } catch (err) {
    const logs = cluster.describe();
    await cluster.destroy().catch(() => undefined);
    throw new Error(`ledger cluster failed to start: ${(err as Error).message}\n${logs}`, { cause: err });
  }
  return {
    cluster,
    suite: suiteId,
    channels: specs.map((c) => c.name),
    admin,
    nodeKeys,
    sealKeys,
    genesisFile: (ch) => join(cluster.baseDir, `${ch}.genesis.json`),
    addNode: async (channels = specs.map((c) => c.name)) => {
      const n = await cluster.addNode();
      nodeKeys.set(n.id, suite.generateKeyPair());
      sealKeys.set(n.id, x25519KeyPair());
      writeKeyFile(n.id);
      joiners.set(n.id, [...channels]);
      return { id: n.id, raftAddr: n.raftAddr, httpAddr: n.httpAddr, key: nodeKeys.get(n.id)!, seal: sealKeys.get(n.id)! };
    },
    url: (id) => cluster.node(id).httpUrl,
    destroy: () => cluster.destroy(),
  };
}
