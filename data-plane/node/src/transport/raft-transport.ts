/**
 * The node's Raft transport: one inbound server and one outbound PeerConnection per peer.
 * The runtime hands it each Ready's messages; it hands back checked inbound messages and the
 * delivery reports the core needs (unreachable peers, snapshot sent or failed).
 */
import type { Message, NodeId } from '@konsortium/raft';
import type { Logger } from 'pino';
import { parseHostPort, type HostPort } from '../addresses.js';
import { InboundServer } from './inbound-server.js';
import { LogLimiter } from './log-limiter.js';
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits, TransportStats } from './options.js';
import { type LocalIdentity, PeerConnection } from './peer-connection.js';

export interface TransportHandler {
  onMessages(msgs: Message[]): void;
  onUnreachable(peerId: NodeId): void;
  onSnapshotStatus(peerId: NodeId, ok: boolean): void;
}

export interface RaftTransportOptions {
  readonly self: LocalIdentity;
  readonly logger: Logger;
  readonly limits?: Partial<TransportLimits>;
  /** A server shared by several Raft groups of this process (multi-Raft); by default the transport has its own. */
  readonly sharedServer?: InboundServer;
}

export class RaftTransport {
  readonly stats = new TransportStats();
  readonly limits: TransportLimits;
  private readonly self: LocalIdentity;
  private readonly logger: Logger;
  private readonly logLimiter = new LogLimiter();
  private readonly peers = new Map<NodeId, PeerConnection>();
  private readonly server: InboundServer;
  private readonly ownsServer: boolean;
  private handler: TransportHandler | null = null;
  private closed = false;

  constructor(options: RaftTransportOptions) {
    this.self = options.self;
    this.logger = options.logger;
    this.limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
    this.ownsServer = options.sharedServer === undefined;
    this.server = options.sharedServer ?? new InboundServer(this.self.id, this.limits, this.stats, this.logger, this.logLimiter);
    this.server.addRoute(this.self.clusterId, {
      onMessages: (msgs) => this.handler?.onMessages(msgs),
      onHello: (peerId, raftAddr) => this.learnFromHello(peerId, raftAddr),
    });
  }

  /** Connects the transport to the node; until then inbound messages are dropped. */
  setHandler(handler: TransportHandler | null): void {
    this.handler = handler;
  }

  /** Starts the transport's own server; with a shared server (already listening) returns its address. */
  listen(host: string, port: number): Promise<HostPort> {
    if (this.ownsServer) return this.server.listen(host, port);
    const a = this.server.address;
    return a === null ? Promise.reject(new Error('the shared raft server is not listening')) : Promise.resolve(a);
  }

  /** Adds a peer or updates its address. */
  setPeer(id: NodeId, raftAddr: string): void {
    if (this.closed || id === this.self.id) return;
    const addr = parseHostPort(raftAddr);
    if (addr === null) {
      this.logger.error({ peerId: id, raftAddr }, 'ignoring peer with an invalid raft address');
      return;
    }
    const existing = this.peers.get(id);
    if (existing) {
      existing.setAddress(addr);
      return;
    }
    const events = {
      onUnreachable: (peerId: NodeId) => this.handler?.onUnreachable(peerId),
      onSnapshotStatus: (peerId: NodeId, ok: boolean) => this.handler?.onSnapshotStatus(peerId, ok),
    };
    this.peers.set(id, new PeerConnection(id, addr, this.self, this.limits, this.stats, events, this.logger, this.logLimiter));
  }

  removePeer(id: NodeId): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  hasPeer(id: NodeId): boolean {
    return this.peers.has(id);
  }

  peerIds(): NodeId[] {
    return [...this.peers.keys()];
  }

  /** Queues messages to their peers (each peer's share goes out as one frame). */
  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      const peer = this.peers.get(m.to);
      if (peer) {
        peer.send(m);
        continue;
      }
      this.stats.drop('unknown-peer');
      if (this.logLimiter.allow(`unknown-peer-${m.to}`)) this.logger.warn({ peerId: m.to }, 'no address for raft peer; message dropped');
      this.handler?.onUnreachable(m.to);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
    this.server.removeRoute(this.self.clusterId);
    if (this.ownsServer) await this.server.close();
  }

  /**
   * A node that joined with an empty log knows no one until the leader's snapshot arrives; it
   * learns where to answer from the leader's handshake. Membership records, once applied, win.
   */
  private learnFromHello(peerId: NodeId, raftAddr: string): void {
    if (this.peers.has(peerId) || parseHostPort(raftAddr) === null) return;
    this.logger.info({ peerId, raftAddr }, 'learned peer address from its handshake');
    this.setPeer(peerId, raftAddr);
  }
}
