/**
 * Opening one channel on this node: check that the node belongs to it (governance lists its
 * id and its key), open the channel's ledger store, create block 0 from the genesis document
 * on first start, and open the channel's Raft group with the ledger plugged in. Layout under
 * the node's data dir:  channels/<name>/raft (WAL, snapshots)  channels/<name>/ledger (LMDB).
 */
import path from 'node:path';
import { cfaContract, genesisWrites, type Genesis, governanceContract, governanceDirectory } from '@konsortium/contracts';
import { Ledger, serverSuite } from '@konsortium/ledger';
import { bytesEqual, fromHex, toHex } from '@konsortium/protocol';
import { LedgerStore } from '@konsortium/storage';
import type { Logger } from 'pino';
import type { Member } from '../kv/members.js';
import type { InboundServer } from '../transport/inbound-server.js';
import { BootError } from '../runtime/boot.js';
import { KonsortiumNode } from '../runtime/node.js';
import type { NodeOptions } from '../runtime/options.js';
import type { BatchLimits } from './batch-proposer.js';
import { ChannelLedger } from './channel-ledger.js';
import type { HostedChannel } from './channel-host.js';
import type { NodeKeys } from './node-keys.js';
import { NodeMetrics } from '../metrics.js';
import { registerLedgerMetrics } from './ledger-metrics.js';

export interface OpenChannelOptions {
  readonly genesis: Genesis;
  readonly nodeId: number;
  readonly nodeKeys: NodeKeys;
  readonly dataDir: string;
  readonly networkId: string;
  readonly raftAddr: string;
  readonly httpAddr: string;
  /** Address book of nodes; the channel's initial Raft voters are the genesis nodes among them. */
  readonly peers: readonly Member[];
  readonly join: boolean;
  readonly logger: Logger;
  readonly raftServer: InboundServer;
  readonly fsync?: boolean;
  readonly raft?: Partial<Pick<NodeOptions, 'tickMs' | 'electionTicks' | 'heartbeatTicks' | 'snapshotEntries' | 'snapshotKeepEntries' | 'requestTimeoutMs'>>;
  readonly batch?: BatchLimits;
}

export async function openChannel(o: OpenChannelOptions): Promise<HostedChannel> {
  const g = o.genesis;
  const logger = o.logger.child({ channel: g.channel });
  const entry = g.nodes.find((n) => n.nodeId === o.nodeId);
  if (entry === undefined) throw new BootError(`node ${o.nodeId} is not a node of channel ${g.channel}; it does not serve it`);
  const privateKey = o.nodeKeys.get(g.suite);
  if (privateKey === undefined) throw new BootError(`channel ${g.channel} uses suite ${g.suite}, and the node key file has no ${g.suite} key`);
  const suite = serverSuite(g.suite);
  if (!bytesEqual(suite.publicKeyOf(privateKey), fromHex(entry.publicKey))) {
    throw new BootError(`the ${g.suite} node key does not match node ${o.nodeId}'s key in the genesis of ${g.channel} (${entry.publicKey})`);
  }
  const dir = path.join(o.dataDir, 'channels', g.channel);
  const store = await LedgerStore.open({ dir: path.join(dir, 'ledger'), hash: (d: Uint8Array) => suite.hash(d), fsync: o.fsync ?? true });
  try {
    const ledger = new Ledger({
      channel: g.channel,
      suite,
      store,
      contracts: [governanceContract({ publicKeyBytes: suite.publicKeyBytes }), cfaContract()],
      identities: governanceDirectory,
      nodeId: o.nodeId,
      nodePrivateKey: privateKey,
      maxTxBytes: g.maxTxBytes,
    });
    if (store.head === null) {
      const block = ledger.initialize(genesisWrites(g), g.timestamp);
      await store.flush();
      logger.info({ hash: toHex(block.hash), stateRoot: toHex(block.header.stateRoot) }, 'created genesis block');
    }
    const channelLedger = new ChannelLedger({ ledger, store, logger, batch: o.batch });
    const members = new Set(g.nodes.map((n) => n.nodeId));
    const metrics = new NodeMetrics({ node: String(o.nodeId), channel: g.channel });
    registerLedgerMetrics(metrics.registry, channelLedger);
    const node = await KonsortiumNode.open({
      id: o.nodeId,
      clusterId: `${o.networkId}/${g.channel}`,
      dataDir: path.join(dir, 'raft'),
      raftAddr: o.raftAddr,
      httpAddr: o.httpAddr,
      peers: o.peers.filter((p) => members.has(p.id)),
      join: o.join,
      logger,
      fsync: o.fsync,
      ...o.raft,
      extension: channelLedger,
      metrics,
      raftServer: o.raftServer,
    });
    channelLedger.attach(node.raftHandle());
    return { name: g.channel, suite: g.suite, ledger: channelLedger, node };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
