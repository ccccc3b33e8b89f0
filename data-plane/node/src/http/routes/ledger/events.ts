/**
 * The block event stream (Server-Sent Events). Each event is one block: `id` is its height,
 * so a client that reconnects with Last-Event-ID (or ?from=) resumes right after the last
 * block it saw, without gaps or repeats. History is sent first, then live blocks; a client
 * that does not keep up is disconnected (it resumes from its last id) rather than buffered
 * without bound.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Block, decodeTx, toHex } from '@konsortium/protocol';
import type { ChannelHost, HostedChannel } from '../../../ledger/channel-host.js';
import { NodeError } from '../../../errors.js';
import { ChannelParams, EventsQuery } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';

const PING_MS = 15_000;
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const HISTORY_BLOCKS_PER_TURN = 64;

/** Event text per block, made once however many streams send it (blocks are immutable). */
const eventText = new WeakMap<Block, string>();

function eventOf(c: HostedChannel, block: Block): string {
  const cached = eventText.get(block);
  if (cached !== undefined) return cached;
  const text = renderEvent(c, block);
  eventText.set(block, text);
  return text;
}

function renderEvent(c: HostedChannel, block: Block): string {
  const suite = c.ledger.ledger.suite;
  const txs = block.txs.map((bytes, i) => ({ txId: toHex(decodeTx(bytes, { suite, maxBytes: Number.MAX_SAFE_INTEGER }).id), code: block.results[i]! }));
  const data = JSON.stringify({ height: block.header.height, hash: toHex(block.hash), timestamp: block.header.timestamp, txs });
  return `id: ${block.header.height}\nevent: block\ndata: ${data}\n\n`;
}

function startHeight(query: { from?: string }, lastEventId: string | string[] | undefined): number {
  if (typeof lastEventId === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(lastEventId)) return Number(lastEventId) + 1;
  return Number(query.from ?? 0);
}

export const eventRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost }> = async (app, { channels }) => {
  app.get('/v1/channels/:channel/events', { schema: { params: ChannelParams, querystring: EventsQuery, response: { ...ERRORS } } }, async (req, reply) => {
    const c = channels.get(req.params.channel);
    const store = c.ledger.store;
    let next = startHeight(req.query, req.headers['last-event-id']);
    if (next < store.lowestBlock) throw new NodeError('HEIGHT_NOT_AVAILABLE', `blocks before ${store.lowestBlock} are not kept here`);
    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': konsortium block stream\n\n');
    let closed = false;
    let catchingUp = true;
    const live: Block[] = [];
    const close = (): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(ping);
      res.end();
    };
    const send = (b: Block): void => {
      if (closed || b.header.height < next) return;
      next = b.header.height + 1;
      res.write(eventOf(c, b));
      if (res.writableLength > MAX_BUFFERED_BYTES) close();
    };
    const unsubscribe = c.ledger.feed.subscribe((b) => {
      if (catchingUp) live.push(b);
      else send(b);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    req.raw.on('close', close);
    // History in slices, yielding between them and waiting for the socket to drain.
    while (!closed) {
      const top = store.head?.height ?? -1;
      if (next > top) break;
      for (let i = 0; i < HISTORY_BLOCKS_PER_TURN && next <= top && !closed; i++) {
        const b = store.block(next);
        if (b === undefined) {
          close();
          break;
        }
        send(b);
      }
      // Wait for 'drain' only when a write said so: 'drain' is emitted only after a write
      // returned false, so waiting on a merely non-empty buffer could wait for ever.
      if (res.writableNeedDrain && !closed) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
    catchingUp = false;
    for (const b of live.splice(0)) send(b);
  });
};
