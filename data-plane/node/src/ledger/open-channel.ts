/**
 * Opening one channel on this node: check that the node belongs to it (the genesis lists its
 * id and its keys, or, for a node joining after the genesis, governance will: see
 * node-identity.ts and registration-gate.ts), open the channel's ledger store, create block 0
 * from the genesis document on first start, and open the channel's Raft group with the ledger
 * plugged in. Layout under the node's data dir:  channels/<name>/raft (WAL, snapshots)
 * channels/<name>/ledger (LMDB).
 */
import path from 'node:path';
import { cfaContract, dataContract, genesisWrites, type Genesis, governanceContract, governanceDirectory, votingContract } from '@konsortium/contracts';
import { Ledger, serverSuite } from '@konsortium/ledger';
import { toHex } from '@konsortium/protocol';
import { BallotKeeper } from './ballot-keeper.js';
import { BlobStore } from './blob-store.js';
import { KeyReleaser } from './key-release.js';
import { NodeTxSender } from './node-sender.js';
import { channelStanding, hasChannelData, nodeIdentity } from './node-identity.js';
import { RegistrationGate } from './registration-gate.js';
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
  /**
   * Address book of nodes. A genesis node bootstrapping the channel takes the genesis nodes
   * among them as the initial Raft voters; a joining node uses all of them as addresses only.
   */
  readonly peers: readonly Member[];
  /** Join the channel's Raft group as a learner: required of a node that is not in the genesis. */
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
  const privateKey = o.nodeKeys.signing.get(g.suite);
  if (privateKey === undefined) throw new BootError(`channel ${g.channel} uses suite ${g.suite}, and the node key file has no ${g.suite} key`);
  const suite = serverSuite(g.suite);
  const sealKey = o.nodeKeys.seal;
  const self = nodeIdentity(o.nodeId, suite, privateKey, sealKey);
  const dir = path.join(o.dataDir, 'channels', g.channel);
  // A node that joined before restarts from its data directory, with or without --join.
  const standing = channelStanding(g, self, o.join || hasChannelData(dir));
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
    // Only a bootstrap reads voters from the peers; a joining node needs every address it is given.
    const peers = standing === 'genesis' && !o.join ? o.peers.filter((p) => members.has(p.id)) : o.peers;
    const metrics = new NodeMetrics({ node: String(o.nodeId), channel: g.channel });
    registerLedgerMetrics(metrics.registry, channelLedger);
    const node = await KonsortiumNode.open({
      id: o.nodeId,
      clusterId: `${o.networkId}/${g.channel}`,
      dataDir: path.join(dir, 'raft'),
      raftAddr: o.raftAddr,
      httpAddr: o.httpAddr,
      peers,
      join: o.join,
      logger,
      fsync: o.fsync,
      ...o.raft,
      extension: channelLedger,
      metrics,
      raftServer: o.raftServer,
    });
    const raft = node.raftHandle();
    const gate =
      standing === 'genesis'
        ? null
        : new RegistrationGate({
            channel: g.channel,
            store,
            self,
            logger,
            caughtUp: () => {
              const s = node.status();
              return s.leaderId !== 0 && s.appliedIndex >= s.commitIndex;
            },
          });
    channelLedger.attach(raft, gate);
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
