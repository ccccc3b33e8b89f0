/** World state with proofs: the value of a key (or its absence) right after a block, provable against that block's state root. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ChannelHost } from '../../../ledger/channel-host.js';
import { KeyParams, StateProofReply, StateQuery } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';
import { heightOf, stateProofReply } from './state-proof.js';

export const stateRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost }> = async (app, { channels }) => {
  app.get('/v1/channels/:channel/state/:key', { schema: { params: KeyParams, querystring: StateQuery, response: { 200: StateProofReply, ...ERRORS } } }, async (req) => {
    const store = channels.get(req.params.channel).ledger.store;
    return stateProofReply(store, req.params.key, heightOf(store, req.query.height));
  });
};
