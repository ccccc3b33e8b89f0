/** The channels this node serves, their heads and their nodes' block-signing keys. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toHex } from '@konsortium/protocol';
import type { ChannelHost } from '../../../ledger/channel-host.js';
import { ChannelParams, ChannelsReply, HeadReply, NodesReply } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';
import { NodeError } from '../../../errors.js';

export const channelRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost }> = async (app, { channels }) => {
  app.get('/v1/channels', { schema: { response: { 200: ChannelsReply, ...ERRORS } } }, async () => ({
    channels: channels.list().map((c) => {
      const s = c.node.status();
      return { name: c.name, suite: c.suite, height: c.ledger.store.head?.height ?? 0, leaderId: s.leaderId, role: s.role };
    }),
  }));

  app.get('/v1/channels/:channel/head', { schema: { params: ChannelParams, response: { 200: HeadReply, ...ERRORS } } }, async (req) => {
    const head = channels.get(req.params.channel).ledger.store.head;
    if (head === null) throw new NodeError('UNAVAILABLE', 'the channel has no genesis block yet');
    return { height: head.height, hash: toHex(head.hash), stateRoot: toHex(head.stateRoot), timestamp: head.timestamp };
  });

  app.get('/v1/channels/:channel/nodes', { schema: { params: ChannelParams, response: { 200: NodesReply, ...ERRORS } } }, async (req) => {
    const keys = channels.get(req.params.channel).ledger.nodeKeys();
    return { nodes: [...keys].sort((a, b) => a[0] - b[0]).map(([nodeId, k]) => ({ nodeId, publicKey: toHex(k) })) };
  });
};
