/**
 * The CFA (digital financial assets, ЦФА) registries as a node serves them, read through
 * `KonsortiumClient.channelRead` and checked at the boundary: each answer is one state key of the
 * cfa contract with its proof at a height, and the value returned here is decoded from the
 * proven bytes (not from the node's convenience `json`), then checked against the contract's
 * shape — a field of the wrong type is a KonsortiumResponseError here, not an `undefined` in a
 * screen. The proof stays attached (`proof`), so a caller can verify it offline
 * (`verifyCfaEntry`) or read the key again with `getVerifiedState`.
 *
 *   const owners = await readCfaOwners(client, 'consortium', 'BOND1');        // at the head
 *   const then = await readCfaOwners(client, 'consortium', 'BOND1', { height: 120 });
 *   const moves = await readCfaMoves(client, 'consortium', 'BOND1', { from: 0, limit: 50 });
 *
 * Units are whole units, money is in minor units (kopecks), times are ms since the epoch (block
 * time); the types mirror data-plane/contracts/src/cfa/model.ts, which the SDK may not import.
 */
import {
  CFA_APPLICATION_STATUSES,
  CFA_ASSET_CAUSES,
  CFA_ASSET_STATUSES,
  CFA_FEE_OPERATIONS,
  CFA_MONEY_CAUSES,
  CFA_MOVE_CHUNK,
  CFA_OFFER_STATUSES,
  type StateProofJson,
} from '@konsortium/protocol';
import type { CallOptions } from './client.js';
import { bad, bool, logRecords, nstr, obj, oneOf, str, uint } from './cfa-json.js';

/**
 * The cfa contract's state layout, defined once in the protocol (data-plane/protocol/src/state/cfa.ts):
 * CFA_MOVE_CHUNK records per key of a movement log, CFA_OWNER_BUCKETS buckets per owners
 * registry, and where each record is (`cfaStateKeys`; `gov/fees` is governance's).
 */
export { cfaKeys as cfaStateKeys, CFA_OWNER_BUCKETS } from '@konsortium/protocol';
export { CFA_APPLICATION_STATUSES, CFA_ASSET_CAUSES, CFA_ASSET_STATUSES, CFA_FEE_OPERATIONS, CFA_MONEY_CAUSES, CFA_MOVE_CHUNK, CFA_OFFER_STATUSES };
export type CfaAssetStatus = (typeof CFA_ASSET_STATUSES)[number];
export type CfaAssetCause = (typeof CFA_ASSET_CAUSES)[number];
export type CfaMoneyCause = (typeof CFA_MONEY_CAUSES)[number];
export type CfaFeeOperation = (typeof CFA_FEE_OPERATIONS)[number];
export type CfaApplicationStatus = (typeof CFA_APPLICATION_STATUSES)[number];
export type CfaOfferStatus = (typeof CFA_OFFER_STATUSES)[number];

/** Who did something, when and in which transaction. */
export interface CfaStamp {
  readonly by: string;
  readonly height: number;
  readonly timestamp: number;
  readonly txId: string;
}

export interface CfaEarlyRedemption {
  readonly from: number;
  readonly price: number;
  readonly byIssuer: boolean;
  readonly byHolder: boolean;
}

/** The issue decision (решение о выпуске), as filed. */
export interface CfaIssueDecision {
  readonly code: string;
  readonly name: string;
  readonly volume: number;
  readonly nominal: number;
  readonly placementPrice: number;
  readonly placementStart: number;
  readonly placementEnd: number;
  readonly maturityDate: number;
  readonly redemptionPrice: number;
  readonly earlyRedemption: CfaEarlyRedemption | null;
  readonly rights: string;
}

export interface CfaAsset {
  readonly code: string;
  readonly issuer: string;
  readonly decision: CfaIssueDecision;
  readonly status: CfaAssetStatus;
  readonly filed: CfaStamp;
  readonly registered: CfaStamp | null;
  readonly rejected: (CfaStamp & { readonly reason: string }) | null;
  readonly placementClosed: CfaStamp | null;
  readonly closed: CfaStamp | null;
  readonly applications: number;
  readonly requested: number;
  readonly issued: number;
  readonly redeemed: number;
  readonly proceeds: number;
}

/** An account's holdings (cfa/holdings/<account>): units per asset code, and the part locked in its open sell offers. */
export interface CfaHoldings {
  readonly units: CfaUnits;
  readonly locked: CfaUnits;
}

/** account → units (owners of an asset), or code → units (holdings of an account). */
export type CfaUnits = Readonly<Record<string, number>>;

export interface CfaMoneyAccount {
  /** Owned, locked part included. */
  readonly balance: number;
  /** Reserved for placement applications and buy offers. */
  readonly locked: number;
  /** Records in the account's money log. */
  readonly moves: number;
  /** The log's open chunk: its last `moves` mod CFA_MOVE_CHUNK records (the full chunks have keys of their own). */
  readonly recent: readonly CfaMoneyMove[];
  /** Money spent on CFA purchases in the latest UTC year the account bought in (the non-qualified limit counts it); null before the first purchase. */
  readonly purchases: { readonly year: number; readonly spent: number } | null;
}

/** An account that never moved money. */
export const CFA_EMPTY_MONEY: CfaMoneyAccount = Object.freeze({ balance: 0, locked: 0, moves: 0, purchases: null, recent: [] });

export interface CfaMoneySupply {
  readonly minted: number;
  readonly burned: number;
}

export interface CfaAssetMove {
  readonly seq: number;
  readonly asset: string;
  readonly entry: 'credit' | 'debit';
  readonly account: string;
  readonly quantity: number;
  readonly cause: CfaAssetCause;
  /** The money leg of the deal (0 for gifts and inheritance). */
  readonly money: number;
  readonly counterparty: string | null;
  readonly ref: string | null;
  readonly txId: string;
  readonly height: number;
  readonly timestamp: number;
}

export interface CfaMoneyMove {
  readonly seq: number;
  readonly account: string;
  readonly entry: 'credit' | 'debit';
  readonly amount: number;
  readonly cause: CfaMoneyCause;
  readonly asset: string | null;
  readonly fee: CfaFeeOperation | null;
  readonly counterparty: string | null;
  readonly ref: string | null;
  readonly txId: string;
  readonly height: number;
  readonly timestamp: number;
}

export interface CfaApplication {
  readonly id: string;
  readonly asset: string;
  readonly investor: string;
  readonly quantity: number;
  readonly price: number;
  readonly money: number;
  readonly year: number;
  readonly status: CfaApplicationStatus;
  readonly allocated: number;
  readonly filed: CfaStamp;
  readonly settled: CfaStamp | null;
}

export interface CfaOffer {
  readonly id: string;
  readonly asset: string;
  readonly side: 'sell' | 'buy';
  readonly maker: string;
  readonly counterparty: string | null;
  readonly price: number;
  readonly quantity: number;
  readonly remaining: number;
  readonly status: CfaOfferStatus;
  readonly created: CfaStamp;
  readonly closed: CfaStamp | null;
}

export interface CfaOfferBook {
  readonly count: number;
  readonly open: readonly string[];
}

export interface CfaFeeRule {
  readonly fixed: number;
  readonly bps: number;
}

export interface CfaFeeSchedule {
  /** Null: no fees are charged. */
  readonly collector: string | null;
  readonly rules: { readonly [op in CfaFeeOperation]?: CfaFeeRule };
}

export interface CfaFeeTotals {
  readonly total: number;
  readonly byOperation: { readonly [op in CfaFeeOperation]?: number };
}

/** One registry entry: the checked value at `height`, and the proof it came with. */
export interface CfaEntry<T> {
  readonly key: string;
  readonly height: number;
  /** false: the key is absent at that height (`value` is then the registry's empty value). */
  readonly present: boolean;
  readonly value: T;
  readonly proof: StateProofJson;
}

/** An asset's owners registry at one height: every bucket as a proven entry, and their union. */
export interface CfaOwners {
  readonly height: number;
  /** account → units, every bucket merged, sorted by account. */
  readonly value: CfaUnits;
  /** cfa/owners/<code>/<b> for b = 0..CFA_OWNER_BUCKETS−1, each with its proof. */
  readonly buckets: readonly CfaEntry<CfaUnits>[];
}

/** One record of a movement log, and which of the page's proven entries it was read from. */
export interface CfaLogRecord<T> {
  readonly seq: number;
  readonly value: T;
  /** Index into the page's `chunks`; −1: the log's open chunk, in `log` (an account's money record). */
  readonly chunk: number;
}

/**
 * A page of a movement log: its length (`count`, proven by `log`: the asset log's counter, or the
 * money account whose `moves` counts its log and whose `recent` is its open chunk) and records
 * from..from+limit−1, read from the proven chunks (CFA_MOVE_CHUNK records per key) that hold them
 * and, for a money log, from the account's open chunk.
 */
export interface CfaPage<T> {
  readonly count: number;
  readonly height: number;
  readonly log: StateProofJson;
  readonly items: readonly CfaLogRecord<T>[];
  readonly chunks: readonly CfaEntry<readonly T[]>[];
}

export interface CfaReadOptions extends CallOptions {
  /** Read right after this block (default: the head). */
  readonly height?: number;
}

export interface CfaPageOptions extends CfaReadOptions {
  /** First record (default 0). */
  readonly from?: number;
  /** Records per page, 1..100 (default 20). */
  readonly limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Shape checks

function stamp(v: unknown, what: string): CfaStamp {
  const o = obj(v, what);
  return { by: str(o, 'by', what), height: uint(o, 'height', what), timestamp: uint(o, 'timestamp', what), txId: str(o, 'txId', what) };
}

function nstamp(v: unknown, what: string): CfaStamp | null {
  return v === null ? null : stamp(v, what);
}

const ENTRIES = ['credit', 'debit'] as const;
const SIDES = ['sell', 'buy'] as const;

export function checkCfaUnits(v: unknown, what = 'units'): CfaUnits {
  const o = obj(v, what);
  const out: Record<string, number> = {};
  for (const k of Object.keys(o)) out[k] = uint(o, k, what);
  return out;
}

export function checkCfaHoldings(v: unknown, what = 'holdings'): CfaHoldings {
  const o = obj(v, what);
  const h = { units: checkCfaUnits(o['units'], `${what}.units`), locked: checkCfaUnits(o['locked'], `${what}.locked`) };
  for (const [code, n] of Object.entries(h.locked)) if (n > (h.units[code] ?? 0)) bad(what, `${n} units of ${code} locked, ${h.units[code] ?? 0} owned`);
  return h;
}

export function checkCfaAssetCodes(v: unknown, what = 'cfa/assets'): string[] {
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) bad(what, 'not an array of strings');
  return v as string[];
}

export function checkCfaAsset(v: unknown, what = 'asset'): CfaAsset {
  const o = obj(v, what);
  const d = obj(o['decision'], `${what}.decision`);
  const dw = `${what}.decision`;
  let early: CfaEarlyRedemption | null = null;
  if (d['earlyRedemption'] !== null) {
    const e = obj(d['earlyRedemption'], `${dw}.earlyRedemption`);
    const ew = `${dw}.earlyRedemption`;
    early = { from: uint(e, 'from', ew), price: uint(e, 'price', ew), byIssuer: bool(e, 'byIssuer', ew), byHolder: bool(e, 'byHolder', ew) };
  }
  const decision: CfaIssueDecision = {
    code: str(d, 'code', dw),
    name: str(d, 'name', dw),
    volume: uint(d, 'volume', dw),
    nominal: uint(d, 'nominal', dw),
    placementPrice: uint(d, 'placementPrice', dw),
    placementStart: uint(d, 'placementStart', dw),
    placementEnd: uint(d, 'placementEnd', dw),
    maturityDate: uint(d, 'maturityDate', dw),
    redemptionPrice: uint(d, 'redemptionPrice', dw),
    earlyRedemption: early,
    rights: str(d, 'rights', dw),
  };
  const rejected = o['rejected'] === null ? null : { ...stamp(o['rejected'], `${what}.rejected`), reason: str(obj(o['rejected'], `${what}.rejected`), 'reason', `${what}.rejected`) };
  return {
    code: str(o, 'code', what),
    issuer: str(o, 'issuer', what),
    decision,
    status: oneOf(o, 'status', CFA_ASSET_STATUSES, what),
    filed: stamp(o['filed'], `${what}.filed`),
    registered: nstamp(o['registered'], `${what}.registered`),
    rejected,
    placementClosed: nstamp(o['placementClosed'], `${what}.placementClosed`),
    closed: nstamp(o['closed'], `${what}.closed`),
    applications: uint(o, 'applications', what),
    requested: uint(o, 'requested', what),
    issued: uint(o, 'issued', what),
    redeemed: uint(o, 'redeemed', what),
    proceeds: uint(o, 'proceeds', what),
  };
}

/** The open chunk of a money log of `moves` records: exactly its last moves mod CFA_MOVE_CHUNK records, in order. */
function checkRecent(v: unknown, moves: number, what: string): readonly CfaMoneyMove[] {
  return logRecords(v, moves - (moves % CFA_MOVE_CHUNK), moves % CFA_MOVE_CHUNK, checkCfaMoneyMove, what);
}

function checkPurchases(v: unknown, what: string): CfaMoneyAccount['purchases'] {
  if (v === null) return null;
  const o = obj(v, what);
  return { year: uint(o, 'year', what), spent: uint(o, 'spent', what) };
}

export function checkCfaMoneyAccount(v: unknown, what = 'money'): CfaMoneyAccount {
  const o = obj(v, what);
  const moves = uint(o, 'moves', what);
  const m = { balance: uint(o, 'balance', what), locked: uint(o, 'locked', what), moves, purchases: checkPurchases(o['purchases'], `${what}.purchases`), recent: checkRecent(o['recent'], moves, `${what}.recent`) };
  if (m.locked > m.balance) bad(what, 'more is locked than owned');
  return m;
}

export function checkCfaMoneySupply(v: unknown, what = 'money supply'): CfaMoneySupply {
  const o = obj(v, what);
  return { minted: uint(o, 'minted', what), burned: uint(o, 'burned', what) };
}

export function checkCfaAssetMove(v: unknown, what = 'movement'): CfaAssetMove {
  const o = obj(v, what);
  return {
    seq: uint(o, 'seq', what),
    asset: str(o, 'asset', what),
    entry: oneOf(o, 'entry', ENTRIES, what),
    account: str(o, 'account', what),
    quantity: uint(o, 'quantity', what),
    cause: oneOf(o, 'cause', CFA_ASSET_CAUSES, what),
    money: uint(o, 'money', what),
    counterparty: nstr(o, 'counterparty', what),
    ref: nstr(o, 'ref', what),
    txId: str(o, 'txId', what),
    height: uint(o, 'height', what),
    timestamp: uint(o, 'timestamp', what),
  };
}

export function checkCfaMoneyMove(v: unknown, what = 'money movement'): CfaMoneyMove {
  const o = obj(v, what);
  return {
    seq: uint(o, 'seq', what),
    account: str(o, 'account', what),
    entry: oneOf(o, 'entry', ENTRIES, what),
    amount: uint(o, 'amount', what),
    cause: oneOf(o, 'cause', CFA_MONEY_CAUSES, what),
    asset: nstr(o, 'asset', what),
    fee: o['fee'] === null ? null : oneOf(o, 'fee', CFA_FEE_OPERATIONS, what),
    counterparty: nstr(o, 'counterparty', what),
    ref: nstr(o, 'ref', what),
    txId: str(o, 'txId', what),
    height: uint(o, 'height', what),
    timestamp: uint(o, 'timestamp', what),
  };
}

export function checkCfaApplication(v: unknown, what = 'application'): CfaApplication {
  const o = obj(v, what);
  return {
    id: str(o, 'id', what),
    asset: str(o, 'asset', what),
    investor: str(o, 'investor', what),
    quantity: uint(o, 'quantity', what),
    price: uint(o, 'price', what),
    money: uint(o, 'money', what),
    year: uint(o, 'year', what),
    status: oneOf(o, 'status', CFA_APPLICATION_STATUSES, what),
    allocated: uint(o, 'allocated', what),
    filed: stamp(o['filed'], `${what}.filed`),
    settled: nstamp(o['settled'], `${what}.settled`),
  };
}

export function checkCfaOffer(v: unknown, what = 'offer'): CfaOffer {
  const o = obj(v, what);
  return {
    id: str(o, 'id', what),
    asset: str(o, 'asset', what),
    side: oneOf(o, 'side', SIDES, what),
    maker: str(o, 'maker', what),
    counterparty: nstr(o, 'counterparty', what),
    price: uint(o, 'price', what),
    quantity: uint(o, 'quantity', what),
    remaining: uint(o, 'remaining', what),
    status: oneOf(o, 'status', CFA_OFFER_STATUSES, what),
    created: stamp(o['created'], `${what}.created`),
    closed: nstamp(o['closed'], `${what}.closed`),
  };
}

export function checkCfaOfferBook(v: unknown, what = 'offer book'): CfaOfferBook {
  const o = obj(v, what);
  const open = o['open'];
  if (!Array.isArray(open) || !open.every((x) => typeof x === 'string')) bad(what, '"open" is not an array of strings');
  return { count: uint(o, 'count', what), open: open as string[] };
}

export function checkCfaFeeSchedule(v: unknown, what = 'fee schedule'): CfaFeeSchedule {
  const o = obj(v, what);
  const collector = nstr(o, 'collector', what);
  const r = obj(o['rules'], `${what}.rules`);
  const rules: { [op in CfaFeeOperation]?: CfaFeeRule } = {};
  for (const k of Object.keys(r)) {
    if (!(CFA_FEE_OPERATIONS as readonly string[]).includes(k)) bad(what, `unknown operation type "${k}"`);
    const rule = obj(r[k], `${what}.rules.${k}`);
    rules[k as CfaFeeOperation] = { fixed: uint(rule, 'fixed', `${what}.rules.${k}`), bps: uint(rule, 'bps', `${what}.rules.${k}`) };
  }
  return { collector, rules };
}

export function checkCfaFeeTotals(v: unknown, what = 'fee totals'): CfaFeeTotals {
  const o = obj(v, what);
  const b = obj(o['byOperation'], `${what}.byOperation`);
  const byOperation: { [op in CfaFeeOperation]?: number } = {};
  for (const k of Object.keys(b)) {
    if (!(CFA_FEE_OPERATIONS as readonly string[]).includes(k)) bad(what, `unknown operation type "${k}"`);
    byOperation[k as CfaFeeOperation] = uint(b, k, what);
  }
  return { total: uint(o, 'total', what), byOperation };
}
