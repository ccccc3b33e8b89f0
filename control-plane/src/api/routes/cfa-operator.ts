/**
 * The consortium operator's side of CFA (registered by cfa.ts, inside the authenticated scope):
 *
 * - `POST /v1/cfa/operator-operations` (platform admins): records a cfa_operation without a
 *   tenant, sent by the network's operator member, and hands it to the CFA gateway, which signs
 *   it with the network's operator key (platform/ledger-services.ts). From there it is projected
 *   like a tenant's: CREATED → … → SETTLED, or REJECTED with the contract's code.
 * - `GET /v1/cfa/operator-operations` (platform admins and auditors): those operations, i.e.
 *   every one without a tenant (the follower also records there what the operator sent around
 *   the API).
 * - `GET /v1/cfa/fees?channel=` (anyone signed in: tenants pay it): the fee schedule as the
 *   chain holds it now (`gov/fees`), read from a running node.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { KonsortiumApiError } from '@konsortium/client';
import { NODE_AUDIENCE } from '../../auth/token-service.js';
import { LedgerGateway, LedgerGatewayError } from '../../ledger/gateway.js';
import { cfaStateKeys } from '../../projection/cfa-layout.js';
import { runningNodeUrls } from '../../provisioning/network.js';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { OPERATOR_METHOD_NAMES, type OperatorMethodName, operatorCall } from '../operator-methods.js';
import { principalOf, readsEverything, requirePlatformAdmin } from '../principal.js';
import { ERRORS, Page, pageOf, PageQuery } from '../schemas.js';
import { CfaOperationView, cfaOperationView, Channel } from './cfa-view.js';

const SubmitBody = Type.Object(
  {
    channel: Type.Optional(Channel),
    // An enum rather than a union of literals: one readable error ("must be equal to one of the allowed values").
    method: Type.String({ enum: OPERATOR_METHOD_NAMES }),
    /** Checked against the method's fields here (operator-methods.ts), and its values by the contract. */
    args: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
  },
  { additionalProperties: false },
);

const FeeRuleView = Type.Object({ fixed: Type.Integer(), bps: Type.Integer() });
const FeeScheduleView = Type.Object({
  channel: Type.String(),
  /** The height the node read the schedule at. */
  height: Type.Integer(),
  /** Null: no fees are charged (no schedule set). */
  collector: Type.Union([Type.String(), Type.Null()]),
  rules: Type.Record(Type.String(), FeeRuleView),
});
const FeesQuery = Type.Object({ channel: Type.Optional(Channel) }, { additionalProperties: false });

/** The default network, if `channel` is one of its channels (operator operations live there). */
async function networkOf(ctx: ApiContext, channel: string) {
  const network = await ctx.db.network.findUnique({ where: { name: ctx.defaultNetwork }, include: { channels: { where: { name: channel }, select: { name: true } } } });
  if (network === null || network.channels.length === 0) throw notFound('channel', channel);
  return network;
}

/** A node-audience reader token, minted once and reused until a minute before it expires. */
function readerToken(ctx: ApiContext): () => Promise<string> {
  let cached: { token: string; expiresAtMs: number } | null = null;
  return async () => {
    if (cached === null || cached.expiresAtMs - ctx.now() < 60_000) {
      const t = await ctx.tokens.issueAccessToken({ subject: 'control-plane', roles: ['ledger:read'], audience: NODE_AUDIENCE, ttlSeconds: 600 });
      cached = { token: t.token, expiresAtMs: t.expiresAtMs };
    }
    return cached.token;
  };
}

type FeeRules = Record<string, { fixed: number; bps: number }>;

const isRule = (r: unknown): boolean => typeof r === 'object' && r !== null && Number.isSafeInteger((r as { fixed?: unknown }).fixed) && Number.isSafeInteger((r as { bps?: unknown }).bps);

/** gov/fees as stored (governance/model.ts FeeSchedule); absent: no fees. Anything else is the node's fault. */
function feeScheduleOf(v: unknown): { collector: string | null; rules: FeeRules } {
  if (v === null) return { collector: null, rules: {} };
  const { collector, rules } = (typeof v === 'object' ? v : {}) as { collector?: unknown; rules?: unknown };
  const rulesOk = typeof rules === 'object' && rules !== null && !Array.isArray(rules) && Object.values(rules).every(isRule);
  if ((typeof collector !== 'string' && collector !== null) || !rulesOk) throw new ApiError('UPSTREAM_FAILED', 'the node returned a fee schedule of an unknown shape');
  return { collector: collector as string | null, rules: rules as FeeRules };
}

export const operatorCfaRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const token = readerToken(ctx);

  app.post('/v1/cfa/operator-operations', { schema: { tags: ['cfa'], body: SubmitBody, response: { 202: CfaOperationView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requirePlatformAdmin(p);
    const gateway = ctx.cfa;
    if (gateway === null) throw new ApiError('NOT_CONFIGURED', 'the ledger gateway is not configured on this control plane');
    const call = operatorCall(req.body.method as OperatorMethodName, req.body.args); // the enum above admits only these
    if (call.problem !== null) throw new ApiError('INVALID_REQUEST', `${req.body.method}: ${call.problem}`);
    const channel = req.body.channel ?? ctx.defaultNetwork;
    const network = await networkOf(ctx, channel);
    const op = await ctx.db.$transaction(async (tx) => {
      const op = await tx.cfaOperation.create({ data: { channel, tenantId: null, sender: network.operatorMember, method: call.method, args: req.body.args as object, source: 'api' } });
      await audit(tx, p, { tenantId: null, action: 'cfa.operator_submit', objectType: 'cfa_operation', objectId: op.id, details: { method: op.method, channel } });
      return op;
    });
    // As for tenants: the reply says "accepted", the operation's phase says how far it got.
    void gateway.submit(op.id).catch((err: unknown) => req.log.warn({ err, operation: op.id }, 'operator CFA submission failed'));
    return reply.code(202).send(cfaOperationView(op));
  });

  app.get('/v1/cfa/operator-operations', { schema: { tags: ['cfa'], querystring: PageQuery, response: { 200: Page(CfaOperationView), ...ERRORS } } }, async (req) => {
    if (!readsEverything(principalOf(req))) throw new ApiError('FORBIDDEN', 'platform administrators and auditors only');
    const limit = req.query.limit ?? 100;
    const rows = await ctx.db.cfaOperation.findMany({ where: { tenantId: null, ...(req.query.after ? { id: { gt: req.query.after } } : {}) }, orderBy: { id: 'asc' }, take: limit + 1 });
    const page = pageOf(rows, limit);
    return { items: page.items.map(cfaOperationView), next: page.next };
  });

  app.get('/v1/cfa/fees', { schema: { tags: ['cfa'], querystring: FeesQuery, response: { 200: FeeScheduleView, ...ERRORS } } }, async (req) => {
    principalOf(req);
    const channel = req.query.channel ?? ctx.defaultNetwork;
    const network = await networkOf(ctx, channel);
    const ledger = new LedgerGateway({ suite: network.suite, nodeUrls: () => runningNodeUrls(ctx.db, network.id), token });
    try {
      const entry = await ledger.stateEntry(channel, cfaStateKeys.fees);
      return { channel, height: entry.height, ...feeScheduleOf(entry.value) };
    } catch (err) {
      if (err instanceof LedgerGatewayError) throw new ApiError('NODE_UNREACHABLE', err.message);
      if (err instanceof KonsortiumApiError) throw new ApiError('UPSTREAM_FAILED', `the node refused the read: ${err.code} ${err.message}`);
      throw err;
    }
  });
};
