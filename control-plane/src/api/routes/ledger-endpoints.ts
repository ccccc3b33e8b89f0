/**
 * `GET /v1/ledger/endpoints`: where a browser sends its ledger calls. For the default network
 * (the one shared-plan tenants live in): its channels, and the nodes the caller may see (shared
 * ones and its own dedicated ones) with the gateway path to use as an SDK base URL and the
 * keys a client needs (seal keys for key-release requests, block-signing keys to check blocks).
 * Node addresses are not shown: the browser reaches nodes only through the gateway.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { principalOf } from '../principal.js';
import { ERRORS, Uuid } from '../schemas.js';
import { nodeFilter } from './networks.js';

const EndpointNode = Type.Object({
  id: Uuid,
  nodeId: Type.Integer(),
  kind: Type.Union([Type.Literal('shared'), Type.Literal('dedicated')]),
  status: Type.String(),
  gatewayPath: Type.String(),
  sealKey: Type.Union([Type.String(), Type.Null()]),
  publicKey: Type.Union([Type.String(), Type.Null()]),
});
export const LedgerEndpoints = Type.Object({
  network: Type.Object({ id: Uuid, name: Type.String(), suite: Type.String() }),
  channels: Type.Array(Type.String()),
  nodes: Type.Array(EndpointNode),
});

export const ledgerEndpointRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/ledger/endpoints', { schema: { tags: ['ledger'], response: { 200: LedgerEndpoints, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const network = await ctx.db.network.findUnique({ where: { name: ctx.defaultNetwork }, include: { channels: { orderBy: { name: 'asc' }, select: { name: true } } } });
    if (network === null) throw new ApiError('NOT_FOUND', `the ledger network ${ctx.defaultNetwork} does not exist yet`);
    const nodes = await ctx.db.ledgerNode.findMany({ where: { networkId: network.id, ...nodeFilter(p) }, orderBy: { nodeId: 'asc' } });
    return {
      network: { id: network.id, name: network.name, suite: network.suite },
      channels: network.channels.map((c) => c.name),
      nodes: nodes.map((n) => ({ id: n.id, nodeId: n.nodeId, kind: n.kind, status: n.status, gatewayPath: `/ledger/${n.id}`, sealKey: n.sealKey, publicKey: n.publicKey })),
    };
  });
};
