/**
 * Redemption (погашение). At or after maturity the issuer (or an operator) redeems: every
 * holder's units are debited and redemptionPrice × units is paid from the issuer's money, all in
 * one transaction (INSUFFICIENT_FUNDS if the issuer lacks the total plus the fee: nothing
 * happens). Open offers on the asset expire. Holders frozen at that moment are skipped: their
 * units stay outstanding (status `redeemed`) and a later redeem, after the unfreeze, pays them;
 * once nothing is outstanding the asset is `closed`.
 *
 * Early redemption follows the decision's terms: from `earlyRedemption.from` until maturity, at
 * `earlyRedemption.price`, of part or all of one holder's free units, demanded by the holder
 * (if `byHolder`) or done by the issuer or an operator (if `byIssuer`).
 */
import type { ContractContext } from '@konsortium/ledger';
import { expireOffers } from './deals.js';
import { chargeFee } from './fees.js';
import { debitUnits, ownersOf } from './holdings.js';
import type { CfaAsset } from './model.js';
import { availableMoney, creditMoney, debitMoney } from './money.js';
import { accountFreeze, getAsset, putAsset, requireIssuerOrOperator, requireNotFrozen, requireRegistered } from './state.js';
import { add, fail, hasRole, mul, stampOf, sub } from './util.js';

function afterRedeeming(ctx: ContractContext, asset: CfaAsset, units: number, atMaturity: boolean): void {
  const redeemed = add(asset.redeemed, units);
  const outstanding = sub(asset.issued, redeemed);
  if (outstanding === 0) expireOffers(ctx, asset.code);
  const status = outstanding === 0 ? 'closed' : atMaturity ? 'redeemed' : asset.status;
  putAsset(ctx, { ...asset, redeemed, status, closed: outstanding === 0 ? stampOf(ctx) : null });
}

export function redeem(ctx: ContractContext, a: { asset: string }): void {
  const asset = getAsset(ctx, a.asset);
  requireIssuerOrOperator(ctx, asset);
  requireRegistered(asset);
  if (asset.status !== 'placed' && asset.status !== 'redeemed') fail('INVALID_STATE', `asset ${a.asset} is ${asset.status}`);
  const d = asset.decision;
  if (ctx.timestamp < d.maturityDate) fail('OUTSIDE_WINDOW', `asset ${a.asset} matures at ${d.maturityDate}`);
  requireNotFrozen(ctx, [asset.issuer], a.asset);
  expireOffers(ctx, a.asset);
  const payments: { holder: string; units: number; money: number }[] = [];
  let total = 0;
  for (const [holder, units] of Object.entries(ownersOf(ctx, a.asset))) {
    if (accountFreeze(ctx, holder) !== undefined) continue;
    const money = mul(units, d.redemptionPrice, 'units × redemption price');
    payments.push({ holder, units, money });
    total = add(total, money, 'redemption total');
  }
  const available = availableMoney(ctx, asset.issuer);
  if (available < total) fail('INSUFFICIENT_FUNDS', `issuer ${asset.issuer} has ${available} available, the redemption of ${a.asset} needs ${total}`);
  let units = 0;
  for (const p of payments) {
    const leg = { cause: 'redemption', ref: a.asset } as const;
    debitUnits(ctx, a.asset, p.holder, p.units, { ...leg, money: p.money, counterparty: asset.issuer });
    debitMoney(ctx, asset.issuer, p.money, { ...leg, asset: a.asset, counterparty: p.holder });
    creditMoney(ctx, p.holder, p.money, { ...leg, asset: a.asset, counterparty: asset.issuer });
    units = add(units, p.units);
  }
  chargeFee(ctx, 'redemption', asset.issuer, total, { asset: a.asset, ref: a.asset });
  afterRedeeming(ctx, asset, units, true);
}

export function redeemEarly(ctx: ContractContext, a: { asset: string; holder?: string; quantity: number }): void {
  const asset = getAsset(ctx, a.asset);
  requireRegistered(asset);
  const sender = ctx.sender.memberId;
  const holder = a.holder ?? sender;
  const isHolder = sender === holder;
  const isIssuerSide = sender === asset.issuer || hasRole(ctx, 'operator');
  if (!isHolder && !isIssuerSide) fail('FORBIDDEN', `only ${holder}, the issuer or an operator may redeem ${holder}'s units`);
  const terms = asset.decision.earlyRedemption;
  if (terms === null || !((isHolder && terms.byHolder) || (isIssuerSide && terms.byIssuer))) {
    fail('EARLY_REDEMPTION_NOT_ALLOWED', `the terms of ${a.asset} do not allow this early redemption`);
  }
  if (ctx.timestamp >= asset.decision.maturityDate) fail('AFTER_MATURITY', `asset ${a.asset} matured at ${asset.decision.maturityDate}`);
  if (ctx.timestamp < terms.from) fail('OUTSIDE_WINDOW', `early redemption of ${a.asset} is possible from ${terms.from}`);
  if (asset.status !== 'placed') fail('INVALID_STATE', `asset ${a.asset} is ${asset.status}`);
  requireNotFrozen(ctx, [holder, asset.issuer], a.asset);
  const money = mul(a.quantity, terms.price, 'quantity × early redemption price');
  const leg = { cause: 'early-redemption', ref: a.asset } as const;
  debitUnits(ctx, a.asset, holder, a.quantity, { ...leg, money, counterparty: asset.issuer });
  debitMoney(ctx, asset.issuer, money, { ...leg, asset: a.asset, counterparty: holder });
  creditMoney(ctx, holder, money, { ...leg, asset: a.asset, counterparty: asset.issuer });
  chargeFee(ctx, 'early-redemption', asset.issuer, money, { asset: a.asset, ref: a.asset });
  afterRedeeming(ctx, asset, a.quantity, false);
}
