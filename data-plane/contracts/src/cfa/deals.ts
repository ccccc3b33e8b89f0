/**
 * Secondary deals. A deal needs one signature per transaction, so it goes through offers:
 * offerSell locks the maker's units, offerBuy locks the maker's money; acceptOffer, signed by the
 * other party, performs delivery versus payment in that one transaction (units seller → buyer,
 * money buyer → seller, the trade fee seller → collector) or nothing at all. Offers may be
 * accepted in part. Gratuitous transfers (gift by the holder, inheritance by an operator) move
 * units with no money leg and are marked as such in the movement log.
 */
import type { ContractContext } from '@konsortium/ledger';
import { categoryOf, countPurchase, purchasesOf } from './controls.js';
import { chargeFee } from './fees.js';
import { creditUnits, debitUnits, lockUnits, unlockUnits } from './holdings.js';
import { cfaKeys as K } from './keys.js';
import { CFA_LIMITS, type Offer, type OfferBook } from './model.js';
import { creditMoney, debitMoney, lockMoney, unlockMoney } from './money.js';
import { getAsset, requireAccount, requireNotFrozen, requireRegistered, requireTradable, settingsOf } from './state.js';
import { fail, hasRole, mul, stampOf, sub, utcYear } from './util.js';

function bookOf(ctx: ContractContext, code: string): OfferBook {
  return ctx.getJson<OfferBook>(K.offers(code)) ?? { count: 0, open: [] };
}

function getOffer(ctx: ContractContext, id: string): Offer {
  const o = ctx.getJson<Offer>(K.offer(id));
  if (o === undefined) fail('OFFER_NOT_FOUND', `no offer ${id}`);
  return o;
}

/** Releases what an open offer locks. */
function release(ctx: ContractContext, o: Offer): void {
  if (o.side === 'sell') unlockUnits(ctx, o.asset, o.maker, o.remaining);
  else unlockMoney(ctx, o.maker, mul(o.remaining, o.price));
}

function closeOffer(ctx: ContractContext, o: Offer, status: Offer['status']): void {
  ctx.putJson(K.offer(o.id), { ...o, status, closed: stampOf(ctx) } satisfies Offer);
  const book = bookOf(ctx, o.asset);
  ctx.putJson(K.offers(o.asset), { count: book.count, open: book.open.filter((id) => id !== o.id) } satisfies OfferBook);
}

type OfferArgs = { asset: string; quantity: number; price: number; counterparty?: string };

function makeOffer(ctx: ContractContext, side: 'sell' | 'buy', a: OfferArgs): void {
  const asset = getAsset(ctx, a.asset);
  requireTradable(ctx, asset);
  const maker = ctx.sender.memberId;
  if (a.counterparty !== undefined) {
    if (a.counterparty === maker) fail('SELF_DEAL', 'an offer cannot name its maker as the counterparty');
    requireAccount(ctx, a.counterparty);
  }
  const book = bookOf(ctx, a.asset);
  if (book.open.length >= CFA_LIMITS.maxOpenOffers) fail('TOO_MANY_OFFERS', `${a.asset} already has ${CFA_LIMITS.maxOpenOffers} open offers`);
  requireNotFrozen(ctx, [maker], a.asset);
  const money = mul(a.quantity, a.price, 'quantity × price');
  if (side === 'sell') {
    lockUnits(ctx, a.asset, maker, a.quantity);
  } else {
    const year = utcYear(ctx.timestamp);
    const limit = settingsOf(ctx).nonQualifiedYearlyLimit;
    if (categoryOf(ctx, maker) === 'non-qualified' && purchasesOf(ctx, maker, year) + money > limit) {
      fail('OVER_LIMIT', `non-qualified investor ${maker} would exceed the yearly limit of ${limit}`);
    }
    lockMoney(ctx, maker, money);
  }
  const id = `${a.asset}/${book.count}`;
  const offer: Offer = {
    id,
    asset: a.asset,
    side,
    maker,
    counterparty: a.counterparty ?? null,
    price: a.price,
    quantity: a.quantity,
    remaining: a.quantity,
    status: 'open',
    created: stampOf(ctx),
    closed: null,
  };
  ctx.putJson(K.offer(id), offer);
  ctx.putJson(K.offers(a.asset), { count: book.count + 1, open: [...book.open, id] } satisfies OfferBook);
}

export function offerSell(ctx: ContractContext, a: OfferArgs): void {
  makeOffer(ctx, 'sell', a);
}

export function offerBuy(ctx: ContractContext, a: OfferArgs): void {
  makeOffer(ctx, 'buy', a);
}

export function acceptOffer(ctx: ContractContext, a: { offer: string; quantity?: number }): void {
  const o = getOffer(ctx, a.offer);
  if (o.status !== 'open') fail('INVALID_STATE', `offer ${o.id} is ${o.status}`);
  const taker = ctx.sender.memberId;
  if (taker === o.maker) fail('SELF_DEAL', `offer ${o.id} is the sender's own`);
  if (o.counterparty !== null && o.counterparty !== taker) fail('WRONG_SIGNER', `offer ${o.id} is addressed to ${o.counterparty}`);
  const q = a.quantity ?? o.remaining;
  if (q > o.remaining) fail('INVALID_ARGS', `offer ${o.id} has ${o.remaining} units left, not ${q}`);
  const asset = getAsset(ctx, o.asset);
  requireTradable(ctx, asset);
  requireNotFrozen(ctx, [o.maker, taker], o.asset);
  const money = mul(q, o.price, 'quantity × price');
  const [seller, buyer] = o.side === 'sell' ? [o.maker, taker] : [taker, o.maker];
  if (o.side === 'sell') unlockUnits(ctx, o.asset, seller, q);
  else unlockMoney(ctx, buyer, money);
  countPurchase(ctx, buyer, utcYear(ctx.timestamp), money);
  debitUnits(ctx, o.asset, seller, q, { cause: 'trade', money, counterparty: buyer, ref: o.id });
  creditUnits(ctx, o.asset, buyer, q, { cause: 'trade', money, counterparty: seller, ref: o.id });
  debitMoney(ctx, buyer, money, { cause: 'trade', asset: o.asset, counterparty: seller, ref: o.id });
  creditMoney(ctx, seller, money, { cause: 'trade', asset: o.asset, counterparty: buyer, ref: o.id });
  chargeFee(ctx, 'trade', seller, money, { asset: o.asset, ref: o.id, cap: money });
  const remaining = sub(o.remaining, q);
  if (remaining === 0) closeOffer(ctx, { ...o, remaining }, 'filled');
  else ctx.putJson(K.offer(o.id), { ...o, remaining } satisfies Offer);
}

/** The maker, or an operator (e.g. before an inheritance), cancels an open offer. */
export function cancelOffer(ctx: ContractContext, a: { offer: string }): void {
  const o = getOffer(ctx, a.offer);
  if (o.maker !== ctx.sender.memberId && !hasRole(ctx, 'operator')) fail('WRONG_SIGNER', `offer ${o.id} is ${o.maker}'s`);
  if (o.status !== 'open') fail('INVALID_STATE', `offer ${o.id} is ${o.status}`);
  release(ctx, o);
  closeOffer(ctx, o, 'cancelled');
}

/** Closes every open offer of an asset (redemption), releasing what they lock. */
export function expireOffers(ctx: ContractContext, code: string): void {
  for (const id of bookOf(ctx, code).open) {
    const o = getOffer(ctx, id);
    release(ctx, o);
    closeOffer(ctx, o, 'expired');
  }
}

export function gift(ctx: ContractContext, a: { asset: string; to: string; quantity: number; note?: string }): void {
  const asset = getAsset(ctx, a.asset);
  requireTradable(ctx, asset);
  const giver = ctx.sender.memberId;
  if (a.to === giver) fail('SELF_DEAL', 'a gift goes to someone else');
  requireAccount(ctx, a.to);
  requireNotFrozen(ctx, [giver, a.to], a.asset);
  const leg = { cause: 'gift', money: 0, ref: a.note ?? null } as const;
  debitUnits(ctx, a.asset, giver, a.quantity, { ...leg, counterparty: a.to });
  creditUnits(ctx, a.asset, a.to, a.quantity, { ...leg, counterparty: giver });
  chargeFee(ctx, 'gift', giver, mul(a.quantity, asset.decision.nominal), { asset: a.asset, ref: null });
}

/** An operator records a transfer by inheritance (allowed after maturity, until the asset is closed). */
export function inherit(ctx: ContractContext, a: { asset: string; from: string; to: string; quantity: number; basis: string }): void {
  if (!hasRole(ctx, 'operator')) fail('FORBIDDEN', `member ${ctx.sender.memberId} does not have the operator role`);
  const asset = getAsset(ctx, a.asset);
  requireRegistered(asset);
  if (asset.status !== 'placed' && asset.status !== 'redeemed') fail('INVALID_STATE', `asset ${a.asset} is ${asset.status}`);
  if (a.from === a.to) fail('SELF_DEAL', 'an inheritance goes to someone else');
  requireAccount(ctx, a.to);
  requireNotFrozen(ctx, [a.from, a.to], a.asset);
  const leg = { cause: 'inheritance', money: 0, ref: a.basis } as const;
  debitUnits(ctx, a.asset, a.from, a.quantity, { ...leg, counterparty: a.to });
  creditUnits(ctx, a.asset, a.to, a.quantity, { ...leg, counterparty: a.from });
  chargeFee(ctx, 'inheritance', a.to, mul(a.quantity, asset.decision.nominal), { asset: a.asset, ref: a.basis });
}
