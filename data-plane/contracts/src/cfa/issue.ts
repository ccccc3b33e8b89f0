/**
 * Issue decisions: an issuer files one (решение о выпуске), the operator registers or rejects
 * it. Nothing of an asset can be applied for, placed or traded before registration.
 */
import type { Static } from '@sinclair/typebox';
import type { ContractContext } from '@konsortium/ledger';
import { chargeFee } from './fees.js';
import { cfaKeys as K } from './keys.js';
import type { CFA_METHODS } from './methods.js';
import type { CfaAsset, IssueDecision } from './model.js';
import { findAsset, getAsset, putAsset, requireNotFrozen } from './state.js';
import { fail, mul, requireRole, stampOf } from './util.js';

type FileIssueArgs = Static<(typeof CFA_METHODS)['fileIssue']>;

export function fileIssue(ctx: ContractContext, a: FileIssueArgs): void {
  requireRole(ctx, 'issuer');
  const issuer = ctx.sender.memberId;
  if (findAsset(ctx, a.code) !== undefined) fail('ASSET_EXISTS', `asset ${a.code} exists`);
  if (!(a.placementStart < a.placementEnd)) fail('INVALID_ARGS', 'placementStart must be before placementEnd');
  if (!(a.placementEnd <= a.maturityDate)) fail('INVALID_ARGS', 'placementEnd must not be after maturityDate');
  if (a.placementEnd <= ctx.timestamp) fail('INVALID_ARGS', `the placement window ends (${a.placementEnd}) before the block time ${ctx.timestamp}`);
  const early = a.earlyRedemption ?? null;
  if (early !== null) {
    if (early.from < a.placementEnd || early.from >= a.maturityDate) fail('INVALID_ARGS', 'earlyRedemption.from must be in [placementEnd, maturityDate)');
    if (!early.byIssuer && !early.byHolder) fail('INVALID_ARGS', 'earlyRedemption must allow the issuer or the holders to redeem');
    mul(a.volume, early.price, 'volume × early redemption price');
  }
  // Every money amount the asset can involve (the whole volume at any of its prices) stays safe.
  mul(a.volume, a.placementPrice, 'volume × placement price');
  mul(a.volume, a.redemptionPrice, 'volume × redemption price');
  const nominalValue = mul(a.volume, a.nominal, 'volume × nominal');
  requireNotFrozen(ctx, [issuer]);
  const decision: IssueDecision = {
    code: a.code,
    name: a.name,
    volume: a.volume,
    nominal: a.nominal,
    placementPrice: a.placementPrice,
    placementStart: a.placementStart,
    placementEnd: a.placementEnd,
    maturityDate: a.maturityDate,
    redemptionPrice: a.redemptionPrice,
    earlyRedemption: early,
    rights: a.rights,
  };
  const asset: CfaAsset = {
    code: a.code,
    issuer,
    decision,
    status: 'filed',
    filed: stampOf(ctx),
    registered: null,
    rejected: null,
    placementClosed: null,
    closed: null,
    applications: 0,
    requested: 0,
    issued: 0,
    redeemed: 0,
    proceeds: 0,
  };
  putAsset(ctx, asset);
  const codes = ctx.getJson<string[]>(K.assets) ?? [];
  ctx.putJson(K.assets, [...codes, a.code].sort());
  chargeFee(ctx, 'issue', issuer, nominalValue, { asset: a.code, ref: null });
}

export function registerIssue(ctx: ContractContext, a: { asset: string }): void {
  requireRole(ctx, 'operator');
  const asset = getAsset(ctx, a.asset);
  if (asset.status !== 'filed') fail('INVALID_STATE', `asset ${a.asset} is ${asset.status}, not filed`);
  if (ctx.timestamp >= asset.decision.placementEnd) fail('OUTSIDE_WINDOW', `the placement window of ${a.asset} has already ended`);
  putAsset(ctx, { ...asset, status: 'registered', registered: stampOf(ctx) });
}

export function rejectIssue(ctx: ContractContext, a: { asset: string; reason: string }): void {
  requireRole(ctx, 'operator');
  const asset = getAsset(ctx, a.asset);
  if (asset.status !== 'filed') fail('INVALID_STATE', `asset ${a.asset} is ${asset.status}, not filed`);
  putAsset(ctx, { ...asset, status: 'rejected', rejected: { ...stampOf(ctx), reason: a.reason } });
}
