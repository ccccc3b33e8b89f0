/**
 * How a block changes the projected balances. The projection does not re-implement the cfa
 * contract's arithmetic (placement allocation, fees, redemption, partial fills…): it works out
 * which (asset, account) pairs a block's committed cfa transactions can have touched and reads
 * their values from the chain right after that block, with state proofs anchored in the block.
 *
 * What is read (keys in cfa-layout.ts):
 *   units  cfa/owners/<code> after the block, whole, for every asset a balance-changing
 *          operation names (`asset`, `code`, or the asset of an `offer`/`application` id).
 *          It lists every owner, so units are exact: an account missing from it owns 0.
 *   money  cfa/money/<account>.balance after the block (locked money included: an owner keeps
 *          what it reserved) for every account that can have been paid or charged:
 *            - accounts named in the arguments (`account`, `to`, `from`, `holder`, `counterparty`),
 *            - the senders (their member, from gov/key/<public key>),
 *            - the issuers of the named assets, the makers of accepted offers,
 *            - the fee collector (gov/fees) before and after the block,
 *            - the owners of the named assets before and after the block (redemption pays each).
 *          Every money movement of the contract (deposit, withdrawal, placement, trade,
 *          redemption, fee) involves only such accounts.
 *   supply cfa/money-supply after the block: the follower checks that the projected money adds
 *          up to minted − burned, which catches an account this list missed (PROJECTION_INCOMPLETE).
 *
 * Rejected transactions change nothing (all-or-nothing), so only committed ones are looked at.
 */
import {
  type ChainAsset,
  type ChainFeeSchedule,
  type ChainKeyEntry,
  type ChainMoney,
  type ChainMoneySupply,
  type ChainOffer,
  type ChainOwners,
  CFA_CONTRACT,
  cfaStateKeys as K,
  changesMoney,
  changesUnits,
  govKeyOf,
  MONEY_ASSET,
  namedInArgs,
  OWNER_BUCKETS,
} from './cfa-layout.js';
import type { ChainPoint, ChainReader, CheckedBlock } from './chain.js';
import { ProjectionError } from './errors.js';

export interface BalanceValue {
  readonly asset: string;
  readonly account: string;
  /** Units or minor units, exact. */
  readonly amount: bigint;
}

export interface BlockBalances {
  /** Values right after the block of every pair the block can have touched. */
  readonly values: readonly BalanceValue[];
  /** Assets whose whole owners registry was read: a projected row of one of these not in `values` is 0. */
  readonly completeAssets: readonly string[];
  /** minted − burned after the block, when money was read. */
  readonly moneySupply: bigint | null;
}

/** Members behind the signing keys seen so far, issuers and offer makers: facts that never change. */
const CACHE_ENTRIES_MAX = 10_000;

export class BalanceReader {
  private readonly members = new Map<string, string>();
  private readonly issuers = new Map<string, string>();
  private readonly makers = new Map<string, string>();

  constructor(private readonly chain: ChainReader) {}

  /**
   * The member id behind each signing key (hex), from gov/key/<key> before the block (the key
   * the node admitted the transaction under) or, failing that, after it; null if neither.
   */
  async membersOf(keys: readonly string[], block: ChainPoint, before: ChainPoint | null): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const unknown = [...new Set(keys)].filter((k) => {
      const m = this.members.get(k);
      if (m !== undefined) out.set(k, m);
      return m === undefined;
    });
    const found = await this.chain.readMany<ChainKeyEntry>(unknown.map(govKeyOf), before ?? block);
    const missing: string[] = [];
    unknown.forEach((k, i) => {
      const member = found[i]?.member;
      if (typeof member === 'string') this.remember(this.members, k, member);
      else missing.push(k);
      out.set(k, typeof member === 'string' ? member : null);
    });
    if (before !== null && missing.length > 0) {
      const after = await this.chain.readMany<ChainKeyEntry>(missing.map(govKeyOf), block);
      missing.forEach((k, i) => {
        const member = after[i]?.member;
        if (typeof member === 'string') {
          this.remember(this.members, k, member);
          out.set(k, member);
        }
      });
    }
    return out;
  }

  /** What the block's committed cfa transactions did to balances (see the file comment). */
  async afterBlock(block: CheckedBlock, before: ChainPoint | null, senders: ReadonlyMap<string, string | null>): Promise<BlockBalances> {
    const at: ChainPoint = { height: block.height, hash: block.hash };
    const assets = new Set<string>();
    const accounts = new Set<string>();
    const offers = new Set<string>();
    let money = false;
    for (const tx of block.cfaTxs) {
      if (tx.code !== 'OK') continue;
      let touches = false;
      for (const op of tx.operations) {
        if (op.contract !== CFA_CONTRACT) continue;
        const units = changesUnits(op.method);
        const cash = changesMoney(op.method);
        if (!units && !cash) continue;
        touches = true;
        money ||= cash;
        const named = namedInArgs(op.args);
        named.assets.forEach((a) => assets.add(a));
        named.accounts.forEach((a) => accounts.add(a));
        named.offers.forEach((o) => offers.add(o));
      }
      const member = senders.get(tx.senderKey);
      if (touches && typeof member === 'string') accounts.add(member);
    }
    if (assets.size === 0 && !money) return { values: [], completeAssets: [], moneySupply: null };

    const codes = [...assets].sort();
    const ownersAfter = await readOwners(this.chain, codes, at);
    const ownersBefore = before === null ? codes.map(() => ({})) : await readOwners(this.chain, codes, before);
    const values = new Map<string, BalanceValue>();
    const put = (asset: string, account: string, amount: bigint): void => void values.set(`${asset}\u0000${account}`, { asset, account, amount });
    codes.forEach((code, i) => {
      const after = ownersAfter[i]!;
      const prior = ownersBefore[i]!;
      for (const acc of Object.keys(prior)) put(code, acc, 0n);
      for (const [acc, units] of Object.entries(after)) put(code, acc, BigInt(units));
    });
    let moneySupply: bigint | null = null;
    if (money) {
      for (const owners of [...ownersAfter, ...ownersBefore]) for (const acc of Object.keys(owners ?? {})) accounts.add(acc);
      for (const issuer of await this.issuersOf(codes, at)) accounts.add(issuer);
      for (const maker of await this.makersOf([...offers], at)) accounts.add(maker);
      const fees = await this.chain.readMany<ChainFeeSchedule>([K.fees], at);
      const feesBefore = before === null ? [] : await this.chain.readMany<ChainFeeSchedule>([K.fees], before);
      for (const f of [...fees, ...feesBefore]) if (typeof f?.collector === 'string') accounts.add(f.collector);
      const list = [...accounts].sort();
      const balances = await this.chain.readMany<ChainMoney>(list.map(K.money), at);
      list.forEach((acc, i) => put(MONEY_ASSET, acc, amountOf(balances[i]?.balance ?? 0, `${K.money(acc)}.balance`)));
      const [supply] = await this.chain.readMany<ChainMoneySupply>([K.moneySupply], at);
      moneySupply = amountOf(supply?.minted ?? 0, 'money-supply.minted') - amountOf(supply?.burned ?? 0, 'money-supply.burned');
    }
    return { values: [...values.values()], completeAssets: codes, moneySupply };
  }

  private async issuersOf(codes: readonly string[], at: ChainPoint): Promise<string[]> {
    const missing = codes.filter((c) => !this.issuers.has(c));
    const read = await this.chain.readMany<ChainAsset>(missing.map(K.asset), at);
    missing.forEach((c, i) => {
      const issuer = read[i]?.issuer;
      if (typeof issuer === 'string') this.remember(this.issuers, c, issuer);
    });
    return codes.map((c) => this.issuers.get(c)).filter((x): x is string => x !== undefined);
  }

  private async makersOf(ids: readonly string[], at: ChainPoint): Promise<string[]> {
    const missing = ids.filter((id) => !this.makers.has(id));
    const read = await this.chain.readMany<ChainOffer>(missing.map(K.offer), at);
    missing.forEach((id, i) => {
      const maker = read[i]?.maker;
      if (typeof maker === 'string') this.remember(this.makers, id, maker);
    });
    return ids.map((id) => this.makers.get(id)).filter((x): x is string => x !== undefined);
  }

  private remember(map: Map<string, string>, k: string, v: string): void {
    if (map.size >= CACHE_ENTRIES_MAX) map.clear();
    map.set(k, v);
  }
}

/** The owners of each asset at `at`: every bucket of its registry read (one request) and merged. */
export async function readOwners(chain: ChainReader, codes: readonly string[], at: ChainPoint): Promise<ChainOwners[]> {
  const read = await chain.readMany<ChainOwners>(
    codes.flatMap((code) => Array.from({ length: OWNER_BUCKETS }, (_, b) => K.ownerBucket(code, b))),
    at,
  );
  return codes.map((code, i) => {
    const merged: Record<string, number> = {};
    for (let b = 0; b < OWNER_BUCKETS; b++) Object.assign(merged, checkOwners(read[i * OWNER_BUCKETS + b], K.ownerBucket(code, b)));
    return merged;
  });
}

function checkOwners(v: ChainOwners | undefined, key: string): ChainOwners {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProjectionError('CHAIN_INVALID', `${key} is not an owners map`);
  for (const [acc, n] of Object.entries(v)) amountOf(n, `${key}.${acc}`);
  return v;
}

/** A chain amount: a non-negative safe integer, else CHAIN_INVALID (the contract never stores anything else). */
export function amountOf(n: unknown, what: string): bigint {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ProjectionError('CHAIN_INVALID', `${what} is not a non-negative integer: ${String(n)}`);
  return BigInt(n);
}
