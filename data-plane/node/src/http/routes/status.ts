/** GET /v1/status: the node's Raft view and the membership. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { NodeApi } from '../node-api.js';
import { ERRORS, StatusReply } from '../schemas.js';

export const statusRoutes: FastifyPluginAsyncTypebox<{ node: NodeApi }> = async (app, { node }) => {
  app.get('/status', { schema: { response: { 200: StatusReply, ...ERRORS } } }, async () => node.status());
};
