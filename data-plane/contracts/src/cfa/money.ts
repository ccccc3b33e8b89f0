/**
 * The settlement token (money leg): balances in minor units per account. Only an operator
 * mints (a deposit recorded from the bank side) and burns (a withdrawal). Every credit and debit
 * is logged with its cause (the account's `moves` counts the records of its log); a frozen
 * account's money never moves; no balance goes negative.
 */
import type { ContractContext, StateReader } from '@konsortium/ledger';
import type { FeeOperation } from '../governance/model.js';
import { cfaKeys as K, MOVE_CHUNK } from './keys.js';
import type { MoneyAccount, MoneyCause, MoneySupply } from './model.js';
import { logMoneyMove } from './movements.js';
import { requireAccount, requireNotFrozen } from './state.js';
import { add, fail, invariant, requireRole, sub } from './util.js';

export interface MoneyLeg {
  readonly cause: MoneyCause;
  readonly asset: string | null;
  readonly counterparty: string | null;
  readonly ref: string | null;
  readonly fee?: FeeOperation;
}

const EMPTY: MoneyAccount = { balance: 0, locked: 0, moves: 0, purchases: null, recent: [] };

export function moneyOf(state: StateReader, account: string): MoneyAccount {
  return state.getJson<MoneyAccount>(K.money(account)) ?? EMPTY;
}

/** Balance not reserved by applications or buy offers. */
export function availableMoney(state: StateReader, account: string): number {
  const m = moneyOf(state, account);
  return m.balance - m.locked;
}

/** Writes the account (absent only while it never moved money nor bought anything). */
export function saveMoney(ctx: ContractContext, account: string, m: MoneyAccount): void {
  invariant(m.balance >= 0 && m.locked >= 0 && m.locked <= m.balance, `money of ${account} stays consistent`);
  invariant(Number.isSafeInteger(m.moves) && m.moves >= 0 && m.recent.length === m.moves % MOVE_CHUNK, `money log of ${account} has a length and its open chunk`);
  if (m.balance === 0 && m.moves === 0 && m.purchases === null) ctx.delete(K.money(account));
  else ctx.putJson(K.money(account), { balance: m.balance, locked: m.locked, moves: m.moves, purchases: m.purchases, recent: m.recent } satisfies MoneyAccount);
}

/** Sets the new balance and logs the move as the account's next record. */
function move(ctx: ContractContext, account: string, m: MoneyAccount, balance: number, amount: number, entry: 'credit' | 'debit', leg: MoneyLeg): void {
  const record = { account, entry, amount, cause: leg.cause, asset: leg.asset, fee: leg.fee ?? null, counterparty: leg.counterparty, ref: leg.ref };
  saveMoney(ctx, account, { ...m, balance, moves: m.moves + 1, recent: logMoneyMove(ctx, m.moves, m.recent, record) });
}

export function creditMoney(ctx: ContractContext, account: string, amount: number, leg: MoneyLeg): void {
  if (amount === 0) return;
  requireNotFrozen(ctx, [account]);
  const m = moneyOf(ctx, account);
  move(ctx, account, m, add(m.balance, amount, `balance of ${account}`), amount, 'credit', leg);
}

/** Debits available money: INSUFFICIENT_FUNDS if the account lacks it. */
export function debitMoney(ctx: ContractContext, account: string, amount: number, leg: MoneyLeg): void {
  if (amount === 0) return;
  requireNotFrozen(ctx, [account]);
  const m = moneyOf(ctx, account);
  if (m.balance - m.locked < amount) fail('INSUFFICIENT_FUNDS', `${account} has ${m.balance - m.locked} available, needs ${amount}`);
  move(ctx, account, m, sub(m.balance, amount), amount, 'debit', leg);
}

/** Reserves available money (an application, a buy offer): INSUFFICIENT_FUNDS, FROZEN. */
export function lockMoney(ctx: ContractContext, account: string, amount: number): void {
  requireNotFrozen(ctx, [account]);
  const m = moneyOf(ctx, account);
  if (m.balance - m.locked < amount) fail('INSUFFICIENT_FUNDS', `${account} has ${m.balance - m.locked} available, needs ${amount}`);
  saveMoney(ctx, account, { ...m, locked: add(m.locked, amount) });
}

/** Releases a reservation (allowed while frozen: nothing moves). */
export function unlockMoney(ctx: ContractContext, account: string, amount: number): void {
  const m = moneyOf(ctx, account);
  saveMoney(ctx, account, { ...m, locked: sub(m.locked, amount, `locked money of ${account}`) });
}

function supply(state: StateReader): MoneySupply {
  return state.getJson<MoneySupply>(K.moneySupply) ?? { minted: 0, burned: 0 };
}

export function mint(ctx: ContractContext, a: { account: string; amount: number; ref: string }): void {
  requireRole(ctx, 'operator');
  requireAccount(ctx, a.account);
  const s = supply(ctx);
  ctx.putJson(K.moneySupply, { minted: add(s.minted, a.amount, 'money minted'), burned: s.burned } satisfies MoneySupply);
  creditMoney(ctx, a.account, a.amount, { cause: 'deposit', asset: null, counterparty: null, ref: a.ref });
}

export function burn(ctx: ContractContext, a: { account: string; amount: number; ref: string }): void {
  requireRole(ctx, 'operator');
  requireAccount(ctx, a.account);
  const s = supply(ctx);
  debitMoney(ctx, a.account, a.amount, { cause: 'withdrawal', asset: null, counterparty: null, ref: a.ref });
  ctx.putJson(K.moneySupply, { minted: s.minted, burned: add(s.burned, a.amount, 'money burned') } satisfies MoneySupply);
}
