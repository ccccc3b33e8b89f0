/**
 * Reading the CFA registries from a node: each answer checked against the keys asked for and
 * the contract's shapes (cfa.ts), with its proof kept for verifyCfaEntry / verifyCfaOwners.
 */
import { fromHex, type SuiteId, type CryptoSuite } from '@konsortium/protocol';
import {
  type CfaApplication,
  type CfaAsset,
  type CfaAssetMove,
  type CfaEntry,
  type CfaFeeSchedule,
  type CfaFeeTotals,
  type CfaLogRecord,
  type CfaMoneyAccount,
  type CfaMoneyMove,
  type CfaMoneySupply,
  type CfaOffer,
  type CfaOfferBook,
  type CfaOwners,
  type CfaPage,
  type CfaPageOptions,
  type CfaReadOptions,
  type CfaUnits,
  CFA_EMPTY_MONEY,
  CFA_MOVE_CHUNK,
  CFA_OWNER_BUCKETS,
  cfaStateKeys,
  checkCfaApplication,
  checkCfaAsset,
  checkCfaAssetCodes,
  checkCfaAssetMove,
  checkCfaFeeSchedule,
  checkCfaFeeTotals,
  checkCfaHoldings,
  checkCfaMoneyAccount,
  checkCfaMoneyMove,
  checkCfaMoneySupply,
  checkCfaOffer,
  checkCfaOfferBook,
  checkCfaUnits,
} from './cfa.js';
import { bad, logRecords, obj, uint } from './cfa-json.js';
import type { KonsortiumClient } from './client.js';
import { KonsortiumResponseError } from './errors.js';
import { readStateProof } from './read.js';
import { type VerifiedStateEntry, verifyStateEntry } from './verify.js';

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

/**
 * The record that counts a log: an asset log's counter key; an account's money record, which
 * also holds the log's open chunk (`open`: its records, checked in place).
 */
interface LogCounter<T> {
  readonly key: string;
  readonly read: (v: unknown, what: string) => { readonly count: number; readonly open?: readonly T[] };
}

const assetLog = (code: string): LogCounter<CfaAssetMove> => ({ key: cfaStateKeys.moves(code), read: (v, what) => ({ count: uint(obj(v, what), 'count', what) }) });
const moneyLog = (account: string): LogCounter<CfaMoneyMove> => ({
  key: cfaStateKeys.money(account),
  read: (v, what) => {
    const m = checkCfaMoneyAccount(v, what);
    return { count: m.moves, open: m.recent };
  },
});

function pageOf<T extends { readonly seq: number }>(reply: unknown, counter: LogCounter<T>, chunkKey: (chunk: number) => string, check: (v: unknown, what: string) => T, from: number, limit: number): CfaPage<T> {
  const logKey = counter.key;
  const o = obj(reply, logKey);
  const count = uint(o, 'count', logKey);
  const logEntry = cfaEntryOf(o['log'], logKey, counter.read, { count: 0, open: [] });
  const log = logEntry.proof;
  const { count: logged, open } = logEntry.value;
  if (logged !== count) throw new KonsortiumResponseError(`${logKey} proves ${logged} records, the node says ${count}`);
  const raw = o['chunks'];
  if (!Array.isArray(raw)) bad(logKey, '"chunks" is not an array');
  const to = Math.min(count, from + limit);
  const first = Math.floor(from / CFA_MOVE_CHUNK);
  // Records from `keyed` on are in the counting record (its open chunk), not in chunks of their own.
  const keyed = open === undefined ? count : count - (count % CFA_MOVE_CHUNK);
  const last = Math.min(to, keyed);
  const want = from < last ? Math.floor((last - 1) / CFA_MOVE_CHUNK) - first + 1 : 0;
  if (raw.length !== want) throw new KonsortiumResponseError(`${logKey}: records ${from}..${to - 1} are in ${want} chunks, the node sent ${raw.length}`);
  const chunks = raw.map((r, i) => {
    const c = first + i;
    const key = chunkKey(c);
    const length = Math.min(CFA_MOVE_CHUNK, count - c * CFA_MOVE_CHUNK);
    const e = cfaEntryOf<readonly T[] | null>(r, key, (v, what) => logRecords(v, c * CFA_MOVE_CHUNK, length, check, what), null);
    if (e.value === null) throw new KonsortiumResponseError(`chunk ${key} is absent though the log counts ${count}`);
    if (e.height !== log.height) throw new KonsortiumResponseError(`chunk ${key} is at height ${e.height}, its log at ${log.height}`);
    return e as CfaEntry<readonly T[]>;
  });
  const items: CfaLogRecord<T>[] = [];
  for (let seq = from; seq < to; seq++) {
    if (seq >= keyed) {
      items.push({ seq, value: open![seq - keyed]!, chunk: -1 });
      continue;
    }
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

async function page<T extends { readonly seq: number }>(client: KonsortiumClient, channel: string, path: string, counter: LogCounter<T>, chunkKey: (chunk: number) => string, check: (v: unknown, what: string) => T, o: CfaPageOptions): Promise<CfaPage<T>> {
  checkHeight(o);
  const from = o.from ?? 0;
  const limit = o.limit ?? 20;
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError('from must be a non-negative integer');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError('limit must be 1..100');
  const base = q(o);
  const reply = await client.channelRead(channel, path, { ...base, query: { ...base.query, from, limit } });
  return pageOf(reply, counter, chunkKey, check, from, limit);
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
  return page(client, channel, `cfa/assets/${seg(code)}/moves`, assetLog(code), (c) => cfaStateKeys.moveChunk(code, c), checkCfaAssetMove, o);
}

/** GET cfa/accounts/:account/holdings: asset code → units owned (locked ones included). */
export function readCfaHoldings(client: KonsortiumClient, channel: string, account: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaUnits>> {
  return entry(client, channel, `cfa/accounts/${seg(account)}/holdings`, cfaStateKeys.holdings(account), (v, what) => checkCfaHoldings(v, what).units, {}, o);
}

/** GET cfa/accounts/:account/money: the settlement-money balance and the part reserved. */
export function readCfaMoney(client: KonsortiumClient, channel: string, account: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaMoneyAccount>> {
  return entry(client, channel, `cfa/accounts/${seg(account)}/money`, cfaStateKeys.money(account), checkCfaMoneyAccount, CFA_EMPTY_MONEY, o);
}

/** GET cfa/accounts/:account/money-moves: a page of the account's money log. */
export function readCfaMoneyMoves(client: KonsortiumClient, channel: string, account: string, o: CfaPageOptions = {}): Promise<CfaPage<CfaMoneyMove>> {
  return page(client, channel, `cfa/accounts/${seg(account)}/money-moves`, moneyLog(account), (c) => cfaStateKeys.moneyMoveChunk(account, c), checkCfaMoneyMove, o);
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

/** Units of an account locked in open sell offers, per asset code (the `locked` part of its holdings). */
export function readCfaLocked(client: KonsortiumClient, channel: string, account: string, o: CfaReadOptions = {}): Promise<CfaEntry<CfaUnits>> {
  return entry(client, channel, `cfa/accounts/${seg(account)}/holdings`, cfaStateKeys.holdings(account), (v, what) => checkCfaHoldings(v, what).locked, {}, o);
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
