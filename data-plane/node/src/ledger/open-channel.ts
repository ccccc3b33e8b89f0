/**
 * Opening one channel on this node: check that the node belongs to it (governance lists its
 * id and its key), open the channel's ledger store, create block 0 from the genesis document
 * on first start, and open the channel's Raft group with the ledger plugged in. Layout under
 * the node's data dir:  channels/<name>/raft (WAL, snapshots)  channels/<name>/ledger (LMDB).
 */
import path from 'node:path';
import { cfaContract, dataContract, genesisWrites, type Genesis, governanceContract, governanceDirectory, votingContract } from '@konsortium/contracts';
import { Ledger, serverSuite } from '@konsortium/ledger';
import { bytesEqual, fromHex, toHex } from '@konsortium/protocol';
import { BallotKeeper } from './ballot-keeper.js';
import { BlobStore } from './blob-store.js';
import { KeyReleaser } from './key-release.js';
import { NodeTxSender } from './node-sender.js';
import { opensslX25519 } from './server-x25519.js';
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
  const privateKey = o.nodeKeys.signing.get(g.suite);
  if (privateKey === undefined) throw new BootError(`channel ${g.channel} uses suite ${g.suite}, and the node key file has no ${g.suite} key`);
  const suite = serverSuite(g.suite);
  if (!bytesEqual(suite.publicKeyOf(privateKey), fromHex(entry.publicKey))) {
    throw new BootError(`the ${g.suite} node key does not match node ${o.nodeId}'s key in the genesis of ${g.channel} (${entry.publicKey})`);
  }
  const sealKey = o.nodeKeys.seal;
  if (entry.sealKey !== undefined) {
    if (sealKey === null) throw new BootError(`channel ${g.channel} lists a seal key for node ${o.nodeId}, and the node key file has no "seal" key`);
    if (toHex(opensslX25519.publicKey(sealKey)) !== entry.sealKey) throw new BootError(`the node's seal key does not match node ${o.nodeId}'s sealKey in the genesis of ${g.channel}`);
  }
  const dir = path.join(o.dataDir, 'channels', g.channel);
  const store = await LedgerStore.open({ dir: path.join(dir, 'ledger'), hash: (d: Uint8Array) => suite.hash(d), fsync: o.fsync ?? true });
  try {
    const ledger = new Ledger({
      channel: g.channel,
      suite,
      store,
      contracts: [governanceContract({ publicKeyBytes: suite.publicKeyBytes }), cfaContract(), dataContract(), votingContract()],
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
    const raft = node.raftHandle();
    channelLedger.attach(raft);
    const sender = new NodeTxSender(channelLedger, suite, privateKey);
    const keys = { ledger: channelLedger, sender, nodeId: o.nodeId, sealKey };
    return {
      name: g.channel,
      suite: g.suite,
      ledger: channelLedger,
      node,
      releaser: new KeyReleaser({ ...keys, suite }),
      blobs: new BlobStore(path.join(dir, 'blobs'), o.fsync ?? true),
      keeper: new BallotKeeper({ ...keys, raft: () => raft, logger }),
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
