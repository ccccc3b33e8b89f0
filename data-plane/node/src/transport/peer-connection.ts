/**
 * The outbound connection to one peer: a bounded queue, batching of everything queued while
 * the socket is busy into one frame, and reconnection with capped exponential backoff.
 *
 * Nothing here blocks or grows without bound: when the peer is down (backoff) or the queue is
 * full, messages are dropped and the core is told the peer is unreachable; Raft retransmits
 * what matters. Snapshot messages are reported to the core as sent or failed.
 */
import { connect, type Socket } from 'node:net';
import { encodeMessages, type Message, MessageType, type NodeId } from '@konsortium/raft';
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../addresses.js';
import { FrameDecoder, frameHeader } from './frame.js';
import { decodeWelcome, encodeHello, MAX_HANDSHAKE_BYTES } from './handshake.js';
import type { LogLimiter } from './log-limiter.js';
import { backoffMs, type TransportLimits, type TransportStats } from './options.js';

export interface PeerConnectionEvents {
  onUnreachable(peerId: NodeId): void;
  onSnapshotStatus(peerId: NodeId, ok: boolean): void;
}

export interface LocalIdentity {
  readonly id: NodeId;
  readonly clusterId: string;
  /** Our raft address as peers should dial it. */
  readonly raftAddr: string;
}

type State = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

export class PeerConnection {
  private state: State = 'idle';
  private socket: Socket | null = null;
  private queue: Message[] = [];
  /** A frame was handed to the socket and its write callback has not fired yet. */
  private writing = false;
  private flushScheduled = false;
  private failedAttempts = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Snap messages in the frame being written; reported when the write completes or fails. */
  private snapshotsInFlight = 0;

  constructor(
    readonly peerId: NodeId,
    private address: HostPort,
    private readonly self: LocalIdentity,
    private readonly limits: TransportLimits,
    private readonly stats: TransportStats,
    private readonly events: PeerConnectionEvents,
    private readonly logger: Logger,
    private readonly logLimiter: LogLimiter,
  ) {}

  get connected(): boolean {
    return this.state === 'open';
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  send(m: Message): void {
    switch (this.state) {
      case 'closed':
        return;
      case 'backoff':
        this.drop([m], 'peer-disconnected');
        return;
      default:
        if (this.queue.length >= this.limits.maxQueueMessages) {
          this.drop([m], 'queue-full');
          return;
        }
        this.queue.push(m);
        if (this.state === 'idle') this.connect();
        else if (this.state === 'open') this.scheduleFlush();
    }
  }

  /** Points the connection at a new address (membership changed it); reconnects if needed. */
  setAddress(address: HostPort): void {
    if (address.host === this.address.host && address.port === this.address.port) return;
    this.address = address;
    if (this.socket) this.fail('peer address changed', false);
  }

  close(): void {
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue = [];
  }

  private connect(): void {
    this.state = 'connecting';
    const socket = connect({ host: this.address.host, port: this.address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(MAX_HANDSHAKE_BYTES);
    const timeout = setTimeout(() => this.failSocket(socket, 'connect and handshake timed out'), this.limits.connectTimeoutMs);
    socket.once('connect', () => {
      const hello = encodeHello({ fromId: this.self.id, toId: this.peerId, clusterId: this.self.clusterId, raftAddr: this.self.raftAddr });
      socket.write(frameHeader(hello.byteLength));
      socket.write(hello);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      if (this.state !== 'connecting') {
        this.failSocket(socket, 'peer sent data after the handshake (protocol error)');
        return;
      }
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.failSocket(socket, `bad handshake answer: ${(err as Error).message}`);
        return;
      }
      if (frames.length === 0) return;
      clearTimeout(timeout);
      let accepted: boolean;
      let reason: string;
      try {
        ({ accepted, reason } = decodeWelcome(frames[0]!));
      } catch (err) {
        this.failSocket(socket, `bad handshake answer: ${(err as Error).message}`);
        return;
      }
      if (!accepted) {
        this.logger.error({ peerId: this.peerId, addr: formatHostPort(this.address), reason }, 'peer refused our raft connection');
        this.failSocket(socket, `refused: ${reason}`, true);
        return;
      }
      if (frames.length > 1 || decoder.bufferedBytes > 0) {
        this.failSocket(socket, 'peer sent data after the handshake (protocol error)');
        return;
      }
      this.opened();
    });
    socket.on('error', (err) => this.failSocket(socket, err.message));
    socket.on('close', () => {
      clearTimeout(timeout);
      this.failSocket(socket, 'connection closed');
    });
  }

  private opened(): void {
    this.state = 'open';
    if (this.failedAttempts > 0) this.logger.info({ peerId: this.peerId, addr: formatHostPort(this.address) }, 'reconnected to peer');
    this.failedAttempts = 0;
    this.scheduleFlush();
  }

  private failSocket(socket: Socket, reason: string, refused = false): void {
    if (this.socket !== socket) return; // a stale socket's late event
    this.fail(reason, refused);
  }

  private fail(reason: string, refused: boolean): void {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.writing = false;
    if (this.snapshotsInFlight > 0) {
      for (let i = 0; i < this.snapshotsInFlight; i++) this.events.onSnapshotStatus(this.peerId, false);
      this.snapshotsInFlight = 0;
    }
    const queued = this.queue;
    this.queue = [];
    if (queued.length > 0) this.drop(queued, 'peer-disconnected');
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'backoff';
    this.failedAttempts++;
    // A refusal is a configuration problem, not a blip: retry slowly.
    const delay = refused ? this.limits.reconnectMaxMs : backoffMs(this.failedAttempts - 1, this.limits.reconnectBaseMs, this.limits.reconnectMaxMs);
    if (wasOpen || this.logLimiter.allow(`peer-down-${this.peerId}`)) {
      this.logger.warn({ peerId: this.peerId, addr: formatHostPort(this.address), reason, retryInMs: delay }, 'raft peer connection down');
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state === 'backoff') this.connect();
    }, delay);
  }

  private drop(ms: readonly Message[], reason: string): void {
    this.stats.drop(reason, ms.length);
    for (const m of ms) if (m.type === MessageType.Snap) this.events.onSnapshotStatus(this.peerId, false);
    this.events.onUnreachable(this.peerId);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.writing) return;
    this.flushScheduled = true;
    // A microtask: every message produced by the same synchronous step (one Ready) joins the frame.
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const socket = this.socket;
    if (this.state !== 'open' || socket === null || this.writing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const payloads = this.encodeFrames(batch);
    if (payloads.length === 0) return;
    let snaps = 0;
    for (const m of batch) if (m.type === MessageType.Snap) snaps++;
    this.snapshotsInFlight += snaps;
    this.writing = true;
    socket.cork();
    for (let i = 0; i < payloads.length; i++) {
      const p = payloads[i]!;
      socket.write(frameHeader(p.byteLength));
      const last = i === payloads.length - 1;
      socket.write(p, last ? (err) => this.written(socket, err ?? null) : undefined);
      this.stats.framesSent++;
      this.stats.bytesSent += p.byteLength + 4;
    }
    socket.uncork();
    this.stats.messagesSent += batch.length;
  }

  private written(socket: Socket, err: Error | null): void {
    if (this.socket !== socket) return;
    this.writing = false;
    if (err) {
      this.fail(err.message, false);
      return;
    }
    const snaps = this.snapshotsInFlight;
    this.snapshotsInFlight = 0;
    for (let i = 0; i < snaps; i++) this.events.onSnapshotStatus(this.peerId, true);
    if (this.queue.length > 0) this.flush();
  }

  /** Encodes a batch as few frames as fit the limit; drops (and reports) a single message too large to send. */
  private encodeFrames(batch: readonly Message[]): Uint8Array[] {
    const payload = encodeMessages(batch);
    if (payload.byteLength <= this.limits.maxFrameBytes) return [payload];
    if (batch.length === 1) {
      const m = batch[0]!;
      this.logger.error(
        { peerId: this.peerId, type: MessageType[m.type], bytes: payload.byteLength, maxFrameBytes: this.limits.maxFrameBytes },
        'message larger than the frame limit dropped (raise --max-frame-bytes for large snapshots)',
      );
      this.drop([m], 'too-large');
      return [];
    }
    const half = batch.length >> 1;
    return [...this.encodeFrames(batch.slice(0, half)), ...this.encodeFrames(batch.slice(half))];
  }
}
