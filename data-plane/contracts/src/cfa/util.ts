/** Small pure helpers of the cfa contract: coded errors, checked integer arithmetic, UTC years, roles. */
import { type ContractContext, ContractError } from '@konsortium/ledger';
import type { Stamp } from './model.js';

/** Every code the cfa contract rejects with (besides UNKNOWN_METHOD / INVALID_ARGS from the schema check). */
export const CFA_ERROR_CODES = [
  'INVALID_ARGS',
  'FORBIDDEN',
  'WRONG_SIGNER',
  'SELF_DEAL',
  'ACCOUNT_NOT_FOUND',
  'ASSET_EXISTS',
  'ASSET_NOT_FOUND',
  'APPLICATION_NOT_FOUND',
  'OFFER_NOT_FOUND',
  'NOT_REGISTERED',
  'INVALID_STATE',
  'OUTSIDE_WINDOW',
  'AFTER_MATURITY',
  'EARLY_REDEMPTION_NOT_ALLOWED',
  'FROZEN',
  'OVER_LIMIT',
  'INSUFFICIENT_FUNDS',
  'INSUFFICIENT_HOLDINGS',
  'AMOUNT_TOO_LARGE',
  'TOO_MANY_APPLICATIONS',
  'TOO_MANY_HOLDERS',
  'TOO_MANY_OFFERS',
] as const;
export type CfaErrorCode = (typeof CFA_ERROR_CODES)[number];

export function fail(code: CfaErrorCode, message: string): never {
  throw new ContractError(code, message);
}

/** A bug, never a user error: the transaction fails with CONTRACT_FAILED. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`cfa invariant violated: ${message}`);
}

const MAX = Number.MAX_SAFE_INTEGER;

/** a + b, or AMOUNT_TOO_LARGE if it is not a safe integer. */
export function add(a: number, b: number, what = 'amount'): number {
  const r = a + b;
  if (!Number.isSafeInteger(r)) fail('AMOUNT_TOO_LARGE', `${what} would exceed ${MAX}`);
  return r;
}

/** a − b for a ≥ b (callers check first; going negative is a bug). */
export function sub(a: number, b: number, what = 'amount'): number {
  const r = a - b;
  invariant(Number.isSafeInteger(r) && r >= 0, `${what} would go negative (${a} − ${b})`);
  return r;
}

/** a × b for non-negative safe integers, checked before multiplying: AMOUNT_TOO_LARGE. */
export function mul(a: number, b: number, what = 'amount'): number {
  if (a !== 0 && b > Math.floor(MAX / a)) fail('AMOUNT_TOO_LARGE', `${what} (${a} × ${b}) would exceed ${MAX}`);
  return a * b;
}

/** floor(a × b / c) exactly (BigInt), for non-negative safe integers and c > 0; the result is ≤ a × b / c. */
export function mulDivFloor(a: number, b: number, c: number): number {
  invariant(c > 0, 'divisor is positive');
  const r = (BigInt(a) * BigInt(b)) / BigInt(c);
  invariant(r <= BigInt(MAX), 'mulDivFloor result is a safe integer');
  return Number(r);
}

const DAY_MS = 86_400_000;

/** The proleptic Gregorian UTC year of a time in ms since the epoch (civil-from-days, H. Hinnant). */
export function utcYear(ms: number): number {
  const z = Math.floor(ms / DAY_MS) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (month <= 2 ? 1 : 0);
}

export function stampOf(ctx: ContractContext): Stamp {
  return { by: ctx.sender.memberId, height: ctx.height, timestamp: ctx.timestamp, txId: ctx.txId };
}

export function hasRole(ctx: ContractContext, role: string): boolean {
  return ctx.sender.roles.includes(role);
}

export function requireRole(ctx: ContractContext, role: string): void {
  if (!hasRole(ctx, role)) fail('FORBIDDEN', `member ${ctx.sender.memberId} does not have the ${role} role`);
}

/** A copy with `key` set to `value` (removed when 0), keys sorted: a canonical registry map. */
export function withEntry(map: Readonly<Record<string, number>>, key: string, value: number): Record<string, number> {
  invariant(Number.isSafeInteger(value) && value >= 0, `registry entry ${key} stays a non-negative integer`);
  const out: Record<string, number> = {};
  const keys = Object.keys(map).filter((k) => k !== key);
  if (value > 0) keys.push(key);
  keys.sort();
  for (const k of keys) out[k] = k === key ? value : map[k]!;
  return out;
}
