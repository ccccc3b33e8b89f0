/**
 * A ledger node process: one raft port shared by all of its channels (each channel's Raft
 * group is told apart by the cluster id in the connection handshake), one HTTP API.
 */
import { readFile } from 'node:fs/promises';
import { type Genesis, GenesisError, parseGenesis } from '@konsortium/contracts';
import type { Logger } from 'pino';
import { parseHostPort } from '../addresses.js';
import type { Member } from '../kv/members.js';
import { BootError } from '../runtime/boot.js';
import type { NodeOptions } from '../runtime/options.js';
import { InboundServer } from '../transport/inbound-server.js';
import { LogLimiter } from '../transport/log-limiter.js';
import { DEFAULT_TRANSPORT_LIMITS, TransportStats } from '../transport/options.js';
import { ChannelHost } from './channel-host.js';
import type { BatchLimits } from './batch-proposer.js';
import type { NodeKeys } from './node-keys.js';
import { openChannel } from './open-channel.js';

export interface LedgerNodeOptions {
  readonly nodeId: number;
  readonly networkId: string;
  readonly dataDir: string;
  readonly raftAddr: string;
  readonly httpAddr: string;
  readonly peers: readonly Member[];
  readonly join: boolean;
  readonly geneses: readonly Genesis[];
  readonly nodeKeys: NodeKeys;
  readonly logger: Logger;
  readonly fsync?: boolean;
  readonly raft?: Partial<Pick<NodeOptions, 'tickMs' | 'electionTicks' | 'heartbeatTicks' | 'snapshotEntries' | 'snapshotKeepEntries' | 'requestTimeoutMs'>>;
  readonly batch?: BatchLimits;
}

export interface LedgerNode {
  readonly channels: ChannelHost;
  readonly raftServer: InboundServer;
  close(): Promise<void>;
}

export async function readGenesisFile(file: string): Promise<Genesis> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new BootError(`cannot read genesis ${file}: ${(err as Error).message}`);
  }
  try {
    return parseGenesis(doc);
  } catch (err) {
    if (err instanceof GenesisError) throw new BootError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Opens and starts every channel; on failure closes what was opened. */
export async function startLedgerNode(o: LedgerNodeOptions): Promise<LedgerNode> {
  const names = new Set<string>();
  for (const g of o.geneses) {
    if (names.has(g.channel)) throw new BootError(`channel ${g.channel} given twice`);
    names.add(g.channel);
  }
  const listen = parseHostPort(o.raftAddr);
  if (listen === null) throw new BootError(`raft address must be host:port, got ${o.raftAddr}`);
  const raftServer = new InboundServer(o.nodeId, DEFAULT_TRANSPORT_LIMITS, new TransportStats(), o.logger.child({ component: 'raft-server' }), new LogLimiter());
  const channels = new ChannelHost();
  const close = async (): Promise<void> => {
    for (const c of channels.list()) {
      c.keeper.close();
      c.ledger.close();
      await c.node.close();
      await c.ledger.store.close();
    }
    await raftServer.close();
  };
  try {
    await raftServer.listen(listen.host, listen.port);
    for (const genesis of o.geneses) {
      const c = await openChannel({ ...o, genesis, raftServer });
      channels.add(c);
      await c.node.start();
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { channels, raftServer, close };
}
