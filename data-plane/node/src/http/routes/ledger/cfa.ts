/**
 * CFA registries: each answer is one state key of the cfa contract with its proof at a height
 * (default: the head), plus the decoded JSON. An account's holdings and money, the asset list,
 * the fee schedule; an asset's owners as every bucket of its registry (OWNER_BUCKETS proofs at
 * one height: a reader checks them all, so no holder can be left out); and the movement logs
 * (credits and debits with their causes) as pages: the proven record that counts the log (an
 * asset log's counter key; an account's money record, which also holds the log's open chunk) and
 * the proven chunks (MOVE_CHUNK records each) that hold records from..from+limit−1.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { cfaKeys, MOVE_CHUNK, moveChunkOf, OWNER_BUCKETS } from '@konsortium/contracts';
import type { ChannelHost } from '../../../ledger/channel-host.js';
import { ChannelParams, StateProofReply, StateQuery } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';
import { heightOf, stateProofReply } from './state-proof.js';

const Channel = ChannelParams.properties.channel;
const Code = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
const Account = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const Height = Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' }));
const PageQuery = Type.Object(
  { height: Height, from: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' })), limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|100)$' })) },
  { additionalProperties: false },
);
const OwnersReply = Type.Object({ buckets: Type.Array(StateProofReply, { minItems: OWNER_BUCKETS, maxItems: OWNER_BUCKETS }) });
const PageReply = Type.Object({ count: Type.Integer({ minimum: 0 }), log: StateProofReply, chunks: Type.Array(StateProofReply) });
const AssetParams = Type.Object({ channel: Channel, code: Code });
const AccountParams = Type.Object({ channel: Channel, account: Account });
const one = { querystring: StateQuery, response: { 200: StateProofReply, ...ERRORS } };

export const cfaRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost }> = async (app, { channels }) => {
  const store = (channel: string) => channels.get(channel).ledger.store;
  const at = (channel: string, key: string, height: string | undefined) => {
    const s = store(channel);
    return stateProofReply(s, key, heightOf(s, height));
  };
  /**
   * A page of a movement log: the record that counts it (proven; `field` holds the count; with
   * `open`, it also holds the last chunk unless that one is full) and the chunks holding records
   * from..from+limit−1 that have keys of their own (each proven).
   */
  const page = (channel: string, log: { key: string; field: 'count' | 'moves'; open: boolean }, chunkKey: (chunk: number) => string, q: { height?: string; from?: string; limit?: string }) => {
    const s = store(channel);
    const height = heightOf(s, q.height);
    const counted = stateProofReply(s, log.key, height);
    const n = (counted.json as Record<string, unknown> | null | undefined)?.[log.field];
    const count = typeof n === 'number' ? n : 0;
    const from = Number(q.from ?? 0);
    const to = Math.min(count, from + Number(q.limit ?? 20));
    const chunks = [];
    const keyed = log.open ? Math.floor(count / MOVE_CHUNK) : Infinity;
    for (let c = moveChunkOf(from); from < to && c <= moveChunkOf(to - 1) && c < keyed; c++) chunks.push(stateProofReply(s, chunkKey(c), height));
    return { count, log: counted, chunks };
  };

  app.get('/v1/channels/:channel/cfa/assets', { schema: { params: ChannelParams, ...one } }, async (req) => at(req.params.channel, cfaKeys.assets, req.query.height));
  app.get('/v1/channels/:channel/cfa/fees', { schema: { params: ChannelParams, ...one } }, async (req) => at(req.params.channel, cfaKeys.fees, req.query.height));
  app.get('/v1/channels/:channel/cfa/money-supply', { schema: { params: ChannelParams, ...one } }, async (req) => at(req.params.channel, cfaKeys.moneySupply, req.query.height));
  app.get('/v1/channels/:channel/cfa/assets/:code', { schema: { params: AssetParams, ...one } }, async (req) => at(req.params.channel, cfaKeys.asset(req.params.code), req.query.height));
  app.get('/v1/channels/:channel/cfa/assets/:code/owners', { schema: { params: AssetParams, querystring: StateQuery, response: { 200: OwnersReply, ...ERRORS } } }, async (req) => {
    const s = store(req.params.channel);
    const height = heightOf(s, req.query.height);
    return { buckets: Array.from({ length: OWNER_BUCKETS }, (_, b) => stateProofReply(s, cfaKeys.ownerBucket(req.params.code, b), height)) };
  });
  app.get('/v1/channels/:channel/cfa/assets/:code/moves', { schema: { params: AssetParams, querystring: PageQuery, response: { 200: PageReply, ...ERRORS } } }, async (req) =>
    page(req.params.channel, { key: cfaKeys.moves(req.params.code), field: 'count', open: false }, (c) => cfaKeys.moveChunk(req.params.code, c), req.query),
  );
  app.get('/v1/channels/:channel/cfa/accounts/:account/holdings', { schema: { params: AccountParams, ...one } }, async (req) =>
    at(req.params.channel, cfaKeys.holdings(req.params.account), req.query.height),
  );
  app.get('/v1/channels/:channel/cfa/accounts/:account/money', { schema: { params: AccountParams, ...one } }, async (req) =>
    at(req.params.channel, cfaKeys.money(req.params.account), req.query.height),
  );
  app.get('/v1/channels/:channel/cfa/accounts/:account/money-moves', { schema: { params: AccountParams, querystring: PageQuery, response: { 200: PageReply, ...ERRORS } } }, async (req) =>
    page(req.params.channel, { key: cfaKeys.money(req.params.account), field: 'moves', open: true }, (c) => cfaKeys.moneyMoveChunk(req.params.account, c), req.query),
  );
};
