/**
 * The operator's monthly fee invoices: a plan fee plus metered usage at list prices, in minor
 * units (integers). Platform admins compute (or recompute, while a draft) and issue them;
 * tenants read their own.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { Invoice } from '../../db/prisma.js';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { principalOf, readsEverything, requirePlatformAdmin, requireTenantRead } from '../principal.js';
import { ERRORS, IdParams, iso, TenantParams, Uuid } from '../schemas.js';

export interface PriceList {
  readonly currency: string;
  /** Monthly fee per plan, minor units. */
  readonly planMonthlyMinor: Readonly<Record<'shared' | 'dedicated', bigint>>;
  /** Price per 1,000 units of a metric, minor units. */
  readonly perThousandMinor: Readonly<Record<string, bigint>>;
}

export const DEFAULT_PRICES: PriceList = {
  currency: 'RUB',
  planMonthlyMinor: { shared: 5_000_00n, dedicated: 50_000_00n },
  perThousandMinor: { 'api.requests': 10_00n, 'ledger.tx': 100_00n },
};

export interface InvoiceLine {
  readonly item: string;
  readonly quantity: string;
  readonly unitPriceMinor: string;
  readonly amountMinor: string;
}

/** Pure: the lines and total of one month. Usage is billed per started thousand. */
export function computeInvoice(plan: 'shared' | 'dedicated', usage: ReadonlyMap<string, bigint>, prices: PriceList): { lines: InvoiceLine[]; totalMinor: bigint } {
  const lines: InvoiceLine[] = [{ item: `plan.${plan}`, quantity: '1', unitPriceMinor: prices.planMonthlyMinor[plan].toString(), amountMinor: prices.planMonthlyMinor[plan].toString() }];
  for (const metric of [...usage.keys()].sort()) {
    const price = prices.perThousandMinor[metric];
    const quantity = usage.get(metric)!;
    if (price === undefined || quantity <= 0n) continue;
    const thousands = (quantity + 999n) / 1000n;
    lines.push({ item: metric, quantity: quantity.toString(), unitPriceMinor: `${price.toString()}/1000`, amountMinor: (thousands * price).toString() });
  }
  return { lines, totalMinor: lines.reduce((s, l) => s + BigInt(l.amountMinor), 0n) };
}

export const InvoiceView = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  period: Type.String(),
  lines: Type.Array(Type.Object({ item: Type.String(), quantity: Type.String(), unitPriceMinor: Type.String(), amountMinor: Type.String() })),
  totalMinor: Type.String(),
  currency: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
});

const invoiceView = (i: Invoice): Static<typeof InvoiceView> => ({
  id: i.id,
  tenantId: i.tenantId,
  period: i.period.toISOString().slice(0, 7),
  lines: i.lines as unknown as InvoiceLine[],
  totalMinor: i.totalMinor.toString(),
  currency: i.currency,
  status: i.status,
  createdAt: iso(i.createdAt)!,
});

const CreateBody = Type.Object({ period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }) }, { additionalProperties: false });
const StatusBody = Type.Object({ status: Type.Union([Type.Literal('issued'), Type.Literal('paid'), Type.Literal('void')]) }, { additionalProperties: false });
const NEXT: Record<string, readonly string[]> = { draft: ['issued', 'void'], issued: ['paid', 'void'], paid: [], void: [] };

export const invoiceRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext; prices?: PriceList }> = async (app, { ctx, prices = DEFAULT_PRICES }) => {
  app.get('/v1/tenants/:tenantId/invoices', { schema: { tags: ['invoices'], params: TenantParams, response: { 200: Type.Object({ items: Type.Array(InvoiceView) }), ...ERRORS } } }, async (req) => {
    requireTenantRead(principalOf(req), req.params.tenantId);
    return { items: (await ctx.db.invoice.findMany({ where: { tenantId: req.params.tenantId }, orderBy: { period: 'desc' } })).map(invoiceView) };
  });

  app.post('/v1/tenants/:tenantId/invoices', { schema: { tags: ['invoices'], params: TenantParams, body: CreateBody, response: { 201: InvoiceView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requirePlatformAdmin(p);
    const tenant = await ctx.db.tenant.findUnique({ where: { id: req.params.tenantId } });
    if (tenant === null) throw notFound('tenant', req.params.tenantId);
    const start = new Date(`${req.body.period}-01T00:00:00Z`);
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    await ctx.usage.flush();
    const sums = await ctx.db.usageRecord.groupBy({ by: ['metric'], where: { tenantId: tenant.id, day: { gte: start, lt: end } }, _sum: { quantity: true } });
    const usage = new Map(sums.map((s) => [s.metric, s._sum.quantity ?? 0n] as const));
    const { lines, totalMinor } = computeInvoice(tenant.plan, usage, prices);
    const inv = await ctx.db.$transaction(async (tx) => {
      const existing = await tx.invoice.findUnique({ where: { tenantId_period: { tenantId: tenant.id, period: start } } });
      if (existing !== null && existing.status !== 'draft') throw new ApiError('INVALID_STATE', `the invoice for ${req.body.period} is ${existing.status}; only drafts are recomputed`);
      const data = { lines: lines as unknown as object[], totalMinor, currency: prices.currency };
      const inv = existing === null ? await tx.invoice.create({ data: { tenantId: tenant.id, period: start, ...data } }) : await tx.invoice.update({ where: { id: existing.id }, data });
      await audit(tx, p, { tenantId: tenant.id, action: 'invoice.compute', objectType: 'invoice', objectId: inv.id, details: { period: req.body.period, totalMinor: totalMinor.toString() } });
      return inv;
    });
    return reply.code(201).send(invoiceView(inv));
  });

  async function visible(req: Parameters<typeof principalOf>[0], id: string): Promise<Invoice> {
    const p = principalOf(req);
    const inv = await ctx.db.invoice.findUnique({ where: { id } });
    if (inv === null || (!readsEverything(p) && inv.tenantId !== p.tenantId)) throw notFound('invoice', id);
    return inv;
  }

  app.get('/v1/invoices/:id', { schema: { tags: ['invoices'], params: IdParams, response: { 200: InvoiceView, ...ERRORS } } }, async (req) => {
    const inv = await visible(req, req.params.id);
    requireTenantRead(principalOf(req), inv.tenantId);
    return invoiceView(inv);
  });

  app.post('/v1/invoices/:id/status', { schema: { tags: ['invoices'], params: IdParams, body: StatusBody, response: { 200: InvoiceView, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const inv = await visible(req, req.params.id);
    requirePlatformAdmin(p);
    if (!NEXT[inv.status]!.includes(req.body.status)) throw new ApiError('INVALID_STATE', `an invoice that is ${inv.status} cannot become ${req.body.status}`);
    return invoiceView(
      await ctx.db.$transaction(async (tx) => {
        const n = await tx.invoice.updateMany({ where: { id: inv.id, status: inv.status }, data: { status: req.body.status } });
        if (n.count !== 1) throw new ApiError('CONFLICT', 'the invoice changed meanwhile; retry');
        await audit(tx, p, { tenantId: inv.tenantId, action: `invoice.${req.body.status}`, objectType: 'invoice', objectId: inv.id });
        return tx.invoice.findUniqueOrThrow({ where: { id: inv.id } });
      }),
    );
  });
};
