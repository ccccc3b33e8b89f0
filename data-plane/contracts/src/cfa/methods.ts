/** The cfa contract's methods and their argument schemas (checked before ordering: INVALID_ARGS). */
import { Type } from '@sinclair/typebox';
import { MemberId } from '../governance/methods.js';

/** Asset codes: upper-case letters, digits and dashes, starting with a letter (2..32 chars). */
export const AssetCode = Type.String({ pattern: '^[A-Z][A-Z0-9-]{1,31}$' });
/** Application and offer ids: `<code>/<n>`. */
export const ItemId = Type.String({ pattern: '^[A-Z][A-Z0-9-]{1,31}/(0|[1-9][0-9]{0,8})$' });
const Account = MemberId;
/** Whole units, ≥ 1, a safe integer. */
const Units = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** Minor units, a safe integer. */
const Money = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Price = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** ms since the epoch. */
const Time = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Strict = { additionalProperties: false } as const;

export const EarlyRedemptionSchema = Type.Object({ from: Time, price: Price, byIssuer: Type.Boolean(), byHolder: Type.Boolean() }, Strict);

export const CFA_METHODS = {
  // issue decisions
  fileIssue: Type.Object(
    {
      code: AssetCode,
      name: Text(200),
      volume: Units,
      nominal: Price,
      placementPrice: Price,
      placementStart: Time,
      placementEnd: Time,
      maturityDate: Time,
      redemptionPrice: Price,
      earlyRedemption: Type.Optional(EarlyRedemptionSchema),
      rights: Text(4000),
    },
    Strict,
  ),
  registerIssue: Type.Object({ asset: AssetCode }, Strict),
  rejectIssue: Type.Object({ asset: AssetCode, reason: Text(1000) }, Strict),
  // primary placement
  apply: Type.Object({ asset: AssetCode, quantity: Units }, Strict),
  withdrawApplication: Type.Object({ application: ItemId }, Strict),
  closePlacement: Type.Object({ asset: AssetCode }, Strict),
  // settlement token
  mint: Type.Object({ account: Account, amount: Price, ref: Text(200) }, Strict),
  burn: Type.Object({ account: Account, amount: Price, ref: Text(200) }, Strict),
  // secondary market
  offerSell: Type.Object({ asset: AssetCode, quantity: Units, price: Price, counterparty: Type.Optional(Account) }, Strict),
  offerBuy: Type.Object({ asset: AssetCode, quantity: Units, price: Price, counterparty: Type.Optional(Account) }, Strict),
  acceptOffer: Type.Object({ offer: ItemId, quantity: Type.Optional(Units) }, Strict),
  cancelOffer: Type.Object({ offer: ItemId }, Strict),
  gift: Type.Object({ asset: AssetCode, to: Account, quantity: Units, note: Type.Optional(Text(1000)) }, Strict),
  inherit: Type.Object({ asset: AssetCode, from: Account, to: Account, quantity: Units, basis: Text(1000) }, Strict),
  // redemption
  redeem: Type.Object({ asset: AssetCode }, Strict),
  redeemEarly: Type.Object({ asset: AssetCode, holder: Type.Optional(Account), quantity: Units }, Strict),
  // controls
  freeze: Type.Object({ account: Type.Optional(Account), asset: Type.Optional(AssetCode), reason: Text(1000) }, Strict),
  unfreeze: Type.Object({ account: Type.Optional(Account), asset: Type.Optional(AssetCode) }, Strict),
  setInvestorCategory: Type.Object({ account: Account, category: Type.Union([Type.Literal('qualified'), Type.Literal('non-qualified')]) }, Strict),
  setLimits: Type.Object({ nonQualifiedYearlyLimit: Money }, Strict),
} as const;

export type CfaMethod = keyof typeof CFA_METHODS;
