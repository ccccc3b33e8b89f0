/** Blocks by height (JSON with the encoded header and block in hex, for offline checking). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toHex } from '@konsortium/protocol';
import type { LedgerStore } from '@konsortium/storage';
import type { ChannelHost } from '../../../ledger/channel-host.js';
import { NodeError } from '../../../errors.js';
import { BlockReply, BlocksQuery, BlocksReply, ChannelParams, HeightParams } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';

function blockJson(store: LedgerStore, height: number): { height: number; hash: string; header: string; block: string } | null {
  const b = store.block(height);
  const bytes = store.blockBytes(height);
  if (b === undefined || bytes === undefined) return null;
  return { height, hash: toHex(b.hash), header: toHex(b.headerBytes), block: toHex(bytes) };
}

export const blockRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost }> = async (app, { channels }) => {
  app.get('/v1/channels/:channel/blocks/:height', { schema: { params: HeightParams, response: { 200: BlockReply, ...ERRORS } } }, async (req) => {
    const store = channels.get(req.params.channel).ledger.store;
    const height = Number(req.params.height);
    const b = blockJson(store, height);
    if (b === null) throw new NodeError('BLOCK_NOT_FOUND', `no block ${height} here (kept: ${store.lowestBlock}..${store.head?.height ?? -1})`);
    return b;
  });

  app.get('/v1/channels/:channel/blocks', { schema: { params: ChannelParams, querystring: BlocksQuery, response: { 200: BlocksReply, ...ERRORS } } }, async (req) => {
    const store = channels.get(req.params.channel).ledger.store;
    const from = Math.max(Number(req.query.from ?? 0), store.lowestBlock);
    const limit = Number(req.query.limit ?? 20);
    const top = store.head?.height ?? -1;
    const blocks = [];
    for (let h = from; h <= top && blocks.length < limit; h++) {
      const b = blockJson(store, h);
      if (b !== null) blocks.push(b);
    }
    return { blocks };
  });
};
