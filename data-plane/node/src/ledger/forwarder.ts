/**
 * A follower hands the transactions it accepted to the leader (which alone batches them into
 * Raft entries), over the leader's HTTP API, in bulk: everything accepted in one event-loop
 * turn goes in one request. Whatever cannot be delivered (no leader yet, leader unreachable)
 * stays in the pool and is retried on the next tick.
 */
import http from 'node:http';
import { toHex, type Transaction } from '@konsortium/protocol';
import type { Logger } from 'pino';
import { encodeTxList } from './tx-list.js';
import type { RaftHandle } from './raft-handle.js';
import type { TxPool } from './tx-pool.js';

/** Headers of a node-signed request: the sending node's id and its signature over the body. */
export const NODE_HEADER = 'x-konsortium-node';
export const NODE_SIGNATURE_HEADER = 'x-konsortium-node-signature';
const MAX_TXS_PER_REQUEST = 4000;
const MAX_CONCURRENT_REQUESTS = 4;
const REQUEST_TIMEOUT_MS = 5000;
/** Idle keep-alive sockets are closed before a server with the common 5 s keep-alive timeout closes them under a new request. */
const IDLE_SOCKET_MS = 4000;

const RETRY_BASE_MS = 50;
const RETRY_MAX_MS = 2000;

export class Forwarder {
  private scheduled = false;
  private inflight = 0;
  /** Consecutive failed deliveries: the retry waits longer each time (no spinning on a dead leader). */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /**
   * Keep-alive connections to the leader over node:http: forwarding happens every few
   * milliseconds under load, and the global fetch costs about three times the CPU per request.
   */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: MAX_CONCURRENT_REQUESTS, timeout: IDLE_SOCKET_MS });
  forwarded = 0;

  constructor(
    private readonly channel: string,
    private readonly raft: RaftHandle,
    private readonly pool: TxPool,
    private readonly logger: Logger,
    /** Node-to-node authentication: this node's signature over the request body. */
    private readonly sign: (body: Uint8Array) => { nodeId: number; signature: Uint8Array },
  ) {}

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Stops retrying (the node is closing). */
  close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.agent.destroy();
  }

  flush(): void {
    if (this.raft.isLeader() || this.retryTimer !== null) return;
    const leader = this.raft.leaderId();
    const addr = leader === 0 ? null : this.raft.httpAddrOf(leader);
    if (addr === null) return;
    while (this.pool.size > 0 && this.inflight < MAX_CONCURRENT_REQUESTS) {
      const { ids, txs } = this.pool.take(MAX_TXS_PER_REQUEST, 8 * 1024 * 1024);
      this.inflight++;
      void this.post(addr, ids, txs).then((ok) => {
        this.inflight--;
        if (ok) this.failures = 0;
        else this.failures++;
        if (this.pool.size === 0) return;
        if (this.failures === 0) this.schedule();
        else if (this.retryTimer === null) {
          const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(this.failures - 1, 10));
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.flush();
          }, delay);
          this.retryTimer.unref();
        }
      });
    }
  }

  private async post(addr: string, ids: string[], txs: Transaction[]): Promise<boolean> {
    try {
      const body = encodeTxList(txs.map((t) => t.bytes));
      const { nodeId, signature } = this.sign(body);
      const status = await this.postOnce(`http://${addr}/v1/channels/${this.channel}/txs/batch`, body, {
        'content-type': 'application/octet-stream',
        [NODE_HEADER]: String(nodeId),
        [NODE_SIGNATURE_HEADER]: toHex(signature),
      });
      if (status < 200 || status > 299) throw new Error(`leader answered ${status}`);
      this.forwarded += txs.length;
      return true;
    } catch (err) {
      // Back to the pool: the next tick (or the next leader) gets them.
      this.pool.requeue(ids.map((id, i) => [id, txs[i]!] as const));
      this.logger.warn({ err: (err as Error).message, leader: addr, txs: txs.length }, 'forwarding to the leader failed; will retry');
      return false;
    }
  }

  /** One POST to the leader: resolves with the status once the answer is read (its body is not needed). */
  private postOnce(url: string, body: Uint8Array, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent: this.agent, headers: { ...headers, 'content-length': String(body.byteLength) }, timeout: REQUEST_TIMEOUT_MS });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.end(body);
    });
  }
}
