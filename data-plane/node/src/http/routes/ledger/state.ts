/** World state with proofs: the value of a key (or its absence) right after a block, provable against that block's state root. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ChannelHost } from '../../../ledger/channel-host.js';
import { NodeError } from '../../../errors.js';
import { KeyParams, StateProofReply, StateQuery } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

function jsonOf(valueHex: string | null): { json?: unknown } {
  if (valueHex === null) return {};
  try {
    return { json: JSON.parse(decoder.decode(Buffer.from(valueHex, 'hex'))) as unknown };
  } catch {
    return {};
  }
}

export const stateRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost }> = async (app, { channels }) => {
  app.get('/v1/channels/:channel/state/:key', { schema: { params: KeyParams, querystring: StateQuery, response: { 200: StateProofReply, ...ERRORS } } }, async (req) => {
    const store = channels.get(req.params.channel).ledger.store;
    const head = store.head;
    if (head === null) throw new NodeError('UNAVAILABLE', 'the channel has no genesis block yet');
    const height = req.query.height === undefined ? head.height : Number(req.query.height);
    if (height > head.height || height < store.lowestBlock) {
      throw new NodeError('HEIGHT_NOT_AVAILABLE', `height ${height} is not available here (kept: ${store.lowestBlock}..${head.height})`);
    }
    const p = store.proveState(req.params.key, height);
    return { ...p, siblings: [...p.siblings], ...jsonOf(p.value) };
  });
};
