/**
 * What the projection needs to know of the cfa contract, re-declared here because the control
 * plane may not import `@konsortium/contracts` (it reaches nodes only through the client and
 * HTTP; see .dependency-cruiser.cjs). Each item names its source. `test/e2e/projection.test.ts`
 * compares these with the contract package, so a change there fails that test rather than
 * silently skewing the projection.
 */

/** data-plane/contracts/src/cfa/contract.ts: CFA_CONTRACT */
export const CFA_CONTRACT = 'cfa';

/** data-plane/contracts/src/cfa/methods.ts: the keys of CFA_METHODS. */
export const CFA_METHOD_NAMES = [
  'fileIssue',
  'registerIssue',
  'rejectIssue',
  'apply',
  'withdrawApplication',
  'closePlacement',
  'mint',
  'burn',
  'offerSell',
  'offerBuy',
  'acceptOffer',
  'cancelOffer',
  'gift',
  'inherit',
  'redeem',
  'redeemEarly',
  'freeze',
  'unfreeze',
  'setInvestorCategory',
  'setLimits',
] as const;
export type CfaMethodName = (typeof CFA_METHOD_NAMES)[number];

export function isCfaMethod(m: string): m is CfaMethodName {
  return (CFA_METHOD_NAMES as readonly string[]).includes(m);
}

/**
 * The fee schedule (the operator's CFA commission) is governance state, set by
 * `governance.setFees {collector, rules}` (data-plane/contracts/src/governance/methods.ts). It
 * belongs in the CFA register, so its transactions are projected like cfa ones: an operator
 * submits it as an operation, and the follower and the audit account for it. It moves no money.
 */
export const FEES_CONTRACT = 'governance';
export const SET_FEES_METHOD = 'setFees';
/** governance/methods.ts: FeeScheduleSchema's required fields. */
export const SET_FEES_REQUIRED_ARGS: readonly string[] = ['collector', 'rules'];

/** Whether a transaction operation belongs to the projection: any cfa call, and governance.setFees. */
export function isProjectedOperation(contract: string, method: string): boolean {
  return contract === CFA_CONTRACT || (contract === FEES_CONTRACT && method === SET_FEES_METHOD);
}

/**
 * Methods that can change what an account owns (units of an asset, money balance). The others
 * only file, lock, unlock or configure: locks are not projected (an owner keeps what it locked,
 * see model.ts), so they leave CfaBalance alone. A method not listed in CFA_METHOD_NAMES (a newer
 * contract) is treated as changing both, which is safe, just slower.
 */
const CHANGES_UNITS: ReadonlySet<string> = new Set(['closePlacement', 'acceptOffer', 'gift', 'inherit', 'redeem', 'redeemEarly']);
const CHANGES_MONEY: ReadonlySet<string> = new Set(['fileIssue', 'closePlacement', 'mint', 'burn', 'acceptOffer', 'gift', 'inherit', 'redeem', 'redeemEarly']);

export function changesUnits(method: string): boolean {
  return CHANGES_UNITS.has(method) || !isCfaMethod(method);
}

export function changesMoney(method: string): boolean {
  return CHANGES_MONEY.has(method) || !isCfaMethod(method);
}

/** data-plane/contracts/src/cfa/keys.ts: OWNER_BUCKETS, the buckets of each asset's owners registry. */
export const OWNER_BUCKETS = 16;

/** data-plane/contracts/src/cfa/keys.ts: cfaKeys (the entries the projection reads). */
export const cfaStateKeys = {
  assets: 'cfa/assets',
  asset: (code: string) => `cfa/asset/${code}`,
  ownerBucket: (code: string, bucket: number) => `cfa/owners/${code}/${bucket}`,
  holdings: (account: string) => `cfa/holdings/${account}`,
  money: (account: string) => `cfa/money/${account}`,
  moneySupply: 'cfa/money-supply',
  offer: (id: string) => `cfa/offer/${id}`,
  application: (id: string) => `cfa/application/${id}`,
  fees: 'gov/fees',
} as const;

/** data-plane/contracts/src/governance/model.ts: K.key — a signing key's member, `{ member }`. */
export const govKeyOf = (publicKeyHex: string): string => `gov/key/${publicKeyHex}`;

/** The stored shapes read (data-plane/contracts/src/cfa/model.ts, governance/model.ts), only the fields used. */
export interface ChainAsset {
  readonly code: string;
  readonly issuer: string;
}
/** An asset's owners (cfa/owners/<code>/<bucket>, merged): account → units (non-zero only). */
export type ChainOwners = Readonly<Record<string, number>>;
/** cfa/money/<account>: absent means a zero balance. */
export interface ChainMoney {
  readonly balance: number;
  readonly locked: number;
}
export interface ChainMoneySupply {
  readonly minted: number;
  readonly burned: number;
}
export interface ChainOffer {
  readonly id: string;
  readonly asset: string;
  readonly maker: string;
}
export interface ChainApplication {
  readonly id: string;
  readonly asset: string;
  readonly investor: string;
}
export interface ChainFeeSchedule {
  readonly collector: string | null;
}
export interface ChainKeyEntry {
  readonly member: string;
}

/** The CfaBalance asset name of the settlement token. Asset codes are upper-case, so it cannot clash. */
export const MONEY_ASSET = 'money';

/** methods.ts: AssetCode and ItemId (`<code>/<n>`). */
const ASSET_CODE = /^[A-Z][A-Z0-9-]{1,31}$/;
const ITEM_ID = /^([A-Z][A-Z0-9-]{1,31})\/(0|[1-9][0-9]{0,8})$/;
/** governance/methods.ts: MemberId (accounts are governance members). */
const MEMBER_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function isAssetCode(s: unknown): s is string {
  return typeof s === 'string' && ASSET_CODE.test(s);
}

export function isAccountId(s: unknown): s is string {
  return typeof s === 'string' && MEMBER_ID.test(s);
}

/** The asset of an application or offer id `<code>/<n>`, or null. */
export function assetOfItem(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const m = ITEM_ID.exec(id);
  return m === null ? null : m[1]!;
}

/** What one cfa operation names in its arguments: assets, accounts, offers. */
export interface NamedInArgs {
  readonly assets: readonly string[];
  readonly accounts: readonly string[];
  readonly offers: readonly string[];
}

/**
 * The assets, accounts and offers an operation's arguments name (methods.ts: `asset`, `code`,
 * `offer`, `application`; `account`, `to`, `from`, `holder`, `counterparty`). Values that do
 * not look like ids are ignored: the contract refused such a transaction anyway.
 */
export function namedInArgs(args: unknown): NamedInArgs {
  const assets = new Set<string>();
  const accounts = new Set<string>();
  const offers = new Set<string>();
  if (typeof args === 'object' && args !== null && !Array.isArray(args)) {
    const a = args as Record<string, unknown>;
    for (const k of ['asset', 'code']) if (isAssetCode(a[k])) assets.add(a[k]);
    for (const k of ['offer', 'application']) {
      const code = assetOfItem(a[k]);
      if (code !== null) assets.add(code);
    }
    if (assetOfItem(a['offer']) !== null) offers.add(a['offer'] as string);
    for (const k of ['account', 'to', 'from', 'holder', 'counterparty']) if (isAccountId(a[k])) accounts.add(a[k]);
  }
  return { assets: [...assets], accounts: [...accounts], offers: [...offers] };
}

/** Required argument names per method (methods.ts), for a cheap local shape check before signing. */
export const CFA_REQUIRED_ARGS: Readonly<Record<CfaMethodName, readonly string[]>> = {
  fileIssue: ['code', 'name', 'volume', 'nominal', 'placementPrice', 'placementStart', 'placementEnd', 'maturityDate', 'redemptionPrice', 'rights'],
  registerIssue: ['asset'],
  rejectIssue: ['asset', 'reason'],
  apply: ['asset', 'quantity'],
  withdrawApplication: ['application'],
  closePlacement: ['asset'],
  mint: ['account', 'amount', 'ref'],
  burn: ['account', 'amount', 'ref'],
  offerSell: ['asset', 'quantity', 'price'],
  offerBuy: ['asset', 'quantity', 'price'],
  acceptOffer: ['offer'],
  cancelOffer: ['offer'],
  gift: ['asset', 'to', 'quantity'],
  inherit: ['asset', 'from', 'to', 'quantity', 'basis'],
  redeem: ['asset'],
  redeemEarly: ['asset', 'quantity'],
  freeze: ['reason'],
  unfreeze: [],
  setInvestorCategory: ['account', 'category'],
  setLimits: ['nonQualifiedYearlyLimit'],
};
