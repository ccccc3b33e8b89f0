// A stand-in for the ledger node's HTTP API (v1) on 127.0.0.1, serving a real chain built with
// protocol functions. Tests override single routes with `on()` to script failures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeTx, fromHex, toHex, verifyTxSignature } from '@konsortium/protocol';
import type { BlockEvent, TxStatus } from '../../src/index.js';
import { type Chain, CHANNEL, findTx, nodeKeyList, recordOf, stateProofOf, txProofOf } from './chain.js';

export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly match: RegExpMatchArray;
  readonly body: string;
}

type Handler = (ctx: Ctx) => void | Promise<void>;

export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message = code.toLowerCase(), details?: Record<string, unknown>): void {
  // The node's error body: { code, message, details? } (flat).
  sendJson(res, status, details === undefined ? { code, message } : { code, message, details });
}

export function sseHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

export function sseBlock(ev: BlockEvent): string {
  return `id: ${ev.height}\nevent: block\ndata: ${JSON.stringify(ev)}\n\n`;
}

export class FakeNode {
  readonly requests: RequestLog[] = [];
  readonly statuses = new Map<string, TxStatus>();
  private readonly overrides: { method: string; re: RegExp; fn: Handler }[] = [];
  private readonly routes: { method: string; re: RegExp; fn: Handler }[] = [];
  private readonly streams = new Set<ServerResponse>();
  private server!: Server;
  url = '';

  /** The node's head; blocks above it exist in `chain` but are not "made" yet (see advance). */
  height: number;

  private constructor(readonly chain: Chain, height: number) {
    this.height = height;
    this.defaultRoutes();
  }

  static async start(chain: Chain, height = chain.blocks.length - 1): Promise<FakeNode> {
    const node = new FakeNode(chain, height);
    node.server = createServer((req, res) => void node.handle(req, res));
    await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
    node.url = `http://127.0.0.1:${(node.server.address() as AddressInfo).port}`;
    return node;
  }

  /** Overrides a route (latest first). */
  on(method: string, re: RegExp, fn: Handler): void {
    this.overrides.unshift({ method, re, fn });
  }

  count(method: string, re: RegExp): number {
    return this.requests.filter((r) => r.method === method && re.test(r.path)).length;
  }

  blockEvent(height: number): BlockEvent {
    const cb = this.chain.blocks[height]!;
    return { height, hash: toHex(cb.block.hash), txs: cb.txs.map((t, i) => ({ txId: toHex(t.id), code: cb.block.results[i]! })) };
  }

  /** Makes the next block: raises the head and publishes it. */
  advance(): BlockEvent {
    this.height++;
    const ev = this.blockEvent(this.height);
    this.publish(ev);
    return ev;
  }

  /** Sends an event to every open default event stream. */
  publish(ev: BlockEvent): void {
    for (const s of this.streams) s.write(sseBlock(ev));
  }

  get openStreams(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    for (const r of [...this.overrides, ...this.routes]) {
      if (r.method !== method) continue;
      const match = url.pathname.match(r.re);
      if (match === null) continue;
      try {
        await r.fn({ req, res, url, match, body });
      } catch (err) {
        if (!res.headersSent) sendError(res, 500, 'INTERNAL', (err as Error).message);
      }
      return;
    }
    sendError(res, 404, 'NOT_FOUND', `no route ${method} ${url.pathname}`);
  }

  private route(method: string, re: RegExp, fn: Handler): void {
    this.routes.push({ method, re, fn });
  }

  private headHeight(): number {
    return this.height;
  }

  private defaultRoutes(): void {
    const ch = `/v1/channels/${CHANNEL}`;
    this.route('GET', /^\/v1\/channels$/, ({ res }) => sendJson(res, 200, { channels: [{ name: CHANNEL, suite: 'intl', height: this.headHeight() }] }));
    this.route('POST', new RegExp(`^${ch}/txs$`), ({ res, body }) => {
      let tx;
      try {
        tx = decodeTx(fromHex((JSON.parse(body) as { tx: string }).tx));
      } catch (err) {
        sendError(res, 400, 'MALFORMED', (err as Error).message);
        return;
      }
      if (!verifyTxSignature(tx)) return sendError(res, 400, 'BAD_SIGNATURE', 'signature does not verify', { sender: toHex(tx.sender) });
      if (tx.channel !== CHANNEL) return sendError(res, 400, 'WRONG_CHANNEL', `tx is for ${tx.channel}`);
      const txId = toHex(tx.id);
      const known = this.statuses.get(txId);
      if (known !== undefined) return sendJson(res, 200, { txId, status: known.status });
      this.statuses.set(txId, { txId, status: 'received' });
      sendJson(res, 202, { txId, status: 'received' });
    });
    this.route('GET', new RegExp(`^${ch}/txs/([0-9a-f]+)/proof$`), ({ res, match }) => {
      const proof = txProofOf(this.chain, match[1]!);
      if (proof === undefined || proof.height > this.height) sendError(res, 404, 'TX_NOT_FOUND', 'unknown transaction');
      else sendJson(res, 200, proof);
    });
    this.route('GET', new RegExp(`^${ch}/txs/([0-9a-f]+)$`), ({ res, match }) => {
      const txId = match[1]!;
      const s = this.statuses.get(txId);
      if (s !== undefined) return sendJson(res, 200, s);
      const at = findTx(this.chain, txId);
      if (at === undefined || at.height > this.height) return sendError(res, 404, 'TX_NOT_FOUND', 'unknown transaction');
      const code = this.chain.blocks[at.height]!.block.results[at.index]!;
      sendJson(res, 200, code === 'OK' ? { txId, status: 'committed', ...at } : { txId, status: 'rejected', code, message: 'execution failed', ...at });
    });
    this.route('GET', new RegExp(`^${ch}/head$`), ({ res }) => {
      const b = this.chain.blocks[this.headHeight()]!.block;
      sendJson(res, 200, { height: b.header.height, hash: toHex(b.hash), stateRoot: toHex(b.header.stateRoot), timestamp: b.header.timestamp });
    });
    this.route('GET', new RegExp(`^${ch}/blocks/([0-9]+)$`), ({ res, match }) => {
      const cb = this.chain.blocks[Number(match[1])];
      if (cb === undefined || Number(match[1]) > this.height) sendError(res, 404, 'BLOCK_NOT_FOUND', 'no such block');
      else sendJson(res, 200, recordOf(cb.block));
    });
    this.route('GET', new RegExp(`^${ch}/blocks$`), ({ res, url }) => {
      const from = Number(url.searchParams.get('from') ?? 0);
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 100));
      sendJson(res, 200, { blocks: this.chain.blocks.slice(from, Math.min(from + limit, this.height + 1)).map((cb) => recordOf(cb.block)) });
    });
    this.route('GET', new RegExp(`^${ch}/state/([^/]+)$`), ({ res, url, match }) => {
      const h = url.searchParams.get('height');
      const height = h === null ? this.headHeight() : Number(h);
      if (this.chain.blocks[height] === undefined || height > this.height) return sendError(res, 404, 'HEIGHT_NOT_AVAILABLE', 'no such height');
      sendJson(res, 200, stateProofOf(this.chain, decodeURIComponent(match[1]!), height));
    });
    this.route('GET', new RegExp(`^${ch}/nodes$`), ({ res }) => sendJson(res, 200, { nodes: nodeKeyList(this.chain) }));
    this.route('GET', new RegExp(`^${ch}/events$`), ({ req, res, url }) => {
      const lastId = req.headers['last-event-id'];
      const from = typeof lastId === 'string' ? Number(lastId) + 1 : Number(url.searchParams.get('from') ?? this.headHeight() + 1);
      sseHead(res);
      for (let h = from; h <= this.headHeight(); h++) res.write(sseBlock(this.blockEvent(h)));
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
    });
  }
}

/** Polls `cond` every 5 ms for at most `ms`. */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
