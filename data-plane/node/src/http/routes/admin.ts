/** Administration: leader transfer and forced snapshots. Leader only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { NodeApi } from '../node-api.js';
import { ERRORS, SnapshotReply, TransferBody, TransferReply } from '../schemas.js';

export const adminRoutes: FastifyPluginAsyncTypebox<{ node: NodeApi }> = async (app, { node }) => {
  app.post('/leader/transfer', { schema: { body: TransferBody, response: { 200: TransferReply, ...ERRORS } } }, async (req) => ({
    leaderId: await node.transferLeader(req.body.to),
  }));

  app.post('/snapshot', { schema: { response: { 200: SnapshotReply, ...ERRORS } } }, async () => ({ index: await node.snapshot() }));
};
