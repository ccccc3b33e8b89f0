/**
 * `GET /v1/networks/:id/nodes/health`: every node of a network asked for its Raft role, term,
 * heights and lag (ledger/node-health.ts), for the operator console. Platform admins and
 * auditors only; tenants get 403 like on every platform route. The nodes are asked with the
 * control plane's own admin token (Raft status is a channel admin route), never the caller's.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { NODE_AUDIENCE } from '../../auth/token-service.js';
import { probeNetwork } from '../../ledger/node-health.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { principalOf, readsEverything } from '../principal.js';
import { ERRORS, IdParams, Uuid } from '../schemas.js';

const Role = Type.Union([Type.Literal('leader'), Type.Literal('follower'), Type.Literal('candidate'), Type.Literal('learner'), Type.Null()]);
const IntOrNull = Type.Union([Type.Integer(), Type.Null()]);
const PerChannel = Type.Record(Type.String(), IntOrNull);

const ChannelHealthView = Type.Object({
  name: Type.String(),
  role: Role,
  term: IntOrNull,
  leaderId: IntOrNull,
  commitIndex: IntOrNull,
  appliedIndex: IntOrNull,
  height: IntOrNull,
  lag: IntOrNull,
  error: Type.Union([Type.String(), Type.Null()]),
});
export const NodeHealthView = Type.Object({
  id: Uuid,
  nodeId: Type.Integer(),
  kind: Type.String(),
  tenantId: Type.Union([Uuid, Type.Null()]),
  status: Type.String(),
  reachable: Type.Boolean(),
  role: Role,
  term: IntOrNull,
  leaderId: IntOrNull,
  height: PerChannel,
  lag: PerChannel,
  channels: Type.Array(ChannelHealthView),
  error: Type.Union([Type.String(), Type.Null()]),
  latencyMs: IntOrNull,
});
export const NetworkHealthView = Type.Object({
  networkId: Uuid,
  primaryChannel: Type.Union([Type.String(), Type.Null()]),
  checkedAt: Type.String(),
  items: Type.Array(NodeHealthView),
});

/** Minted once and reused until a minute before it expires: one signature, not one per page load. */
function adminNodeToken(ctx: ApiContext): () => Promise<string> {
  let cached: { token: string; expiresAtMs: number } | null = null;
  return async () => {
    if (cached === null || cached.expiresAtMs - ctx.now() < 60_000) {
      const t = await ctx.tokens.issueAccessToken({ subject: 'control-plane', roles: ['admin'], audience: NODE_AUDIENCE, ttlSeconds: 600 });
      cached = { token: t.token, expiresAtMs: t.expiresAtMs };
    }
    return cached.token;
  };
}

export const nodeHealthRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext; timeoutMs?: number }> = async (app, { ctx, timeoutMs }) => {
  const token = adminNodeToken(ctx);
  app.get('/v1/networks/:id/nodes/health', { schema: { tags: ['nodes'], params: IdParams, response: { 200: NetworkHealthView, ...ERRORS } } }, async (req) => {
    if (!readsEverything(principalOf(req))) throw new ApiError('FORBIDDEN', 'platform administrators and auditors only');
    const network = await ctx.db.network.findUnique({ where: { id: req.params.id }, include: { channels: { orderBy: { name: 'asc' }, select: { name: true } } } });
    if (network === null) throw notFound('network', req.params.id);
    const rows = await ctx.db.ledgerNode.findMany({ where: { networkId: network.id }, orderBy: { nodeId: 'asc' } });
    const channels = network.channels.map((c) => c.name);
    // The channel named after the network is the one every node serves (ensureNetwork makes it).
    const primary = channels.includes(network.name) ? network.name : (channels[0] ?? null);
    const health = await probeNetwork({ nodes: rows, channels, ...(primary === null ? {} : { primary }), token, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    return {
      networkId: network.id,
      primaryChannel: primary,
      checkedAt: new Date(ctx.now()).toISOString(),
      items: rows.map((r, i) => ({ ...health[i]!, kind: r.kind, tenantId: r.tenantId, status: r.status })),
    };
  });
};
