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
import { fromHex, registryBucket, type StateProofJson, type SuiteId, type CryptoSuite } from '@konsortium/protocol';
import type { CallOptions, KonsortiumClient } from './client.js';
import { KonsortiumResponseError } from './errors.js';
import { readStateProof } from './read.js';
import { type VerifiedStateEntry, verifyStateEntry } from './verify.js';

/** Records per key of a movement log (contracts/src/cfa/keys.ts MOVE_CHUNK). */
export const CFA_MOVE_CHUNK = 16;

/** Buckets of each asset's owners registry (contracts/src/cfa/keys.ts OWNER_BUCKETS). */
export const CFA_OWNER_BUCKETS = 16;

/** Where the cfa contract keeps things (contracts/src/cfa/keys.ts); `gov/fees` is governance's. */
export const cfaStateKeys = {
  assets: 'cfa/assets',
  asset: (code: string) => `cfa/asset/${code}`,
  /** Bucket `bucket` of the asset's owners registry. */
  ownerBucket: (code: string, bucket: number) => `cfa/owners/${code}/${bucket}`,
  /** The owners bucket that holds `account`'s units of the asset. */
  ownersOf: (code: string, account: string) => `cfa/owners/${code}/${registryBucket(account, CFA_OWNER_BUCKETS)}`,
  holdings: (account: string) => `cfa/holdings/${account}`,
  locked: (account: string) => `cfa/locked/${account}`,
  moves: (code: string) => `cfa/moves/${code}`,
  /** Chunk `chunk` of the asset's movement log: records chunk·CFA_MOVE_CHUNK … */
  moveChunk: (code: string, chunk: number) => `cfa/moves/${code}/${chunk}`,
  money: (account: string) => `cfa/money/${account}`,
  moneySupply: 'cfa/money-supply',
  moneyMoves: (account: string) => `cfa/money-moves/${account}`,
  /** Chunk `chunk` of the account's money log. */
  moneyMoveChunk: (account: string, chunk: number) => `cfa/money-moves/${account}/${chunk}`,
  /** id is `<code>/<n>` */
  application: (id: string) => `cfa/application/${id}`,
  offers: (code: string) => `cfa/offers/${code}`,
  /** id is `<code>/<n>` */
  offer: (id: string) => `cfa/offer/${id}`,
  accountFreeze: (account: string) => `cfa/freeze/account/${account}`,
  assetFreeze: (code: string) => `cfa/freeze/asset/${code}`,
  investor: (account: string) => `cfa/investor/${account}`,
  settings: 'cfa/settings',
  feeTotals: 'cfa/fee-totals',
  fees: 'gov/fees',
} as const;

export const CFA_ASSET_STATUSES = ['filed', 'registered', 'rejected', 'placing', 'placed', 'redeemed', 'closed'] as const;
export type CfaAssetStatus = (typeof CFA_ASSET_STATUSES)[number];
export const CFA_ASSET_CAUSES = ['placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption'] as const;
export type CfaAssetCause = (typeof CFA_ASSET_CAUSES)[number];
export const CFA_MONEY_CAUSES = ['deposit', 'withdrawal', 'placement', 'trade', 'redemption', 'early-redemption', 'fee'] as const;
export type CfaMoneyCause = (typeof CFA_MONEY_CAUSES)[number];
export const CFA_FEE_OPERATIONS = ['issue', 'placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption'] as const;
export type CfaFeeOperation = (typeof CFA_FEE_OPERATIONS)[number];
export const CFA_APPLICATION_STATUSES = ['pending', 'withdrawn', 'allocated', 'excluded'] as const;
export type CfaApplicationStatus = (typeof CFA_APPLICATION_STATUSES)[number];
export const CFA_OFFER_STATUSES = ['open', 'filled', 'cancelled', 'expired'] as const;
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

/** account → units (owners of an asset), or code → units (holdings of an account). */
export type CfaUnits = Readonly<Record<string, number>>;

export interface CfaMoneyAccount {
  /** Owned, locked part included. */
  readonly balance: number;
  /** Reserved for placement applications and buy offers. */
  readonly locked: number;
}

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

/** One record of a movement log, and which of the page's chunks (proven entries) it was read from. */
export interface CfaLogRecord<T> {
  readonly seq: number;
  readonly value: T;
  /** Index into the page's `chunks`. */
  readonly chunk: number;
}

/**
 * A page of a movement log: its length (`count`, proven by `log`) and records from..from+limit−1,
 * read from the proven chunks (CFA_MOVE_CHUNK records per key) that hold them.
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

type Json = Record<string, unknown>;

function bad(what: string, why: string): never {
  throw new KonsortiumResponseError(`unexpected CFA registry value for ${what}: ${why}`);
}

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(what, 'not a JSON object');
  return v as Json;
}

function str(o: Json, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') bad(what, `"${k}" is not a string`);
  return v;
}

function nstr(o: Json, k: string, what: string): string | null {
  return o[k] === null ? null : str(o, k, what);
}

function uint(o: Json, k: string, what: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(what, `"${k}" is not a non-negative safe integer`);
  return v;
}

function bool(o: Json, k: string, what: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') bad(what, `"${k}" is not a boolean`);
  return v;
}

function oneOf<T extends string>(o: Json, k: string, allowed: readonly T[], what: string): T {
  const v = str(o, k, what);
  if (!(allowed as readonly string[]).includes(v)) bad(what, `"${k}" is "${v}", not one of ${allowed.join(', ')}`);
  return v as T;
}

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

export function checkCfaMoneyAccount(v: unknown, what = 'money'): CfaMoneyAccount {
  const o = obj(v, what);
  const m = { balance: uint(o, 'balance', what), locked: uint(o, 'locked', what) };
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

// ---------------------------------------------------------------------------------------------
// Entries and pages

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A state-proof reply as a checked entry: the value is parsed from the proven bytes; an absent
 * key gives `empty` (the registry's "nothing": no owners, zero money, …).
 */
export function cfaEntryOf<T>(reply: unknown, key: string, check: (v: unknown, what: string) => T, empty: T): CfaEntry<T> {
  const proof = readStateProof(reply);
  if (proof.key !== key) throw new KonsortiumResponseError(`asked for "${key}", the node answered for "${proof.key}"`);
  if (proof.value === null) return { key, height: proof.height, present: false, value: empty, proof };
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(fromHex(proof.value)));
  } catch {
    throw new KonsortiumResponseError(`the value of "${key}" is not JSON`);
  }
  return { key, height: proof.height, present: true, value: check(parsed, key), proof };
}

/**
 * The owners route's answer as a checked registry: exactly CFA_OWNER_BUCKETS buckets, in order,
 * for this asset's keys, all at one height, and every account in the bucket it belongs to (so a
 * node cannot hide a holder in a bucket nobody reads, or count one twice).
 */
export function cfaOwnersOf(reply: unknown, code: string): CfaOwners {
  const what = `owners of ${code}`;
  const raw = obj(reply, what)['buckets'];
  if (!Array.isArray(raw) || raw.length !== CFA_OWNER_BUCKETS) bad(what, `expected ${CFA_OWNER_BUCKETS} buckets`);
  const buckets = raw.map((r, b) => cfaEntryOf(r, cfaStateKeys.ownerBucket(code, b), checkCfaUnits, {}));
  const height = buckets[0]!.height;
  const all: [string, number][] = [];
  for (const [b, e] of buckets.entries()) {
    if (e.height !== height) throw new KonsortiumResponseError(`${e.key} is at height ${e.height}, bucket 0 at ${height}`);
    for (const [account, units] of Object.entries(e.value)) {
      if (cfaStateKeys.ownersOf(code, account) !== e.key) throw new KonsortiumResponseError(`${account} is listed in owners bucket ${b} of ${code}, not in its own`);
      all.push([account, units]);
    }
  }
  all.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return { height, value: Object.fromEntries(all), buckets };
}

function pageOf<T>(reply: unknown, logKey: string, chunkKey: (chunk: number) => string, check: (v: unknown, what: string) => T, from: number, limit: number): CfaPage<T> {
  const o = obj(reply, logKey);
  const count = uint(o, 'count', logKey);
  const logEntry = cfaEntryOf(o['log'], logKey, (v, what) => uint(obj(v, what), 'count', what), 0);
  const log = logEntry.proof;
  const logged = logEntry.value;
  if (logged !== count) throw new KonsortiumResponseError(`${logKey} proves ${logged} records, the node says ${count}`);
  const raw = o['chunks'];
  if (!Array.isArray(raw)) bad(logKey, '"chunks" is not an array');
  const to = Math.min(count, from + limit);
  const first = Math.floor(from / CFA_MOVE_CHUNK);
  const want = from < to ? Math.floor((to - 1) / CFA_MOVE_CHUNK) - first + 1 : 0;
  if (raw.length !== want) throw new KonsortiumResponseError(`${logKey}: records ${from}..${to - 1} are in ${want} chunks, the node sent ${raw.length}`);
  const chunks = raw.map((r, i) => {
    const c = first + i;
    const key = chunkKey(c);
    const e = cfaEntryOf<readonly T[] | null>(r, key, (v, what) => (Array.isArray(v) ? v.map((x, j) => check(x, `${what}[${j}]`)) : bad(what, 'not an array of records')), null);
    if (e.value === null) throw new KonsortiumResponseError(`chunk ${key} is absent though the log counts ${count}`);
    if (e.height !== log.height) throw new KonsortiumResponseError(`chunk ${key} is at height ${e.height}, its log at ${log.height}`);
    const length = Math.min(CFA_MOVE_CHUNK, count - c * CFA_MOVE_CHUNK);
    if (e.value.length !== length) throw new KonsortiumResponseError(`chunk ${key} holds ${e.value.length} records, the log says ${length}`);
    e.value.forEach((rec, j) => {
      const seq = (rec as { seq?: unknown }).seq;
      if (seq !== c * CFA_MOVE_CHUNK + j) throw new KonsortiumResponseError(`record ${j} of ${key} has seq ${String(seq)}, not ${c * CFA_MOVE_CHUNK + j}`);
    });
    return e as CfaEntry<readonly T[]>;
  });
  const items: CfaLogRecord<T>[] = [];
  for (let seq = from; seq < to; seq++) {
    const chunk = Math.floor(seq / CFA_MOVE_CHUNK) - first;
    items.push({ seq, value: chunks[chunk]!.value[seq % CFA_MOVE_CHUNK]!, chunk });
  }
  return { count, height: log.height, log, items, chunks };
}

function q(o: CfaReadOptions): { signal?: AbortSignal; timeoutMs?: number; query: Record<string, number | undefined> } {
  return { ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), query: { height: o.height } };
}

function checkHeight(o: CfaReadOptions): void {
  if (o.height !== undefined && (!Number.isSafeInteger(o.height) || o.height < 0)) throw new RangeError('height must be a non-negative integer');
}

const seg = encodeURIComponent;

async function entry<T>(client: KonsortiumClient, channel: string, path: string, key: string, check: (v: unknown, what: string) => T, empty: T, o: CfaReadOptions): Promise<CfaEntry<T>> {
  checkHeight(o);
  return cfaEntryOf(await client.channelRead(channel, path, q(o)), key, check, empty);
}

async function page<T>(client: KonsortiumClient, channel: string, path: string, logKey: string, chunkKey: (chunk: number) => string, check: (v: unknown, what: string) => T, o: CfaPageOptions): Promise<CfaPage<T>> {
  checkHeight(o);
  const from = o.from ?? 0;
  const limit = o.limit ?? 20;
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError('from must be a non-negative integer');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError('limit must be 1..100');
  const base = q(o);
  const reply = await client.channelRead(channel, path, { ...base, query: { ...base.query, from, limit } });
  return pageOf(reply, logKey, chunkKey, check, from, limit);
}

/** GET cfa/assets: codes of every filed asset, sorted. */
export function readCfaAssets(client: KonsortiumClient, channel: string, o: CfaReadOptions = {}): Promise<CfaEntry<string[]>> {
  return entry(client, channel, 'cfa/assets', cfaStateKeys.assets, checkCfaAssetCodes, [], o);
}

/** GET cfa/assets/:code: the decision, status and totals; null when no such asset was filed. */
export function readCfaAsset(client: KonsortiumClient, channel: string, code: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaAsset | null>> {
  return entry<CfaAsset | null>(client, channel, `cfa/assets/${seg(code)}`, cfaStateKeys.asset(code), checkCfaAsset, null, o);
}

/** GET cfa/assets/:code/owners: the holders registry, account → units (at the head or `height`), from all its buckets. */
export async function readCfaOwners(client: KonsortiumClient, channel: string, code: string, o: CfaReadOptions = {}): Promise<CfaOwners> {
  checkHeight(o);
  return cfaOwnersOf(await client.channelRead(channel, `cfa/assets/${seg(code)}/owners`, q(o)), code);
}

/** GET cfa/assets/:code/moves: a page of the asset's movement log (every credit and debit, with its cause). */
export function readCfaMoves(client: KonsortiumClient, channel: string, code: string, o: CfaPageOptions = {}): Promise<CfaPage<CfaAssetMove>> {
  return page(client, channel, `cfa/assets/${seg(code)}/moves`, cfaStateKeys.moves(code), (c) => cfaStateKeys.moveChunk(code, c), checkCfaAssetMove, o);
}

/** GET cfa/accounts/:account/holdings: asset code → units owned (locked ones included). */
export function readCfaHoldings(client: KonsortiumClient, channel: string, account: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaUnits>> {
  return entry(client, channel, `cfa/accounts/${seg(account)}/holdings`, cfaStateKeys.holdings(account), checkCfaUnits, {}, o);
}

/** GET cfa/accounts/:account/money: the settlement-money balance and the part reserved. */
export function readCfaMoney(client: KonsortiumClient, channel: string, account: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaMoneyAccount>> {
  return entry(client, channel, `cfa/accounts/${seg(account)}/money`, cfaStateKeys.money(account), checkCfaMoneyAccount, { balance: 0, locked: 0 }, o);
}

/** GET cfa/accounts/:account/money-moves: a page of the account's money log. */
export function readCfaMoneyMoves(client: KonsortiumClient, channel: string, account: string, o: CfaPageOptions = {}): Promise<CfaPage<CfaMoneyMove>> {
  return page(client, channel, `cfa/accounts/${seg(account)}/money-moves`, cfaStateKeys.moneyMoves(account), (c) => cfaStateKeys.moneyMoveChunk(account, c), checkCfaMoneyMove, o);
}

/** GET cfa/fees: the operator's fee schedule (governance `gov/fees`); absent: no fees. */
export function readCfaFees(client: KonsortiumClient, channel: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaFeeSchedule>> {
  return entry(client, channel, 'cfa/fees', cfaStateKeys.fees, checkCfaFeeSchedule, { collector: null, rules: {} }, o);
}

/** GET cfa/money-supply: settlement money minted and burned. */
export function readCfaMoneySupply(client: KonsortiumClient, channel: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaMoneySupply>> {
  return entry(client, channel, 'cfa/money-supply', cfaStateKeys.moneySupply, checkCfaMoneySupply, { minted: 0, burned: 0 }, o);
}

/** A cfa state key without a registry route of its own, through the state route (same proof and reply). */
function stateEntry<T>(client: KonsortiumClient, channel: string, key: string, check: (v: unknown, what: string) => T, empty: T, o: CfaReadOptions): Promise<CfaEntry<T>> {
  return entry(client, channel, `state/${seg(key)}`, key, check, empty, o);
}

/** A placement application `<code>/<n>`; null when there is none. */
export function readCfaApplication(client: KonsortiumClient, channel: string, id: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaApplication | null>> {
  return stateEntry<CfaApplication | null>(client, channel, cfaStateKeys.application(id), checkCfaApplication, null, o);
}

/** The offers made on an asset: how many, and the open ones. */
export function readCfaOfferBook(client: KonsortiumClient, channel: string, code: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaOfferBook>> {
  return stateEntry(client, channel, cfaStateKeys.offers(code), checkCfaOfferBook, { count: 0, open: [] }, o);
}

/** An offer `<code>/<n>`; null when there is none. */
export function readCfaOffer(client: KonsortiumClient, channel: string, id: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaOffer | null>> {
  return stateEntry<CfaOffer | null>(client, channel, cfaStateKeys.offer(id), checkCfaOffer, null, o);
}

/** Units of an account locked in open sell offers, per asset code. */
export function readCfaLocked(client: KonsortiumClient, channel: string, account: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaUnits>> {
  return stateEntry(client, channel, cfaStateKeys.locked(account), checkCfaUnits, {}, o);
}

/** Commission collected so far, in total and per operation type. */
export function readCfaFeeTotals(client: KonsortiumClient, channel: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaFeeTotals>> {
  return stateEntry(client, channel, cfaStateKeys.feeTotals, checkCfaFeeTotals, { total: 0, byOperation: {} }, o);
}

/**
 * Checks an entry's proof offline: the value (or absence) under the state root of block
 * `entry.height`. Null when it does not hold. Whether that block is the real chain's is the
 * caller's question (a trusted header, or getVerifiedState with `trustedHeader`).
 */
export function verifyCfaEntry(suite: SuiteId | CryptoSuite, e: CfaEntry<unknown>): VerifiedStateEntry | null {
  const v = verifyStateEntry(suite, e.proof);
  return v !== null && v.key === e.key && v.height === e.height ? v : null;
}

/** verifyCfaEntry for every bucket of an owners registry, all in one block: that block's entry of bucket 0, or null. */
export function verifyCfaOwners(suite: SuiteId | CryptoSuite, o: CfaOwners): VerifiedStateEntry | null {
  if (o.buckets.length !== CFA_OWNER_BUCKETS) return null;
  const verified = o.buckets.map((b) => verifyCfaEntry(suite, b));
  const first = verified[0] ?? null;
  if (first === null || first.height !== o.height) return null;
  return verified.every((v) => v !== null && v.blockHash === first.blockHash) ? first : null;
}
