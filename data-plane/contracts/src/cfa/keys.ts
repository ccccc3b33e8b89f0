/**
 * Where the cfa contract keeps things. Each registry question is one key whose JSON value
 * answers it, so a node serves it with one state proof at any height:
 *
 *   cfa/assets                      string[]        codes of every filed asset, sorted
 *   cfa/asset/<code>                CfaAsset        decision, status, totals
 *   cfa/owners/<code>               Owners          { account: units } (non-zero, sorted)
 *   cfa/holdings/<account>          Holdings        { code: units } (non-zero, sorted)
 *   cfa/locked/<account>            LockedUnits     { code: units in open sell offers }
 *   cfa/moves/<code>                MoveLog         { count } of the asset's movement log
 *   cfa/moves/<code>/<seq>          AssetMove       one credit or debit of units, with its cause
 *   cfa/money/<account>             MoneyAccount    { balance, locked }
 *   cfa/money-supply                MoneySupply     { minted, burned }
 *   cfa/money-moves/<account>       MoveLog         { count } of the account's money log
 *   cfa/money-moves/<account>/<seq> MoneyMove       one credit or debit of money, with its cause
 *   cfa/application/<code>/<n>      Application     placement application `<code>/<n>`
 *   cfa/offers/<code>               OfferBook       { count, open ids }
 *   cfa/offer/<code>/<n>            Offer           offer `<code>/<n>`
 *   cfa/freeze/account/<account>    Freeze          present while the account is frozen
 *   cfa/freeze/asset/<code>         Freeze          present while the asset is frozen
 *   cfa/investor/<account>          InvestorProfile absent: non-qualified
 *   cfa/purchases/<account>/<year>  Purchases       money spent buying CFA in that UTC year
 *   cfa/settings                    CfaSettings     absent: DEFAULT_SETTINGS
 *   cfa/fee-totals                  FeeTotals       commission collected
 *   gov/fees                        FeeSchedule     (governance) the operator's fee schedule
 */
export const cfaKeys = {
  assets: 'cfa/assets',
  asset: (code: string) => `cfa/asset/${code}`,
  owners: (code: string) => `cfa/owners/${code}`,
  holdings: (account: string) => `cfa/holdings/${account}`,
  locked: (account: string) => `cfa/locked/${account}`,
  moves: (code: string) => `cfa/moves/${code}`,
  move: (code: string, seq: number) => `cfa/moves/${code}/${seq}`,
  money: (account: string) => `cfa/money/${account}`,
  moneySupply: 'cfa/money-supply',
  moneyMoves: (account: string) => `cfa/money-moves/${account}`,
  moneyMove: (account: string, seq: number) => `cfa/money-moves/${account}/${seq}`,
  /** id is `<code>/<n>` */
  application: (id: string) => `cfa/application/${id}`,
  offers: (code: string) => `cfa/offers/${code}`,
  /** id is `<code>/<n>` */
  offer: (id: string) => `cfa/offer/${id}`,
  accountFreeze: (account: string) => `cfa/freeze/account/${account}`,
  assetFreeze: (code: string) => `cfa/freeze/asset/${code}`,
  investor: (account: string) => `cfa/investor/${account}`,
  purchases: (account: string, year: number) => `cfa/purchases/${account}/${year}`,
  settings: 'cfa/settings',
  feeTotals: 'cfa/fee-totals',
  /** The fee schedule lives in governance. */
  fees: 'gov/fees',
} as const;
