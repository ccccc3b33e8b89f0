/**
 * Submitting transactions and following them. Submit is idempotent by transaction id: the
 * same transaction again answers 200 with its current status instead of 202. Refusals before
 * ordering answer 4xx with the ledger's code, and nothing is ordered.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fromHex } from '@konsortium/protocol';
import type { ChannelHost } from '../../../ledger/channel-host.js';
import { decodeTxList } from '../../../ledger/tx-list.js';
import { NodeError } from '../../../errors.js';
import { toErrorReply } from '../../errors.js';
import { BatchSubmitReply, ChannelParams, SubmitBody, SubmitReply, TxParams, TxProofReply, TxStatusReply } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';
import { type AuthVerifier, requireCaller } from '../../auth.js';
import { NODE_HEADER, NODE_SIGNATURE_HEADER } from '../../../ledger/forwarder.js';

const MAX_TXS_PER_BATCH = 10_000;

export const txRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost }> = async (app, { channels }) => {
  app.post('/v1/channels/:channel/txs', { schema: { params: ChannelParams, body: SubmitBody, response: { 200: SubmitReply, 202: SubmitReply, ...ERRORS } } }, async (req, reply) => {
    const c = channels.get(req.params.channel);
    const r = c.ledger.submit(Buffer.from(req.body.tx, 'hex')); // the schema checked it is lower-case hex
    return reply.code(r.accepted ? 202 : 200).send({ txId: r.txId, status: r.status });
  });

  app.get('/v1/channels/:channel/txs/:txId', { schema: { params: TxParams, response: { 200: TxStatusReply, ...ERRORS } } }, async (req) => {
    const s = channels.get(req.params.channel).ledger.status(req.params.txId);
    if (s === null) throw new NodeError('TX_NOT_FOUND', `transaction ${req.params.txId} is not known to this node`);
    return s;
  });

  app.get('/v1/channels/:channel/txs/:txId/proof', { schema: { params: TxParams, response: { 200: TxProofReply, ...ERRORS } } }, async (req) => {
    const p = channels.get(req.params.channel).ledger.store.proveTx(fromHex(req.params.txId, 32));
    if (p === undefined) throw new NodeError('TX_NOT_FOUND', `transaction ${req.params.txId} is not in the chain (yet)`);
    return { ...p, path: [...p.path] };
  });
};

/**
 * Bulk submission: u32 count | count × (u32 length | envelope); each transaction gets its own
 * result. Callers are authenticated like everywhere else (bearer token), or, for transactions
 * a follower forwards to its leader, by the sending node's signature over the body.
 */
export const bulkSubmitRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost; bulkBodyLimitBytes: number; auth: AuthVerifier | null }> = async (
  app,
  { channels, bulkBodyLimitBytes, auth },
) => {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: bulkBodyLimitBytes }, (_req, body, done) => done(null, body));
  const bearer = requireCaller(auth);
  app.addHook('preHandler', async (req) => {
    const nodeHeader = req.headers[NODE_HEADER];
    if (nodeHeader === undefined) return bearer(req);
    const { channel } = req.params as { channel: string };
    const sig = req.headers[NODE_SIGNATURE_HEADER];
    const nodeId = Number(nodeHeader);
    let ok = false;
    try {
      ok = Number.isSafeInteger(nodeId) && typeof sig === 'string' && Buffer.isBuffer(req.body) && channels.get(channel).ledger.ledger.verifyNodeSigned(nodeId, req.body, fromHex(sig));
    } catch {
      ok = false;
    }
    if (!ok) throw new NodeError('UNAUTHORIZED', 'node signature does not verify');
  });

  app.post(
    '/v1/channels/:channel/txs/batch',
    { schema: { params: ChannelParams, response: { 200: BatchSubmitReply, ...ERRORS } }, bodyLimit: bulkBodyLimitBytes },
    async (req) => {
      const c = channels.get(req.params.channel);
      if (!Buffer.isBuffer(req.body)) throw new NodeError('INVALID_ARGUMENT', 'send the transactions as application/octet-stream');
      let txs: Uint8Array[];
      try {
        txs = decodeTxList(req.body, MAX_TXS_PER_BATCH);
      } catch (err) {
        throw new NodeError('INVALID_ARGUMENT', `malformed transaction list: ${(err as Error).message}`);
      }
      const results = txs.map((bytes) => {
        try {
          const r = c.ledger.submit(bytes);
          return { txId: r.txId, status: r.status };
        } catch (err) {
          const { body } = toErrorReply(err as Error);
          return { error: { code: body.code, message: body.message } };
        }
      });
      return { results };
    },
  );

};
