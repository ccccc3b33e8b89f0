/**
 * Where the cfa contract keeps things. Each registry question is one key whose JSON value
 * answers it, so a node serves it with one state proof at any height — except the movement logs
 * (records in chunks of MOVE_CHUNK, a page is the chunks it spans) and an asset's owners,
 * which grow with every holder: they are kept in OWNER_BUCKETS buckets (an account's bucket is
 * registryBucket(account, OWNER_BUCKETS)), so a trade rewrites two small buckets instead of the
 * whole registry, and the registry at a height is OWNER_BUCKETS proofs:
 *
 *   cfa/assets                      string[]        codes of every filed asset, sorted
 *   cfa/asset/<code>                CfaAsset        decision, status, totals
 *   cfa/owners/<code>/<bucket>      Owners          { account: units } of the accounts in that bucket (non-zero, sorted)
 *   cfa/holdings/<account>          Holdings        { units: { code: units }, locked: { code: units in open sell offers } }
 *   cfa/moves/<code>                MoveLog         { count } of the asset's movement log
 *   cfa/moves/<code>/<chunk>        AssetMove[]     records chunk·MOVE_CHUNK … (chunk+1)·MOVE_CHUNK−1 of the log
 *   cfa/money/<account>             MoneyAccount    { balance, locked, moves: length of its money log, purchases: this year's,
 *                                                     recent: the money log's open chunk }
 *   cfa/money-supply                MoneySupply     { minted, burned }
 *   cfa/money-moves/<account>/<chunk> MoneyMove[]   a full chunk of the account's money log (MOVE_CHUNK records)
 *   cfa/application/<code>/<n>      Application     placement application `<code>/<n>`
 *   cfa/offers/<code>               OfferBook       { count, open ids }
 *   cfa/offer/<code>/<n>            Offer           offer `<code>/<n>`
 *   cfa/freeze/account/<account>    Freeze          present while the account is frozen
 *   cfa/freeze/asset/<code>         Freeze          present while the asset is frozen
 *   cfa/investor/<account>          InvestorProfile absent: non-qualified
 *   cfa/settings                    CfaSettings     absent: DEFAULT_SETTINGS
 *   cfa/fee-totals                  FeeTotals       commission collected
 *   gov/fees                        FeeSchedule     (governance) the operator's fee schedule
 */
import { registryBucket } from '@konsortium/protocol';

/**
 * Records per key of a movement log. A log grows with every credit and debit; a key per record
 * made each one a new leaf of the state tree (its whole path hashed and stored), the main cost
 * of a trade. In chunks, the records appended in one block to one log share a key.
 */
export const MOVE_CHUNK = 16;

/** The chunk that holds record `seq` of a movement log. */
export const moveChunkOf = (seq: number): number => Math.floor(seq / MOVE_CHUNK);

/** Buckets of each asset's owners registry; part of the state layout (changing it moves every holder). */
export const OWNER_BUCKETS = 16;

export const cfaKeys = {
  assets: 'cfa/assets',
  asset: (code: string) => `cfa/asset/${code}`,
  /** Bucket `bucket` (0..OWNER_BUCKETS−1) of the asset's owners registry. */
  ownerBucket: (code: string, bucket: number) => `cfa/owners/${code}/${bucket}`,
  /** The owners bucket that holds `account`'s units of the asset. */
  ownersOf: (code: string, account: string) => `cfa/owners/${code}/${registryBucket(account, OWNER_BUCKETS)}`,
  holdings: (account: string) => `cfa/holdings/${account}`,
  moves: (code: string) => `cfa/moves/${code}`,
  /** Chunk `chunk` of the asset's movement log (records chunk·MOVE_CHUNK …). */
  moveChunk: (code: string, chunk: number) => `cfa/moves/${code}/${chunk}`,
  money: (account: string) => `cfa/money/${account}`,
  moneySupply: 'cfa/money-supply',
  /** Chunk `chunk` of the account's money log, once full (the open one is the money account's `recent`). */
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
