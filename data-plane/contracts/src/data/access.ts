/**
 * Who may read a record version: a pure function of the state, used by the contract (to log
 * whether a key release was authorised) and by the nodes' key-release endpoint (to decide it).
 */
import type { StateReader } from '@konsortium/ledger';
import { K as GOV, type Member } from '../governance/model.js';
import { dataKeys } from './keys.js';
import type { DataRecord, Grant, Grantee, GrantScope, Reader } from './model.js';

export type AccessDeniedCode = 'RECORD_NOT_FOUND' | 'VERSION_NOT_FOUND' | 'NOT_GRANTED' | 'GRANT_EXPIRED';
export type Access = { readonly ok: true } | { readonly ok: false; readonly code: AccessDeniedCode; readonly message: string };

const deny = (code: AccessDeniedCode, message: string): Access => ({ ok: false, code, message });

/** Is a grant in force at block time `now`? (expiresAt is the first instant it no longer is.) */
export function grantActive(g: Grant, now: number): boolean {
  return g.expiresAt === null || g.expiresAt > now;
}

/** The grants that could give `reader` access to `record`: on the record or its collection, to the member or one of its roles. */
export function grantsFor(state: StateReader, record: DataRecord, reader: Reader): Grant[] {
  const scopes: GrantScope[] = [{ record: record.id }];
  if (record.collection !== null) scopes.push({ collection: record.collection, owner: record.owner });
  const grantees: Grantee[] = [{ member: reader.memberId }, ...reader.roles.map((role) => ({ role }))];
  const out: Grant[] = [];
  for (const s of scopes) {
    for (const g of grantees) {
      const grant = state.getJson<Grant>(dataKeys.grant(s, g));
      if (grant !== undefined) out.push(grant);
    }
  }
  return out;
}

/**
 * May `reader` read version `version` of `recordId` at block time `now` (the latest block's
 * timestamp)? The owner always may; anyone else needs a grant in force on the record or on its
 * collection, to the member itself or to one of its roles. Revoked grants no longer exist.
 * Whether the member is suspended is not considered here (see `releaseAccess`).
 */
export function readAccess(state: StateReader, recordId: string, version: number, reader: Reader, now: number): Access {
  const record = state.getJson<DataRecord>(dataKeys.record(recordId));
  if (record === undefined) return deny('RECORD_NOT_FOUND', `no record "${recordId}"`);
  if (!Number.isSafeInteger(version) || version < 1 || version > record.versions) {
    return deny('VERSION_NOT_FOUND', `record "${recordId}" has versions 1..${record.versions}, not ${version}`);
  }
  if (reader.memberId === record.owner) return { ok: true };
  const grants = grantsFor(state, record, reader);
  if (grants.some((g) => grantActive(g, now))) return { ok: true };
  if (grants.length > 0) return deny('GRANT_EXPIRED', `the grants of ${reader.memberId} on record "${recordId}" expired`);
  return deny('NOT_GRANTED', `${reader.memberId} has no grant on record "${recordId}"`);
}

/** A member as a reader (its governance roles) and whether it is active; undefined: no such member. */
export function readerOf(state: StateReader, memberId: string): (Reader & { readonly active: boolean }) | undefined {
  const m = state.getJson<Member>(GOV.member(memberId));
  return m === undefined ? undefined : { memberId: m.id, roles: m.roles, active: m.active };
}

export type ReleaseDeniedCode = AccessDeniedCode | 'MEMBER_NOT_FOUND' | 'MEMBER_SUSPENDED';
export type ReleaseAccess = { readonly ok: true } | { readonly ok: false; readonly code: ReleaseDeniedCode; readonly message: string };

/**
 * May a node release its share of a version to member `memberId` at block time `now`? The member
 * exists and is active (governance), and readAccess allows it with its governance roles. This is
 * what the contract records as a release's `authorised`.
 */
export function releaseAccess(state: StateReader, recordId: string, version: number, memberId: string, now: number): ReleaseAccess {
  const reader = readerOf(state, memberId);
  if (reader === undefined) return { ok: false, code: 'MEMBER_NOT_FOUND', message: `no member "${memberId}"` };
  if (!reader.active) return { ok: false, code: 'MEMBER_SUSPENDED', message: `member ${memberId} is suspended` };
  return readAccess(state, recordId, version, reader, now);
}
