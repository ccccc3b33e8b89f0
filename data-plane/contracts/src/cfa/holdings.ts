/**
 * Units of the assets: the owners registry per asset and the holdings per account, kept in step
 * (both only list non-zero entries), the units each holding has locked in open sell offers, and
 * the movement log. A frozen account's or asset's units never move; nothing goes negative.
 */
import type { ContractContext, StateReader } from '@konsortium/ledger';
import { cfaKeys as K, OWNER_BUCKETS } from './keys.js';
import { type AssetCause, CFA_LIMITS, type Holdings, type Owners } from './model.js';
import { logAssetMove } from './movements.js';
import { requireNotFrozen } from './state.js';
import { add, fail, invariant, sub, withEntry } from './util.js';

export interface UnitLeg {
  readonly cause: AssetCause;
  /** The money leg of the deal (0 if none). */
  readonly money: number;
  readonly counterparty: string | null;
  readonly ref: string | null;
}

/** Every owner of the asset (all buckets merged), sorted by account: the order redemption pays in. */
export function ownersOf(state: StateReader, code: string): Owners {
  const all: [string, number][] = [];
  for (let b = 0; b < OWNER_BUCKETS; b++) all.push(...Object.entries(state.getJson<Owners>(K.ownerBucket(code, b)) ?? {}));
  all.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return Object.fromEntries(all);
}

/** How many accounts own units of the asset. */
export function holderCount(state: StateReader, code: string): number {
  let n = 0;
  for (let b = 0; b < OWNER_BUCKETS; b++) n += Object.keys(state.getJson<Owners>(K.ownerBucket(code, b)) ?? {}).length;
  return n;
}

/** The account's units of the asset, from its owners bucket. */
function ownedUnits(state: StateReader, code: string, account: string): number {
  return state.getJson<Owners>(K.ownersOf(code, account))?.[account] ?? 0;
}

const NO_HOLDINGS: Holdings = { units: {}, locked: {} };

export function holdingsOf(state: StateReader, account: string): Holdings {
  return state.getJson<Holdings>(K.holdings(account)) ?? NO_HOLDINGS;
}

export function unitsOf(state: StateReader, account: string, code: string): number {
  return holdingsOf(state, account).units[code] ?? 0;
}

/** Units owned and not locked in sell offers. */
export function freeUnits(state: StateReader, account: string, code: string): number {
  const h = holdingsOf(state, account);
  return (h.units[code] ?? 0) - (h.locked[code] ?? 0);
}

function saveHoldings(ctx: ContractContext, account: string, h: Holdings): void {
  for (const [code, n] of Object.entries(h.locked)) invariant(n <= (h.units[code] ?? 0), `${account} locks no more units of ${code} than it owns`);
  if (Object.keys(h.units).length === 0) ctx.delete(K.holdings(account));
  else ctx.putJson(K.holdings(account), { units: h.units, locked: h.locked } satisfies Holdings);
}

function setUnits(ctx: ContractContext, code: string, account: string, units: number): void {
  const bucket = K.ownersOf(code, account);
  const owners = withEntry(ctx.getJson<Owners>(bucket) ?? {}, account, units);
  if (Object.keys(owners).length === 0) ctx.delete(bucket);
  else ctx.putJson(bucket, owners);
  const h = holdingsOf(ctx, account);
  saveHoldings(ctx, account, { ...h, units: withEntry(h.units, code, units) });
}

export function creditUnits(ctx: ContractContext, code: string, account: string, quantity: number, leg: UnitLeg): void {
  if (quantity === 0) return;
  requireNotFrozen(ctx, [account], code);
  const had = ownedUnits(ctx, code, account);
  // Counting the holders reads every bucket: done only when a new holder appears.
  if (had === 0 && holderCount(ctx, code) >= CFA_LIMITS.maxHolders) {
    fail('TOO_MANY_HOLDERS', `asset ${code} already has ${CFA_LIMITS.maxHolders} owners`);
  }
  setUnits(ctx, code, account, add(had, quantity, `units of ${code}`));
  logAssetMove(ctx, { asset: code, entry: 'credit', account, quantity, ...leg });
}

/** Debits units not locked in offers: INSUFFICIENT_HOLDINGS if the account lacks them. */
export function debitUnits(ctx: ContractContext, code: string, account: string, quantity: number, leg: UnitLeg): void {
  if (quantity === 0) return;
  requireNotFrozen(ctx, [account], code);
  const free = freeUnits(ctx, account, code);
  if (free < quantity) fail('INSUFFICIENT_HOLDINGS', `${account} has ${free} free units of ${code}, needs ${quantity}`);
  setUnits(ctx, code, account, sub(unitsOf(ctx, account, code), quantity));
  logAssetMove(ctx, { asset: code, entry: 'debit', account, quantity, ...leg });
}

/** Locks free units for a sell offer: FROZEN, INSUFFICIENT_HOLDINGS. */
export function lockUnits(ctx: ContractContext, code: string, account: string, quantity: number): void {
  requireNotFrozen(ctx, [account], code);
  const free = freeUnits(ctx, account, code);
  if (free < quantity) fail('INSUFFICIENT_HOLDINGS', `${account} has ${free} free units of ${code}, needs ${quantity}`);
  const h = holdingsOf(ctx, account);
  saveHoldings(ctx, account, { ...h, locked: withEntry(h.locked, code, add(h.locked[code] ?? 0, quantity)) });
}

/** Releases locked units (allowed while frozen: nothing moves). */
export function unlockUnits(ctx: ContractContext, code: string, account: string, quantity: number): void {
  const h = holdingsOf(ctx, account);
  saveHoldings(ctx, account, { ...h, locked: withEntry(h.locked, code, sub(h.locked[code] ?? 0, quantity, `locked units of ${code}`)) });
}
