/**
 * Controls: freezes (KYC/AML locks) on accounts and assets, investor categories and the yearly
 * purchase limit of non-qualified investors.
 *
 * Limit rule: every purchase (money of a placement application when it is filed, money of a
 * trade when it settles) is added to the buyer's counter for the UTC calendar year of the block
 * (the money account's `purchases`, which holds the latest year the account bought in: a new
 * year starts from 0); unallocated or withdrawn application money is taken off the counter if it
 * is still the year the application was counted in (an earlier year's counter limits nothing
 * any more). A non-qualified investor (the default category) is refused with OVER_LIMIT when its
 * counter would exceed cfa/settings.nonQualifiedYearlyLimit (default 600 000 roubles). Qualified
 * investors are counted but not limited.
 */
import type { ContractContext, StateReader } from '@konsortium/ledger';
import { cfaKeys as K } from './keys.js';
import type { CfaSettings, Freeze, InvestorCategory, InvestorProfile } from './model.js';
import { moneyOf, saveMoney } from './money.js';
import { getAsset, requireAccount, settingsOf } from './state.js';
import { add, fail, requireRole, stampOf, sub } from './util.js';

export function categoryOf(state: StateReader, account: string): InvestorCategory {
  return state.getJson<InvestorProfile>(K.investor(account))?.category ?? 'non-qualified';
}

export function purchasesOf(state: StateReader, account: string, year: number): number {
  const p = moneyOf(state, account).purchases;
  return p !== null && p.year === year ? p.spent : 0;
}

/** Counts a purchase of `money` by `account` in `year`: OVER_LIMIT for a non-qualified investor beyond the limit. */
export function countPurchase(ctx: ContractContext, account: string, year: number, money: number): void {
  const spent = add(purchasesOf(ctx, account, year), money, `purchases of ${account}`);
  if (categoryOf(ctx, account) === 'non-qualified') {
    const limit = settingsOf(ctx).nonQualifiedYearlyLimit;
    if (spent > limit) {
      fail('OVER_LIMIT', `non-qualified investor ${account} would buy ${spent} in ${year}, over the yearly limit of ${limit}`);
    }
  }
  saveMoney(ctx, account, { ...moneyOf(ctx, account), purchases: { year, spent } });
}

/** Takes back (part of) a purchase counted in `year` that did not happen (nothing to take back once that year's counter is gone). */
export function refundPurchase(ctx: ContractContext, account: string, year: number, money: number): void {
  const m = moneyOf(ctx, account);
  if (money === 0 || m.purchases === null || m.purchases.year !== year) return;
  saveMoney(ctx, account, { ...m, purchases: { year, spent: sub(m.purchases.spent, money, `purchases of ${account}`) } });
}

type Target = { account?: string; asset?: string };

function targetOf(a: Target): { kind: 'account' | 'asset'; id: string; key: string } {
  if ((a.account === undefined) === (a.asset === undefined)) fail('INVALID_ARGS', 'name exactly one of account and asset');
  return a.account !== undefined
    ? { kind: 'account', id: a.account, key: K.accountFreeze(a.account) }
    : { kind: 'asset', id: a.asset!, key: K.assetFreeze(a.asset!) };
}

export function freeze(ctx: ContractContext, a: Target & { reason: string }): void {
  requireRole(ctx, 'operator');
  const t = targetOf(a);
  if (t.kind === 'account') requireAccount(ctx, t.id);
  else getAsset(ctx, t.id);
  ctx.putJson(t.key, { target: t.kind, id: t.id, reason: a.reason, since: stampOf(ctx) } satisfies Freeze);
}

export function unfreeze(ctx: ContractContext, a: Target): void {
  requireRole(ctx, 'operator');
  const t = targetOf(a);
  if (ctx.get(t.key) === undefined) fail('INVALID_STATE', `${t.kind} ${t.id} is not frozen`);
  ctx.delete(t.key);
}

export function setInvestorCategory(ctx: ContractContext, a: { account: string; category: InvestorCategory }): void {
  requireRole(ctx, 'operator');
  requireAccount(ctx, a.account);
  ctx.putJson(K.investor(a.account), { account: a.account, category: a.category, set: stampOf(ctx) } satisfies InvestorProfile);
}

export function setLimits(ctx: ContractContext, a: { nonQualifiedYearlyLimit: number }): void {
  requireRole(ctx, 'operator');
  ctx.putJson(K.settings, { nonQualifiedYearlyLimit: a.nonQualifiedYearlyLimit } satisfies CfaSettings);
}
