/** Granting and revoking read access: on one record (its owner) or on one of the sender's collections. */
import type { Static } from '@sinclair/typebox';
import type { ContractContext } from '@konsortium/ledger';
import { K as GOV, NODE_ROLE } from '../governance/model.js';
import { fail } from './errors.js';
import { dataKeys } from './keys.js';
import type { DATA_METHODS } from './methods.js';
import type { Grant, Grantee, GrantScope } from './model.js';
import { getRecord } from './versions.js';

type Args<N extends keyof typeof DATA_METHODS> = Static<(typeof DATA_METHODS)[N]>;

/** grant / revoke name exactly one of record and collection (INVALID_ARGS). */
export function requireOneScope(method: string, a: { readonly record?: string; readonly collection?: string }): void {
  if ((a.record === undefined) === (a.collection === undefined)) fail('INVALID_ARGS', `data.${method}: give exactly one of record and collection`);
}

/** The scope the sender acts on: a record it owns, or its own collection. */
function scopeOf(ctx: ContractContext, method: string, a: { readonly record?: string; readonly collection?: string }): GrantScope {
  requireOneScope(method, a);
  if (a.record !== undefined) {
    const r = getRecord(ctx, a.record);
    if (r.owner !== ctx.sender.memberId) fail('FORBIDDEN', `only the owner of record "${r.id}" (${r.owner}) manages its grants`);
    return { record: r.id };
  }
  if (ctx.sender.roles.includes(NODE_ROLE)) fail('FORBIDDEN', `${ctx.sender.memberId} is a node; nodes have no collections`);
  return { collection: a.collection!, owner: ctx.sender.memberId };
}

function granteeOf(g: Args<'grant'>['grantee']): Grantee {
  return 'member' in g ? { member: g.member } : { role: g.role };
}

export function grant(ctx: ContractContext, a: Args<'grant'>): void {
  const scope = scopeOf(ctx, 'grant', a);
  const grantee = granteeOf(a.grantee);
  if ('member' in grantee && ctx.get(GOV.member(grantee.member)) === undefined) fail('MEMBER_NOT_FOUND', `no member "${grantee.member}"`);
  if (a.expiresAt !== undefined && a.expiresAt <= ctx.timestamp) {
    fail('INVALID_ARGS', `data.grant: expiresAt ${a.expiresAt} is not after the block time ${ctx.timestamp}`);
  }
  // Granting again replaces the grant (a new expiry, or none).
  ctx.putJson(dataKeys.grant(scope, grantee), {
    scope,
    grantee,
    grantedBy: ctx.sender.memberId,
    grantedAt: ctx.timestamp,
    expiresAt: a.expiresAt ?? null,
  } satisfies Grant);
}

export function revoke(ctx: ContractContext, a: Args<'revoke'>): void {
  const scope = scopeOf(ctx, 'revoke', a);
  const key = dataKeys.grant(scope, granteeOf(a.grantee));
  if (ctx.get(key) === undefined) fail('GRANT_NOT_FOUND', `no such grant (${key.slice('data/grant/'.length)})`);
  ctx.delete(key);
}
