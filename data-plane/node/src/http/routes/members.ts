/** Membership: add a learner, promote it, remove a member. Leader only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { NodeApi } from '../node-api.js';
import { AddMemberBody, ERRORS, IdParams, MemberReply, RemovedReply } from '../schemas.js';

export const membersRoutes: FastifyPluginAsyncTypebox<{ node: NodeApi }> = async (app, { node }) => {
  app.post('/members', { schema: { body: AddMemberBody, response: { 202: MemberReply, ...ERRORS } } }, async (req, reply) => {
    const member = await node.addLearner(req.body);
    return reply.code(202).send(member);
  });

  app.post('/members/:id/promote', { schema: { params: IdParams, response: { 200: MemberReply, ...ERRORS } } }, async (req) =>
    node.promote(Number(req.params.id)),
  );

  app.delete('/members/:id', { schema: { params: IdParams, response: { 200: RemovedReply, ...ERRORS } } }, async (req) => {
    const id = Number(req.params.id);
    await node.removeMember(id);
    return { id, removed: true };
  });
};
