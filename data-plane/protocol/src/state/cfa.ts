/**
 * The cfa contract's state layout: where it keeps things and the value sets its records use.
 * Defined once here because the contract writes these keys and the SDK, the node's routes and
 * the portal read them; a copy per reader would drift apart silently. Each registry question is
 * one key whose JSON value answers it, so a node serves it with one state proof at any height —
 * except the movement logs (records in chunks of CFA_MOVE_CHUNK, a page is the chunks it spans)
 * and an asset's owners, which grow with every holder: they are kept in CFA_OWNER_BUCKETS
 * buckets (an account's bucket is registryBucket(account, CFA_OWNER_BUCKETS)), so a trade
 * rewrites two small buckets instead of the whole registry, and the registry at a height is
 * CFA_OWNER_BUCKETS proofs:
 *
 *   cfa/assets                      string[]        codes of every filed asset, sorted
 *   cfa/asset/<code>                CfaAsset        decision, status, totals
 *   cfa/owners/<code>/<bucket>      Owners          { account: units } of the accounts in that bucket (non-zero, sorted)
 *   cfa/holdings/<account>          Holdings        { units: { code: units }, locked: { code: units in open sell offers } }
 *   cfa/moves/<code>                MoveLog         { count } of the asset's movement log
 *   cfa/moves/<code>/<chunk>        AssetMove[]     records chunk·CFA_MOVE_CHUNK … (chunk+1)·CFA_MOVE_CHUNK−1 of the log
 *   cfa/money/<account>             MoneyAccount    { balance, locked, moves: length of its money log, purchases: this year's,
 *                                                     recent: the money log's open chunk }
 *   cfa/money-supply                MoneySupply     { minted, burned }
 *   cfa/money-moves/<account>/<chunk> MoneyMove[]   a full chunk of the account's money log (CFA_MOVE_CHUNK records)
 *   cfa/application/<code>/<n>      Application     placement application `<code>/<n>`
 *   cfa/offers/<code>               OfferBook       { count, open ids }
 *   cfa/offer/<code>/<n>            Offer           offer `<code>/<n>`
 *   cfa/freeze/account/<account>    Freeze          present while the account is frozen
 *   cfa/freeze/asset/<code>         Freeze          present while the asset is frozen
 *   cfa/investor/<account>          InvestorProfile absent: non-qualified
 *   cfa/settings                    CfaSettings     absent: the default settings
 *   cfa/fee-totals                  FeeTotals       commission collected
 *   gov/fees                        FeeSchedule     (governance) the operator's fee schedule
 *
 * The record types themselves are the contract's (data-plane/contracts/src/cfa/model.ts) and,
 * checked at the boundary, the SDK's (data-plane/client/src/cfa.ts).
 */
import { registryBucket } from '../codec/registry-bucket.js';

/**
 * Records per key of a movement log. A log grows with every credit and debit; a key per record
 * made each one a new leaf of the state tree (its whole path hashed and stored), the main cost
 * of a trade. In chunks, the records appended in one block to one log share a key.
 */
export const CFA_MOVE_CHUNK = 16;

/** The chunk that holds record `seq` of a movement log. */
export const cfaMoveChunkOf = (seq: number): number => Math.floor(seq / CFA_MOVE_CHUNK);

/** Buckets of each asset's owners registry; part of the state layout (changing it moves every holder). */
export const CFA_OWNER_BUCKETS = 16;

export const cfaKeys = {
  assets: 'cfa/assets',
  asset: (code: string) => `cfa/asset/${code}`,
  /** Bucket `bucket` (0..CFA_OWNER_BUCKETS−1) of the asset's owners registry. */
  ownerBucket: (code: string, bucket: number) => `cfa/owners/${code}/${bucket}`,
  /** The owners bucket that holds `account`'s units of the asset. */
  ownersOf: (code: string, account: string) => `cfa/owners/${code}/${registryBucket(account, CFA_OWNER_BUCKETS)}`,
  /** An account's units per asset and the part locked in its open sell offers. */
  holdings: (account: string) => `cfa/holdings/${account}`,
  moves: (code: string) => `cfa/moves/${code}`,
  /** Chunk `chunk` of the asset's movement log (records chunk·CFA_MOVE_CHUNK …). */
  moveChunk: (code: string, chunk: number) => `cfa/moves/${code}/${chunk}`,
  money: (account: string) => `cfa/money/${account}`,
  moneySupply: 'cfa/money-supply',
  /** Chunk `chunk` of the account's money log, once full (the open one is the money account's `recent`; its length is `moves`). */
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
  /** The fee schedule lives in governance. */
  fees: 'gov/fees',
} as const;

/** An asset's life: filed → registered (or rejected) → placing → placed → redeemed/closed. */
export const CFA_ASSET_STATUSES = ['filed', 'registered', 'rejected', 'placing', 'placed', 'redeemed', 'closed'] as const;
/** Why units moved (an asset movement record's cause). */
export const CFA_ASSET_CAUSES = ['placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption'] as const;
/** Why money moved (a money movement record's cause). */
export const CFA_MONEY_CAUSES = ['deposit', 'withdrawal', 'placement', 'trade', 'redemption', 'early-redemption', 'fee'] as const;
/** The operations the fee schedule (governance) prices. */
export const CFA_FEE_OPERATIONS = ['issue', 'placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption'] as const;
export const CFA_APPLICATION_STATUSES = ['pending', 'withdrawn', 'allocated', 'excluded'] as const;
export const CFA_OFFER_STATUSES = ['open', 'filled', 'cancelled', 'expired'] as const;
