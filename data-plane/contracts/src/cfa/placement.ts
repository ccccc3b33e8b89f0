/**
 * Primary placement. Investors file applications inside [placementStart, placementEnd); each
 * reserves quantity × placementPrice of the investor's money and counts towards its yearly
 * purchase limit. The issuer or an operator closes the placement at or after placementEnd (or
 * earlier once the pending applications request the whole volume); the close transaction
 * allocates, credits the units, debits the payments, pays the issuer (less the placement fee)
 * and releases the reservations, all at once.
 *
 * Allocation rule (`allocate`): if the pending applications request at most the volume, each
 * gets what it asked for. Otherwise (oversubscribed) application i gets
 * floor(requested_i × volume / total requested), and the units left over (fewer than the number
 * of applications) go one each to the applications in the order they were filed. Applications
 * of accounts frozen at close are excluded (nothing allocated, money released) before allocating.
 */
import type { ContractContext } from '@konsortium/ledger';
import { countPurchase, refundPurchase } from './controls.js';
import { chargeFee } from './fees.js';
import { creditUnits } from './holdings.js';
import { cfaKeys as K } from './keys.js';
import { type Application, CFA_LIMITS } from './model.js';
import { creditMoney, debitMoney, lockMoney, unlockMoney } from './money.js';
import { accountFreeze, getAsset, putAsset, requireIssuerOrOperator, requireNotFrozen, requireRegistered } from './state.js';
import { add, fail, invariant, mul, mulDivFloor, stampOf, sub, utcYear } from './util.js';

/** Units allocated to each request (in filing order) when `volume` units are placed; see the rule above. */
export function allocate(requests: readonly number[], volume: number): number[] {
  const total = requests.reduce((s, r) => s + r, 0);
  if (total <= volume) return [...requests];
  const out = requests.map((r) => mulDivFloor(r, volume, total));
  let left = volume - out.reduce((s, r) => s + r, 0);
  invariant(left >= 0 && left < Math.max(1, requests.length), 'pro-rata remainder is below the number of applications');
  for (let i = 0; left > 0 && i < out.length; i++) {
    if (out[i]! < requests[i]!) {
      out[i]! += 1;
      left -= 1;
    }
  }
  return out;
}

function getApplication(ctx: ContractContext, id: string): Application {
  const app = ctx.getJson<Application>(K.application(id));
  if (app === undefined) fail('APPLICATION_NOT_FOUND', `no application ${id}`);
  return app;
}

export function apply(ctx: ContractContext, a: { asset: string; quantity: number }): void {
  const asset = getAsset(ctx, a.asset);
  requireRegistered(asset);
  const d = asset.decision;
  if (asset.status !== 'registered' && asset.status !== 'placing') fail('INVALID_STATE', `the placement of ${a.asset} is over (${asset.status})`);
  if (ctx.timestamp < d.placementStart || ctx.timestamp >= d.placementEnd) {
    fail('OUTSIDE_WINDOW', `applications for ${a.asset} are accepted in [${d.placementStart}, ${d.placementEnd}), not at ${ctx.timestamp}`);
  }
  if (a.quantity > d.volume) fail('INVALID_ARGS', `quantity ${a.quantity} exceeds the volume ${d.volume}`);
  if (asset.applications >= CFA_LIMITS.maxApplications) fail('TOO_MANY_APPLICATIONS', `${a.asset} already has ${CFA_LIMITS.maxApplications} applications`);
  const investor = ctx.sender.memberId;
  requireNotFrozen(ctx, [investor], a.asset);
  const money = mul(a.quantity, d.placementPrice, 'quantity × placement price');
  const year = utcYear(ctx.timestamp);
  countPurchase(ctx, investor, year, money);
  lockMoney(ctx, investor, money);
  const id = `${a.asset}/${asset.applications}`;
  const app: Application = {
    id,
    asset: a.asset,
    investor,
    quantity: a.quantity,
    price: d.placementPrice,
    money,
    year,
    status: 'pending',
    allocated: 0,
    filed: stampOf(ctx),
    settled: null,
  };
  ctx.putJson(K.application(id), app);
  putAsset(ctx, { ...asset, status: 'placing', applications: asset.applications + 1, requested: add(asset.requested, a.quantity, 'units requested') });
}

export function withdrawApplication(ctx: ContractContext, a: { application: string }): void {
  const app = getApplication(ctx, a.application);
  if (app.investor !== ctx.sender.memberId) fail('WRONG_SIGNER', `application ${app.id} is ${app.investor}'s`);
  if (app.status !== 'pending') fail('INVALID_STATE', `application ${app.id} is ${app.status}`);
  const asset = getAsset(ctx, app.asset);
  if (ctx.timestamp >= asset.decision.placementEnd) fail('OUTSIDE_WINDOW', `the placement window of ${app.asset} has ended`);
  unlockMoney(ctx, app.investor, app.money);
  refundPurchase(ctx, app.investor, app.year, app.money);
  ctx.putJson(K.application(app.id), { ...app, status: 'withdrawn', settled: stampOf(ctx) } satisfies Application);
  putAsset(ctx, { ...asset, requested: sub(asset.requested, app.quantity) });
}

export function closePlacement(ctx: ContractContext, a: { asset: string }): void {
  const asset = getAsset(ctx, a.asset);
  requireIssuerOrOperator(ctx, asset);
  requireRegistered(asset);
  const d = asset.decision;
  if (asset.status !== 'registered' && asset.status !== 'placing') fail('INVALID_STATE', `the placement of ${a.asset} is already closed (${asset.status})`);
  if (ctx.timestamp < d.placementEnd && asset.requested < d.volume) {
    fail('OUTSIDE_WINDOW', `the placement of ${a.asset} runs until ${d.placementEnd} and is not fully subscribed`);
  }
  requireNotFrozen(ctx, [], a.asset);
  const pending: Application[] = [];
  const excluded: Application[] = [];
  for (let n = 0; n < asset.applications; n++) {
    const app = getApplication(ctx, `${a.asset}/${n}`);
    if (app.status !== 'pending') continue;
    (accountFreeze(ctx, app.investor) === undefined ? pending : excluded).push(app);
  }
  const settled = stampOf(ctx);
  for (const app of excluded) {
    unlockMoney(ctx, app.investor, app.money);
    refundPurchase(ctx, app.investor, app.year, app.money);
    ctx.putJson(K.application(app.id), { ...app, status: 'excluded', settled } satisfies Application);
  }
  const allocation = allocate(
    pending.map((p) => p.quantity),
    d.volume,
  );
  let issued = 0;
  let proceeds = 0;
  pending.forEach((app, i) => {
    const units = allocation[i]!;
    const paid = mul(units, app.price);
    unlockMoney(ctx, app.investor, app.money);
    const leg = { cause: 'placement', counterparty: asset.issuer, ref: app.id } as const;
    debitMoney(ctx, app.investor, paid, { ...leg, asset: a.asset });
    creditUnits(ctx, a.asset, app.investor, units, { ...leg, money: paid });
    refundPurchase(ctx, app.investor, app.year, sub(app.money, paid));
    ctx.putJson(K.application(app.id), { ...app, status: 'allocated', allocated: units, settled } satisfies Application);
    issued = add(issued, units);
    proceeds = add(proceeds, paid);
  });
  creditMoney(ctx, asset.issuer, proceeds, { cause: 'placement', asset: a.asset, counterparty: null, ref: a.asset });
  chargeFee(ctx, 'placement', asset.issuer, proceeds, { asset: a.asset, ref: a.asset, cap: proceeds });
  putAsset(ctx, {
    ...asset,
    status: issued > 0 ? 'placed' : 'closed',
    placementClosed: settled,
    closed: issued > 0 ? null : settled,
    requested: 0,
    issued,
    proceeds,
  });
}
