/**
 * The CFA screens' pure logic, with no React and no I/O so that the component tests can run it
 * in the browser as it is: parsing what a user types (whole units, money in roubles and
 * kopecks, local date-times), checking an issue decision the way the cfa contract will
 * (data-plane/contracts/src/cfa/issue.ts) so that a mistake is shown on its field before
 * anything is sent, the contract's commission rule (fees.ts) and allocation rule
 * (placement.ts) for previews, and small helpers the screens share.
 */
import type { CfaAsset, CfaFeeOperation, CfaFeeSchedule, CfaApplication } from '@konsortium/client';

/**
 * The settlement token is kept in kopecks (contracts/src/cfa/model.ts: "money is in minor units
 * (kopecks)"), so amounts are roubles in every language; only the formatting follows the locale.
 */
export const SETTLEMENT_CURRENCY = 'RUB';
export const MONEY_SCALE = 2;
const MAX = Number.MAX_SAFE_INTEGER;

/** A message id (under `cfa.`) and its values: what a field shows when its value is wrong. */
export interface Problem {
  readonly id: string;
  readonly values?: Readonly<Record<string, string | number>>;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = (id: string, values?: Record<string, string | number>): Parsed<never> => ({ ok: false, problem: values === undefined ? { id } : { id, values } });

/** Spaces of any kind (grouping in ru: NBSP, narrow NBSP) are ignored. */
function squeeze(s: string): string {
  return s.replace(/[\s\u00a0\u202f\u2009']/g, '');
}

/** Whole units ≥ `min` (default 1), a safe integer. */
export function parseUnits(input: string, min = 1): Parsed<number> {
  const s = squeeze(input);
  if (s === '') return no('cfa.v.required');
  if (!/^\d+$/.test(s)) return no('cfa.v.wholeUnits');
  const n = Number(s);
  if (!Number.isSafeInteger(n)) return no('cfa.v.tooLarge');
  if (n < min) return no('cfa.v.atLeast', { min });
  return ok(n);
}

/**
 * Money typed in roubles ("1 000,50", "1000.5") as kopecks; at most two decimals, either
 * separator, more than zero unless `allowZero`.
 */
export function parseMoney(input: string, o: { allowZero?: boolean } = {}): Parsed<number> {
  const s = squeeze(input);
  if (s === '') return no('cfa.v.required');
  const m = /^(\d+)(?:[.,](\d*))?$/.exec(s);
  if (m === null) return no('cfa.v.money');
  const frac = m[2] ?? '';
  if (frac.length > MONEY_SCALE) return no('cfa.v.moneyDecimals');
  const whole = BigInt(m[1]!);
  const minor = whole * 10n ** BigInt(MONEY_SCALE) + BigInt((frac + '0'.repeat(MONEY_SCALE)).slice(0, MONEY_SCALE) || '0');
  if (minor > BigInt(MAX)) return no('cfa.v.tooLarge');
  const n = Number(minor);
  if (n === 0 && o.allowZero !== true) return no('cfa.v.positive');
  return ok(n);
}

/** Kopecks as the plain decimal a money field takes back ("1000.50"). */
export function moneyInput(minor: number): string {
  const s = String(minor).padStart(MONEY_SCALE + 1, '0');
  return `${s.slice(0, -MONEY_SCALE)}.${s.slice(-MONEY_SCALE)}`;
}

/** The value of an `<input type="datetime-local">` ("2026-03-01T12:00" or with seconds), in local time. */
export function parseDateTime(input: string): Parsed<number> {
  const s = input.trim();
  if (s === '') return no('cfa.v.required');
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(s);
  if (m === null) return no('cfa.v.date');
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const t = new Date(y, mo - 1, d, h, mi, se).getTime();
  const back = new Date(t);
  if (Number.isNaN(t) || back.getFullYear() !== y || back.getMonth() !== mo - 1 || back.getDate() !== d) return no('cfa.v.date');
  return ok(t);
}

/** ms as the value of an `<input type="datetime-local" step="1">` in local time. */
export function dateTimeInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// ---------------------------------------------------------------------------------------------
// The issue decision

export const ASSET_CODE = /^[A-Z][A-Z0-9-]{1,31}$/;
/** A ledger account (a governance member id). */
export const ACCOUNT = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface IssueForm {
  name: string;
  code: string;
  volume: string;
  nominal: string;
  placementPrice: string;
  placementStart: string;
  placementEnd: string;
  maturityDate: string;
  redemptionPrice: string;
  early: boolean;
  earlyFrom: string;
  earlyPrice: string;
  earlyByIssuer: boolean;
  earlyByHolder: boolean;
  rights: string;
}

export type IssueField = Exclude<keyof IssueForm, 'early' | 'earlyByIssuer' | 'earlyByHolder'> | 'earlyWho';

/** The arguments of cfa.fileIssue (contracts/src/cfa/methods.ts). */
export interface FileIssueArgs {
  code: string;
  name: string;
  volume: number;
  nominal: number;
  placementPrice: number;
  placementStart: number;
  placementEnd: number;
  maturityDate: number;
  redemptionPrice: number;
  earlyRedemption?: { from: number; price: number; byIssuer: boolean; byHolder: boolean };
  rights: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A new form: placement from in ten minutes for two weeks, maturity in a year. */
export function emptyIssueForm(now: number): IssueForm {
  const start = Math.ceil((now + 10 * 60_000) / 60_000) * 60_000;
  return {
    name: '',
    code: '',
    volume: '',
    nominal: '',
    placementPrice: '',
    placementStart: dateTimeInput(start),
    placementEnd: dateTimeInput(start + 14 * DAY),
    maturityDate: dateTimeInput(start + 365 * DAY),
    redemptionPrice: '',
    early: false,
    earlyFrom: '',
    earlyPrice: '',
    earlyByIssuer: false,
    earlyByHolder: true,
    rights: '',
  };
}

export const ISSUE_STEPS = [
  { id: 'asset', fields: ['name', 'code', 'volume', 'nominal'] },
  { id: 'placement', fields: ['placementPrice', 'placementStart', 'placementEnd'] },
  { id: 'redemption', fields: ['maturityDate', 'redemptionPrice', 'earlyFrom', 'earlyPrice', 'earlyWho'] },
  { id: 'rights', fields: ['rights'] },
  { id: 'review', fields: [] },
] as const satisfies readonly { id: string; fields: readonly IssueField[] }[];

export type IssueStep = (typeof ISSUE_STEPS)[number]['id'];

export interface IssueCheck {
  readonly problems: Partial<Record<IssueField, Problem>>;
  /** The call's arguments when nothing is wrong. */
  readonly args: FileIssueArgs | null;
}

/** Whether a × b stays a safe integer (the contract refuses AMOUNT_TOO_LARGE otherwise). */
function safeProduct(a: number, b: number): boolean {
  return a === 0 || b <= Math.floor(MAX / a);
}

/**
 * Checks the whole form as the contract would at block time `now` (its own clock decides in
 * the end): the schema (code pattern, lengths, whole units, prices ≥ 1 kopeck), the window
 * (start < end, end in the future, end ≤ maturity), the early-redemption terms (from in
 * [placementEnd, maturity), someone may demand it) and amounts that stay safe integers.
 */
export function checkIssue(f: IssueForm, now: number): IssueCheck {
  const p: Partial<Record<IssueField, Problem>> = {};
  const name = f.name.trim();
  if (name === '') p.name = { id: 'cfa.v.required' };
  else if (name.length > 200) p.name = { id: 'cfa.v.tooLong', values: { max: 200 } };
  const code = f.code.trim();
  if (code === '') p.code = { id: 'cfa.v.required' };
  else if (!ASSET_CODE.test(code)) p.code = { id: 'cfa.v.code' };
  const take = <T>(field: IssueField, r: Parsed<T>): T | undefined => {
    if (r.ok) return r.value;
    p[field] = r.problem;
    return undefined;
  };
  const volume = take('volume', parseUnits(f.volume));
  const nominal = take('nominal', parseMoney(f.nominal));
  const placementPrice = take('placementPrice', parseMoney(f.placementPrice));
  const start = take('placementStart', parseDateTime(f.placementStart));
  const end = take('placementEnd', parseDateTime(f.placementEnd));
  const maturity = take('maturityDate', parseDateTime(f.maturityDate));
  const redemptionPrice = take('redemptionPrice', parseMoney(f.redemptionPrice));
  if (start !== undefined && end !== undefined && !(start < end)) p.placementEnd = { id: 'cfa.v.endAfterStart' };
  else if (end !== undefined && end <= now) p.placementEnd = { id: 'cfa.v.future' };
  if (end !== undefined && maturity !== undefined && p.placementEnd === undefined && !(end <= maturity)) p.maturityDate = { id: 'cfa.v.maturityAfterEnd' };
  let early: FileIssueArgs['earlyRedemption'];
  if (f.early) {
    const from = take('earlyFrom', parseDateTime(f.earlyFrom));
    const price = take('earlyPrice', parseMoney(f.earlyPrice));
    if (from !== undefined && end !== undefined && maturity !== undefined && (from < end || from >= maturity)) p.earlyFrom = { id: 'cfa.v.earlyWindow' };
    if (!f.earlyByIssuer && !f.earlyByHolder) p.earlyWho = { id: 'cfa.v.earlyWho' };
    if (from !== undefined && price !== undefined) early = { from, price, byIssuer: f.earlyByIssuer, byHolder: f.earlyByHolder };
  }
  if (volume !== undefined && p.volume === undefined) {
    const prices = [nominal, placementPrice, redemptionPrice, early?.price].filter((x): x is number => x !== undefined);
    if (prices.some((x) => !safeProduct(volume, x))) p.volume = { id: 'cfa.v.totalTooLarge' };
  }
  const rights = f.rights.trim();
  if (rights === '') p.rights = { id: 'cfa.v.required' };
  else if (rights.length > 4000) p.rights = { id: 'cfa.v.tooLong', values: { max: 4000 } };
  if (Object.keys(p).length > 0) return { problems: p, args: null };
  const args: FileIssueArgs = {
    code,
    name,
    volume: volume!,
    nominal: nominal!,
    placementPrice: placementPrice!,
    placementStart: start!,
    placementEnd: end!,
    maturityDate: maturity!,
    redemptionPrice: redemptionPrice!,
    rights,
  };
  if (early !== undefined) args.earlyRedemption = early;
  return { problems: {}, args };
}

/** The problems of one wizard step only (what "Next" checks). */
export function stepProblems(step: IssueStep, check: IssueCheck): Partial<Record<IssueField, Problem>> {
  const fields = ISSUE_STEPS.find((s) => s.id === step)!.fields as readonly IssueField[];
  const out: Partial<Record<IssueField, Problem>> = {};
  for (const f of fields) if (check.problems[f] !== undefined) out[f] = check.problems[f];
  return out;
}

// ---------------------------------------------------------------------------------------------
// The contract's arithmetic, for previews

/**
 * The commission of an operation on `base` kopecks (contracts/src/cfa/fees.ts): fixed +
 * floor(base × bps / 10 000), nothing without a collector or a rule, at most `cap` where the fee
 * is deducted from proceeds.
 */
export function feeFor(schedule: CfaFeeSchedule | null | undefined, op: CfaFeeOperation, base: number, cap?: number): number {
  const rule = schedule?.rules[op];
  if (schedule === null || schedule === undefined || schedule.collector === null || rule === undefined) return 0;
  const fee = rule.fixed + Number((BigInt(base) * BigInt(rule.bps)) / 10_000n);
  return cap === undefined ? fee : Math.min(fee, cap);
}

/**
 * Units allocated to each request (in filing order) when `volume` are placed
 * (contracts/src/cfa/placement.ts): all asked for when it fits, else pro rata rounded down and
 * the units left over one each to the earliest applications that are still short.
 */
export function allocate(requests: readonly number[], volume: number): number[] {
  const total = requests.reduce((s, r) => s + r, 0);
  if (total <= volume) return [...requests];
  const out = requests.map((r) => Number((BigInt(r) * BigInt(volume)) / BigInt(total)));
  let left = volume - out.reduce((s, r) => s + r, 0);
  for (let i = 0; left > 0 && i < out.length; i++) {
    if (out[i]! < requests[i]!) {
      out[i]! += 1;
      left -= 1;
    }
  }
  return out;
}

export interface AllocationRow {
  readonly id: string;
  readonly investor: string;
  readonly status: CfaApplication['status'];
  readonly requested: number;
  /** Allocated (settled) or what closing now would allocate (pending). */
  readonly allocated: number;
  readonly paid: number;
  /** Reserved money that comes (or came) back: the unallocated part, or all of it. */
  readonly refund: number;
  /** true: a preview of closing now, not yet on chain. */
  readonly preview: boolean;
}

/** The allocation table of a placement: settled applications as they are, pending ones as closing now would allocate them. */
export function allocationRows(apps: readonly CfaApplication[], volume: number): AllocationRow[] {
  const pending = apps.filter((a) => a.status === 'pending');
  const preview = allocate(
    pending.map((a) => a.quantity),
    volume,
  );
  return apps.map((a) => {
    if (a.status === 'pending') {
      const units = preview[pending.indexOf(a)]!;
      return { id: a.id, investor: a.investor, status: a.status, requested: a.quantity, allocated: units, paid: units * a.price, refund: a.money - units * a.price, preview: true };
    }
    const paid = a.allocated * a.price;
    return { id: a.id, investor: a.investor, status: a.status, requested: a.quantity, allocated: a.allocated, paid, refund: a.money - paid, preview: false };
  });
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

export function assetTone(status: CfaAsset['status']): Tone {
  switch (status) {
    case 'placed':
    case 'registered':
    case 'placing':
      return 'ok';
    case 'filed':
      return 'warn';
    case 'rejected':
      return 'bad';
    default:
      return 'neutral';
  }
}

/** The projection's phases on the happy path; REJECTED ends it anywhere. */
export const PHASES = ['CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED'] as const;

export function isFinalPhase(phase: string): boolean {
  return phase === 'SETTLED' || phase === 'REJECTED';
}

/** How far along the happy path an operation is, 0..1 (REJECTED: 1, it is over). */
export function phaseProgress(phase: string): number {
  if (phase === 'REJECTED') return 1;
  const i = (PHASES as readonly string[]).indexOf(phase);
  return i < 0 ? 0 : i / (PHASES.length - 1);
}

/** Where an asset's primary placement stands at `now`. */
export function placementWindow(a: CfaAsset, now: number): 'upcoming' | 'open' | 'ended' | 'closed' {
  if (a.status !== 'registered' && a.status !== 'placing') return a.status === 'filed' ? 'upcoming' : 'closed';
  if (now < a.decision.placementStart) return 'upcoming';
  return now < a.decision.placementEnd ? 'open' : 'ended';
}

/** Whether the issuer may close the placement at `now` (after the window, or once fully subscribed). */
export function canClosePlacement(a: CfaAsset, now: number): boolean {
  return (a.status === 'registered' || a.status === 'placing') && (now >= a.decision.placementEnd || a.requested >= a.decision.volume);
}

/** Whether units of the asset can be offered, accepted or given at `now` (placed and not matured). */
export function isTradable(a: CfaAsset, now: number): boolean {
  return a.status === 'placed' && now < a.decision.maturityDate;
}

/** Whether `who` ('holder' or 'issuer') may redeem early at `now` under the asset's terms. */
export function earlyRedemptionOpen(a: CfaAsset, now: number, who: 'holder' | 'issuer'): boolean {
  const t = a.decision.earlyRedemption;
  if (t === null || a.status !== 'placed') return false;
  if (!(who === 'holder' ? t.byHolder : t.byIssuer)) return false;
  return now >= t.from && now < a.decision.maturityDate;
}

/** The sum of money an operation moves, checked: null when it would not be a safe integer. */
export function product(a: number, b: number): number | null {
  return safeProduct(a, b) ? a * b : null;
}

/** Percentage of `part` in `whole` as a 0..1 fraction (0 for an empty whole). */
export function share(part: number, whole: number): number {
  return whole <= 0 ? 0 : part / whole;
}
