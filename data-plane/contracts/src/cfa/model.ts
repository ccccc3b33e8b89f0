/**
 * The cfa contract's stored values (JSON under `cfa/`, see keys.ts) and its limits.
 *
 * Units: asset quantities are whole units; money is in minor units (kopecks); times are ms since
 * the epoch (block time). Every number is a safe integer, never negative.
 *
 * Ownership and locks: an owner keeps the units it offered for sale and the money it reserved
 * (placement applications, buy offers) until the deal happens; locks only make them unavailable.
 * So `owners` / `holdings` / `money.balance` are what a party owns, and
 *   sum over the buckets cfa/owners/<code>/* = asset.issued − asset.redeemed,
 *   sum of cfa/money/*.balance = money-supply.minted − money-supply.burned.
 */
import { type CFA_APPLICATION_STATUSES, type CFA_ASSET_CAUSES, CFA_ASSET_STATUSES, type CFA_MONEY_CAUSES, type CFA_OFFER_STATUSES } from '@konsortium/protocol';
import type { FeeOperation } from '../governance/model.js';

/** Work bounds of one transaction. */
export const CFA_LIMITS = {
  /** Applications per placement (closePlacement touches each: refused beyond with TOO_MANY_APPLICATIONS). */
  maxApplications: 1000,
  /** Distinct owners of one asset (redeem pays each: refused beyond with TOO_MANY_HOLDERS). */
  maxHolders: 1000,
  /** Open offers on one asset (redeem expires each: refused beyond with TOO_MANY_OFFERS). */
  maxOpenOffers: 1000,
} as const;

/** Default yearly purchase limit of a non-qualified investor: 600 000 roubles, in kopecks. */
export const DEFAULT_NON_QUALIFIED_YEARLY_LIMIT = 60_000_000;

export const ASSET_STATUSES = CFA_ASSET_STATUSES;
/**
 * filed → registered | rejected (operator); registered → placing (first application);
 * registered | placing → placed (closePlacement with units allocated) or closed (none allocated);
 * placed → redeemed (redeem at maturity left units of frozen holders outstanding) → closed
 * (nothing outstanding: full redemption, early redemptions of every unit).
 */
export type AssetStatus = (typeof ASSET_STATUSES)[number];

/** Who did something, when and in which transaction. */
export interface Stamp {
  readonly by: string;
  readonly height: number;
  readonly timestamp: number;
  readonly txId: string;
}

export interface EarlyRedemptionTerms {
  /** Early redemption is possible from this time (ms) until maturity. */
  readonly from: number;
  /** Paid per unit (minor units). */
  readonly price: number;
  /** The issuer (or the operator) may redeem a holder's units early. */
  readonly byIssuer: boolean;
  /** A holder may demand early redemption of its own units (paid from the issuer's money). */
  readonly byHolder: boolean;
}

/** The issue decision (решение о выпуске) as filed by the issuer. */
export interface IssueDecision {
  readonly code: string;
  readonly name: string;
  /** Units offered in the placement (the most that can be issued). */
  readonly volume: number;
  /** Nominal value of a unit (minor units): the base of gift and inheritance fees. */
  readonly nominal: number;
  /** Price of a unit in the placement (minor units). */
  readonly placementPrice: number;
  /** Applications are accepted in [placementStart, placementEnd). */
  readonly placementStart: number;
  readonly placementEnd: number;
  /** From this time: no more trades or gifts; redeem pays redemptionPrice per unit. */
  readonly maturityDate: number;
  readonly redemptionPrice: number;
  readonly earlyRedemption: EarlyRedemptionTerms | null;
  /** The rights the asset certifies, as text. */
  readonly rights: string;
}

export interface CfaAsset {
  readonly code: string;
  readonly issuer: string;
  readonly decision: IssueDecision;
  readonly status: AssetStatus;
  readonly filed: Stamp;
  readonly registered: Stamp | null;
  readonly rejected: (Stamp & { readonly reason: string }) | null;
  readonly placementClosed: Stamp | null;
  readonly closed: Stamp | null;
  /** Applications filed so far (their ids are `<code>/0` .. `<code>/<applications − 1>`). */
  readonly applications: number;
  /** Units requested by the pending applications. */
  readonly requested: number;
  /** Units created in the placement. */
  readonly issued: number;
  /** Units redeemed (at maturity and early). Outstanding = issued − redeemed. */
  readonly redeemed: number;
  /** Money the placement raised (before the placement fee). */
  readonly proceeds: number;
}

/** An asset's owners: account → units owned (only non-zero, keys sorted); stored in buckets, cfa/owners/<code>/<bucket>. */
export type Owners = Record<string, number>;
/**
 * cfa/holdings/<account>: asset code → units owned, and the part of them locked in open sell
 * offers (both only non-zero, keys sorted; locked ≤ owned). One key, so a trade writes each
 * party's units once.
 */
export interface Holdings {
  readonly units: Readonly<Record<string, number>>;
  readonly locked: Readonly<Record<string, number>>;
}

/**
 * cfa/money/<account>. A trade touches each party's account once: the money log's length, its
 * open chunk and the purchase counter live here rather than under keys of their own (each key a
 * trade writes is a state-tree path re-hashed and stored).
 */
export interface MoneyAccount {
  /** Money owned (minor units), locked part included. */
  readonly balance: number;
  /** Part of the balance reserved for placement applications and buy offers (≤ balance). */
  readonly locked: number;
  /**
   * Records in the account's money log (seq 0..moves−1): the full chunks are
   * cfa/money-moves/<account>/<chunk> (chunk < moves div MOVE_CHUNK), the rest is `recent`.
   */
  readonly moves: number;
  /** The log's open chunk: records moves − (moves mod MOVE_CHUNK) … moves − 1; written to its own key when it fills. */
  readonly recent: readonly MoneyMove[];
  /** Money spent on CFA purchases in the latest UTC year the account bought in; null before its first purchase. */
  readonly purchases: Purchases | null;
}

export interface MoneySupply {
  readonly minted: number;
  readonly burned: number;
}

/** cfa/moves/<code>: how many records the asset's movement log holds (seq 0..count−1). */
export interface MoveLog {
  readonly count: number;
}

export type AssetCause = (typeof CFA_ASSET_CAUSES)[number];
export type MoneyCause = (typeof CFA_MONEY_CAUSES)[number];

/** One credit or debit of units. */
export interface AssetMove {
  readonly seq: number;
  readonly asset: string;
  readonly entry: 'credit' | 'debit';
  readonly account: string;
  readonly quantity: number;
  readonly cause: AssetCause;
  /** The money leg of the deal this move belongs to (0 for gifts and inheritance). */
  readonly money: number;
  readonly counterparty: string | null;
  /** Application or offer id, or the inheritance basis. */
  readonly ref: string | null;
  readonly txId: string;
  readonly height: number;
  readonly timestamp: number;
}

/** One credit or debit of money. */
export interface MoneyMove {
  readonly seq: number;
  readonly account: string;
  readonly entry: 'credit' | 'debit';
  readonly amount: number;
  readonly cause: MoneyCause;
  /** The asset concerned, if any. */
  readonly asset: string | null;
  /** For fees: the operation type charged. */
  readonly fee: FeeOperation | null;
  readonly counterparty: string | null;
  /** The bank reference of a deposit or withdrawal, or the application/offer id. */
  readonly ref: string | null;
  readonly txId: string;
  readonly height: number;
  readonly timestamp: number;
}

export type ApplicationStatus = (typeof CFA_APPLICATION_STATUSES)[number];

/** A placement application; money = quantity × price is locked on the investor's account while pending. */
export interface Application {
  readonly id: string;
  readonly asset: string;
  readonly investor: string;
  readonly quantity: number;
  readonly price: number;
  readonly money: number;
  /** The UTC year whose purchase counter this application was counted in. */
  readonly year: number;
  /** excluded: the investor was frozen at close (nothing allocated, money released). */
  readonly status: ApplicationStatus;
  readonly allocated: number;
  readonly filed: Stamp;
  readonly settled: Stamp | null;
}

export type OfferStatus = (typeof CFA_OFFER_STATUSES)[number];

/**
 * A sell offer locks `remaining` units of the maker; a buy offer locks remaining × price of its
 * money. `counterparty` (if set) is the only member who may accept it.
 */
export interface Offer {
  readonly id: string;
  readonly asset: string;
  readonly side: 'sell' | 'buy';
  readonly maker: string;
  readonly counterparty: string | null;
  /** Per unit, minor units. */
  readonly price: number;
  readonly quantity: number;
  readonly remaining: number;
  readonly status: OfferStatus;
  readonly created: Stamp;
  /** When it stopped being open. */
  readonly closed: Stamp | null;
}

/** cfa/offers/<code>: offers made on the asset (ids `<code>/0`..) and the open ones. */
export interface OfferBook {
  readonly count: number;
  readonly open: readonly string[];
}

export interface Freeze {
  readonly target: 'account' | 'asset';
  readonly id: string;
  readonly reason: string;
  readonly since: Stamp;
}

export type InvestorCategory = 'qualified' | 'non-qualified';

/** cfa/investor/<account>; absent: non-qualified. */
export interface InvestorProfile {
  readonly account: string;
  readonly category: InvestorCategory;
  readonly set: Stamp;
}

/** Money spent on CFA purchases (placements, trades) in a UTC year (MoneyAccount.purchases). */
export interface Purchases {
  readonly year: number;
  readonly spent: number;
}

/** cfa/settings; absent: the defaults. */
export interface CfaSettings {
  readonly nonQualifiedYearlyLimit: number;
}

export const DEFAULT_SETTINGS: CfaSettings = { nonQualifiedYearlyLimit: DEFAULT_NON_QUALIFIED_YEARLY_LIMIT };

/** cfa/fee-totals: commission collected so far, in total and per operation type. */
export interface FeeTotals {
  readonly total: number;
  readonly byOperation: { readonly [op in FeeOperation]?: number };
}
