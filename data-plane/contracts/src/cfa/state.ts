/** Reading and writing the cfa state: assets, accounts, freezes, settings. */
import type { ContractContext, StateReader } from '@konsortium/ledger';
import { K as GOV, type Member } from '../governance/model.js';
import { cfaKeys as K } from './keys.js';
import { type CfaAsset, type CfaSettings, DEFAULT_SETTINGS, type Freeze } from './model.js';
import { fail } from './util.js';

export function findAsset(state: StateReader, code: string): CfaAsset | undefined {
  return state.getJson<CfaAsset>(K.asset(code));
}

export function getAsset(state: StateReader, code: string): CfaAsset {
  const a = findAsset(state, code);
  if (a === undefined) fail('ASSET_NOT_FOUND', `no asset "${code}"`);
  return a;
}

export function putAsset(ctx: ContractContext, a: CfaAsset): void {
  ctx.putJson(K.asset(a.code), a);
}

/** Accounts are governance members. */
export function requireAccount(state: StateReader, id: string): void {
  if (state.getJson<Member>(GOV.member(id)) === undefined) fail('ACCOUNT_NOT_FOUND', `no member account "${id}"`);
}

/** Refuses with NOT_REGISTERED while the issue decision is not registered (filed or rejected). */
export function requireRegistered(a: CfaAsset): void {
  if (a.status === 'filed' || a.status === 'rejected') fail('NOT_REGISTERED', `asset ${a.code} is not registered (${a.status})`);
}

/** Trading, gifts and offers: the asset is placed and has not matured. */
export function requireTradable(ctx: ContractContext, a: CfaAsset): void {
  requireRegistered(a);
  if (ctx.timestamp >= a.decision.maturityDate) fail('AFTER_MATURITY', `asset ${a.code} matured at ${a.decision.maturityDate}`);
  if (a.status !== 'placed') fail('INVALID_STATE', `asset ${a.code} is ${a.status}, not placed`);
}

export function requireIssuerOrOperator(ctx: ContractContext, a: CfaAsset): void {
  if (ctx.sender.memberId !== a.issuer && !ctx.sender.roles.includes('operator')) {
    fail('FORBIDDEN', `only the issuer of ${a.code} (${a.issuer}) or an operator may do this`);
  }
}

export function accountFreeze(state: StateReader, account: string): Freeze | undefined {
  return state.getJson<Freeze>(K.accountFreeze(account));
}

export function assetFreeze(state: StateReader, code: string): Freeze | undefined {
  return state.getJson<Freeze>(K.assetFreeze(code));
}

/** FROZEN, with the reason, if the asset or any of the accounts is frozen. */
export function requireNotFrozen(state: StateReader, accounts: readonly string[], asset?: string): void {
  if (asset !== undefined) {
    const f = assetFreeze(state, asset);
    if (f !== undefined) fail('FROZEN', `asset ${asset} is frozen: ${f.reason}`);
  }
  for (const acc of accounts) {
    const f = accountFreeze(state, acc);
    if (f !== undefined) fail('FROZEN', `account ${acc} is frozen: ${f.reason}`);
  }
}

export function settingsOf(state: StateReader): CfaSettings {
  return state.getJson<CfaSettings>(K.settings) ?? DEFAULT_SETTINGS;
}
