/**
 * Networks, their channels and nodes. Every caller sees the consortium's networks and channels;
 * a tenant sees the shared nodes and its own dedicated nodes, never another tenant's (404).
 * Platform admins register networks and add shared nodes (a provisioning operation).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { LedgerNode, Network } from '../../db/prisma.js';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { principalOf, type Principal, readsEverything, requirePlatformAdmin } from '../principal.js';
import { ERRORS, IdParams, iso, Uuid } from '../schemas.js';
import { OperationView, operationView } from './operations.js';

const Suite = Type.Union([Type.Literal('intl'), Type.Literal('gost'), Type.Literal('sm')]);
export const NetworkView = Type.Object({ id: Uuid, name: Type.String(), suite: Suite, createdAt: Type.String() });
export const ChannelView = Type.Object({ id: Uuid, networkId: Uuid, name: Type.String(), createdAt: Type.String() });
export const NodeView = Type.Object({
  id: Uuid,
  networkId: Uuid,
  nodeId: Type.Integer(),
  kind: Type.Union([Type.Literal('shared'), Type.Literal('dedicated')]),
  tenantId: Type.Union([Uuid, Type.Null()]),
  runtime: Type.String(),
  status: Type.String(),
  httpUrl: Type.Union([Type.String(), Type.Null()]),
  publicKey: Type.Union([Type.String(), Type.Null()]),
  sealKey: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const networkView = (n: Network): Static<typeof NetworkView> => ({ id: n.id, name: n.name, suite: n.suite, createdAt: iso(n.createdAt)! });
export const nodeView = (n: LedgerNode): Static<typeof NodeView> => ({
  id: n.id,
  networkId: n.networkId,
  nodeId: n.nodeId,
  kind: n.kind,
  tenantId: n.tenantId,
  runtime: n.runtime,
  status: n.status,
  httpUrl: n.httpUrl,
  publicKey: n.publicKey,
  sealKey: n.sealKey,
  lastError: n.lastError,
  createdAt: iso(n.createdAt)!,
  updatedAt: iso(n.updatedAt)!,
});

/** The nodes `p` may see: all for the platform and auditors; shared plus its own for a tenant. */
export function nodeFilter(p: Principal) {
  if (readsEverything(p)) return {};
  return { OR: [{ kind: 'shared' as const }, { tenantId: p.tenantId ?? '' }] };
}

const CreateNetwork = Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), suite: Type.Optional(Suite) }, { additionalProperties: false });

export const networkRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  async function network(id: string): Promise<Network> {
    const n = await ctx.db.network.findUnique({ where: { id } });
    if (n === null) throw notFound('network', id);
    return n;
  }

  app.get('/v1/networks', { schema: { tags: ['networks'], response: { 200: Type.Object({ items: Type.Array(NetworkView) }), ...ERRORS } } }, async () => ({
    items: (await ctx.db.network.findMany({ orderBy: { name: 'asc' } })).map(networkView),
  }));

  app.post('/v1/networks', { schema: { tags: ['networks'], body: CreateNetwork, response: { 201: NetworkView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requirePlatformAdmin(p);
    const n = await ctx.db.$transaction(async (tx) => {
      const n = await tx.network.create({ data: { name: req.body.name, suite: req.body.suite ?? 'intl' } });
      await audit(tx, p, { tenantId: null, action: 'network.create', objectType: 'network', objectId: n.id, details: { name: n.name, suite: n.suite } });
      return n;
    });
    return reply.code(201).send(networkView(n));
  });

  app.get('/v1/networks/:id', { schema: { tags: ['networks'], params: IdParams, response: { 200: NetworkView, ...ERRORS } } }, async (req) => networkView(await network(req.params.id)));

  app.get('/v1/networks/:id/channels', { schema: { tags: ['networks'], params: IdParams, response: { 200: Type.Object({ items: Type.Array(ChannelView) }), ...ERRORS } } }, async (req) => {
    await network(req.params.id);
    const rows = await ctx.db.channel.findMany({ where: { networkId: req.params.id }, orderBy: { name: 'asc' } });
    return { items: rows.map((c) => ({ id: c.id, networkId: c.networkId, name: c.name, createdAt: iso(c.createdAt)! })) };
  });

  app.get('/v1/networks/:id/nodes', { schema: { tags: ['nodes'], params: IdParams, response: { 200: Type.Object({ items: Type.Array(NodeView) }), ...ERRORS } } }, async (req) => {
    await network(req.params.id);
    const rows = await ctx.db.ledgerNode.findMany({ where: { networkId: req.params.id, ...nodeFilter(principalOf(req)) }, orderBy: { nodeId: 'asc' } });
    return { items: rows.map(nodeView) };
  });

  app.post('/v1/networks/:id/nodes', { schema: { tags: ['nodes'], params: IdParams, response: { 202: OperationView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requirePlatformAdmin(p);
    if (ctx.operations === null) throw new ApiError('NOT_CONFIGURED', 'provisioning is not configured on this control plane');
    const n = await network(req.params.id);
    const op = await ctx.db.$transaction(async (tx) => {
      const op = await tx.provisioningOperation.create({ data: { kind: 'provision_node', input: { network: n.name, kind: 'shared' }, doneSteps: [] } });
      await audit(tx, p, { tenantId: null, action: 'node.provision', objectType: 'network', objectId: n.id, details: { operation: op.id } });
      return op;
    });
    await ctx.operations.enqueue(op.id);
    return reply.code(202).send(operationView(op));
  });

  app.get('/v1/nodes/:id', { schema: { tags: ['nodes'], params: IdParams, response: { 200: NodeView, ...ERRORS } } }, async (req) => {
    const node = await ctx.db.ledgerNode.findFirst({ where: { id: req.params.id, ...nodeFilter(principalOf(req)) } });
    if (node === null) throw notFound('node', req.params.id);
    return nodeView(node);
  });
};
