/**
 * Accepts connections from peers. Each connection must start with a Hello of our cluster
 * addressed to us; after that every frame is a batch of messages, each checked with
 * checkNetworkMessage and against the sender named in the handshake. Framing or decoding
 * errors close the connection; invalid messages are refused with a logged reason. Nothing
 * unchecked ever reaches the core.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { checkNetworkMessage, decodeMessages, type Message, MessageType, type NodeId } from '@konsortium/raft';
import type { Logger } from 'pino';
import type { HostPort } from '../addresses.js';
import { FrameDecoder, frameHeader } from './frame.js';
import { checkHello, decodeHello, encodeWelcome, type Hello, MAX_HANDSHAKE_BYTES } from './handshake.js';
import type { LogLimiter } from './log-limiter.js';
import type { TransportLimits, TransportStats } from './options.js';

/** What the server hands a Raft group's traffic to; one route per cluster id (multi-Raft). */
export interface InboundEvents {
  /** Checked messages from one frame, in order. */
  onMessages(msgs: Message[]): void;
  /** A peer completed the handshake and told us its raft address. */
  onHello(peerId: NodeId, raftAddr: string): void;
}

export class InboundServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Raft groups served on this port, by cluster id: a connection's Hello picks one. */
  private readonly routes = new Map<string, InboundEvents>();
  private bound: HostPort | null = null;

  constructor(
    private readonly selfId: NodeId,
    private readonly limits: TransportLimits,
    private readonly stats: TransportStats,
    private readonly logger: Logger,
    private readonly logLimiter: LogLimiter,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  addRoute(clusterId: string, events: InboundEvents): void {
    if (this.routes.has(clusterId)) throw new Error(`raft group "${clusterId}" is already served here`);
    this.routes.set(clusterId, events);
  }

  removeRoute(clusterId: string): void {
    this.routes.delete(clusterId);
  }

  get address(): HostPort | null {
    return this.bound;
  }

  listen(host: string, port: number): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        if (a === null || typeof a === 'string') reject(new Error('raft server has no TCP address'));
        else {
          this.bound = { host, port: a.port };
          resolve(this.bound);
        }
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
  }

  /** The routes this server has; a connection for any other cluster id is refused. */
  private expectedCluster(clusterId: string): string {
    return this.routes.has(clusterId) ? clusterId : [...this.routes.keys()].join('", "');
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const decoder = new FrameDecoder(MAX_HANDSHAKE_BYTES);
    let peer: Hello | null = null;
    let route: InboundEvents | null = null;
    let dead = false;
    const kill = (level: 'warn' | 'error', msg: string, fields: Record<string, unknown>): void => {
      dead = true;
      clearTimeout(handshakeTimer);
      if (this.logLimiter.allow(`${msg}-${remote}`)) this.logger[level]({ remote, peerId: peer?.fromId, ...fields }, msg);
      socket.destroy();
    };
    const handshakeTimer = setTimeout(
      () => kill('warn', 'raft connection closed: no handshake in time', { timeoutMs: this.limits.connectTimeoutMs }),
      this.limits.connectTimeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      if (dead) return;
      this.stats.bytesReceived += chunk.length;
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.stats.refuse('framing');
        kill('error', 'raft connection closed: framing error', { reason: (err as Error).message });
        return;
      }
      for (const frame of frames) {
        if (dead) return;
        if (peer === null) {
          peer = this.handshake(socket, frame, remote);
          if (peer === null) {
            dead = true;
            clearTimeout(handshakeTimer);
            return;
          }
          clearTimeout(handshakeTimer);
          decoder.setMaxFrameBytes(this.limits.maxFrameBytes);
          route = this.routes.get(peer.clusterId)!;
          route.onHello(peer.fromId, peer.raftAddr);
          continue;
        }
        const why = this.deliver(frame, peer.fromId, route!);
        if (why !== null) {
          this.stats.refuse('undecodable-frame');
          kill('error', 'raft connection closed: undecodable frame', { reason: why });
          return;
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      this.sockets.delete(socket);
    });
  }

  /** Checks a Hello; answers it; returns the peer, or null after refusing. */
  private handshake(socket: Socket, frame: Buffer, remote: string): Hello | null {
    let hello: Hello;
    let why: string | null;
    try {
      hello = decodeHello(frame);
      why = checkHello(hello, this.selfId, this.expectedCluster(hello.clusterId));
    } catch (err) {
      why = `bad handshake: ${(err as Error).message}`;
      hello = { fromId: 0, toId: 0, clusterId: '', raftAddr: '' };
    }
    if (why !== null) {
      this.stats.refuse('handshake');
      if (this.logLimiter.allow(`refused-${remote}`)) {
        this.logger.error({ remote, peerId: hello.fromId || undefined, reason: why }, 'refused raft connection');
      }
      const answer = encodeWelcome({ accepted: false, reason: why });
      socket.write(frameHeader(answer.byteLength));
      socket.end(answer);
      // end() flushes the refusal; do not wait forever for the peer to close its side.
      setTimeout(() => socket.destroy(), 1000).unref();
      return null;
    }
    const answer = encodeWelcome({ accepted: true, reason: '' });
    socket.write(frameHeader(answer.byteLength));
    socket.write(answer);
    return hello;
  }

  /** Decodes, checks and hands over one frame. Returns why the frame is undecodable, or null. */
  private deliver(frame: Buffer, peerId: NodeId, route: InboundEvents): string | null {
    this.stats.framesReceived++;
    // Decoded entries are views into the frame: copy a small frame out of a large socket
    // chunk so that entries kept in the log do not pin the whole chunk.
    const own = frame.buffer.byteLength > 2 * frame.byteLength + 4096 ? Buffer.from(frame) : frame;
    let msgs: Message[];
    try {
      msgs = decodeMessages(own);
    } catch (err) {
      return (err as Error).message;
    }
    const valid: Message[] = [];
    for (const m of msgs) {
      const why = m.from !== peerId ? `sender ${m.from} on the connection of node ${peerId}` : checkNetworkMessage(m, this.selfId, this.limits.messageLimits);
      if (why !== null) {
        this.stats.refuse('invalid-message');
        if (this.logLimiter.allow(`invalid-${peerId}`)) {
          this.logger.warn({ peerId, type: MessageType[m.type] ?? m.type, reason: why }, 'refused raft message');
        }
        continue;
      }
      valid.push(m);
    }
    this.stats.messagesReceived += valid.length;
    if (valid.length > 0) route.onMessages(valid);
    return null;
  }
}
