/**
 * CFA operations through the projection: a tenant files a contract call (`cfa.<method>` with
 * its arguments); the operation is stored CREATED and handed to the CFA gateway, which moves it
 * through PROCESSING and ONCHAIN_SUBMITTED; the projection's follower finalises and settles it.
 * The call is signed with the tenant's custodial key, as the tenant's governance member.
 * Reads: the tenant's operations and the projected balances of its account. The operator's own
 * operations and the fee schedule are a sub-plugin (cfa-operator.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { principalOf, readsEverything, requireTenantRead, requireTenantWrite } from '../principal.js';
import { ERRORS, IdParams, Page, pageOf, PageQuery, TenantParams } from '../schemas.js';
import { operatorCfaRoutes } from './cfa-operator.js';
import { CfaOperationView, cfaOperationView, Channel } from './cfa-view.js';
import { readableTenant, requireActive } from './tenants.js';

export { CfaOperationView, cfaOperationView } from './cfa-view.js';

/** The CFA contract's methods a tenant may call (operator-only ones are refused on chain anyway). */
export const CFA_METHODS = [
  'fileIssue', 'registerIssue', 'rejectIssue', 'apply', 'withdrawApplication', 'closePlacement', 'mint', 'burn',
  'offerSell', 'offerBuy', 'acceptOffer', 'cancelOffer', 'gift', 'inherit', 'redeem', 'redeemEarly',
  'freeze', 'unfreeze', 'setInvestorCategory', 'setLimits',
] as const;

const SubmitBody = Type.Object(
  {
    channel: Type.Optional(Channel),
    method: Type.Union(CFA_METHODS.map((m) => Type.Literal(m))),
    /** The method's arguments, checked by the contract's own schema before ordering. */
    args: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 }),
  },
  { additionalProperties: false },
);

const Balance = Type.Object({ channel: Type.String(), asset: Type.String(), account: Type.String(), amount: Type.String(), height: Type.String() });
const BalanceQuery = Type.Object({ channel: Type.Optional(Channel) }, { additionalProperties: false });

export const cfaRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  await app.register(operatorCfaRoutes, { ctx });

  app.post('/v1/tenants/:tenantId/cfa/operations', { schema: { tags: ['cfa'], params: TenantParams, body: SubmitBody, response: { 202: CfaOperationView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requireTenantWrite(p, req.params.tenantId, 'tenant_member');
    const gateway = ctx.cfa;
    if (gateway === null) throw new ApiError('NOT_CONFIGURED', 'the ledger gateway is not configured on this control plane');
    const tenant = await readableTenant(ctx, req, req.params.tenantId);
    requireActive(tenant);
    const dayStart = new Date(Math.floor(ctx.now() / 86_400_000) * 86_400_000);
    if ((await ctx.db.cfaOperation.count({ where: { tenantId: tenant.id, createdAt: { gte: dayStart } } })) >= tenant.maxTxPerDay) {
      throw new ApiError('QUOTA_EXCEEDED', `the tenant has sent its ${tenant.maxTxPerDay} transactions today`);
    }
    const op = await ctx.db.$transaction(async (tx) => {
      const op = await tx.cfaOperation.create({
        data: { channel: req.body.channel ?? ctx.defaultNetwork, tenantId: tenant.id, sender: tenant.memberId, method: `cfa.${req.body.method}`, args: req.body.args as object, source: 'api' },
      });
      await audit(tx, p, { tenantId: tenant.id, action: 'cfa.submit', objectType: 'cfa_operation', objectId: op.id, details: { method: op.method } });
      return op;
    });
    ctx.usage.add(tenant.id, 'ledger.tx');
    // Submission runs on: the reply says "accepted", the operation's phase says how far it got.
    void gateway.submit(op.id).catch((err: unknown) => req.log.warn({ err, operation: op.id }, 'CFA submission failed'));
    return reply.code(202).send(cfaOperationView(op));
  });

  app.get('/v1/tenants/:tenantId/cfa/operations', { schema: { tags: ['cfa'], params: TenantParams, querystring: PageQuery, response: { 200: Page(CfaOperationView), ...ERRORS } } }, async (req) => {
    requireTenantRead(principalOf(req), req.params.tenantId);
    const limit = req.query.limit ?? 100;
    const rows = await ctx.db.cfaOperation.findMany({ where: { tenantId: req.params.tenantId, ...(req.query.after ? { id: { gt: req.query.after } } : {}) }, orderBy: { id: 'asc' }, take: limit + 1 });
    const page = pageOf(rows, limit);
    return { items: page.items.map(cfaOperationView), next: page.next };
  });

  app.get('/v1/cfa/operations/:id', { schema: { tags: ['cfa'], params: IdParams, response: { 200: CfaOperationView, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const op = await ctx.db.cfaOperation.findUnique({ where: { id: req.params.id } });
    if (op === null || (!readsEverything(p) && (op.tenantId === null || op.tenantId !== p.tenantId))) throw notFound('CFA operation', req.params.id);
    return cfaOperationView(op);
  });

  app.get('/v1/tenants/:tenantId/cfa/balances', { schema: { tags: ['cfa'], params: TenantParams, querystring: BalanceQuery, response: { 200: Type.Object({ items: Type.Array(Balance) }), ...ERRORS } } }, async (req) => {
    const tenant = await readableTenant(ctx, req, req.params.tenantId);
    const rows = await ctx.db.cfaBalance.findMany({ where: { account: tenant.memberId, ...(req.query.channel ? { channel: req.query.channel } : {}) }, orderBy: [{ channel: 'asc' }, { asset: 'asc' }] });
    return { items: rows.map((b) => ({ channel: b.channel, asset: b.asset, account: b.account, amount: b.amount.toFixed(0), height: b.height.toString() })) };
  });
};
