/**
 * The data contract's state as the screens read it (the keys are the protocol's layout; the
 * shapes are data-plane/contracts/src/data's, which the portal does not import), and the lists the state has
 * no index for, worked out from the channel's committed calls: the records a member owns, the
 * ones granted to it (directly, through a role, or through a collection), a record's grants.
 */
import { type DataGrantee, dataGranteeKey, dataKeys, type DataGrantScope, dataScopeKey } from '@konsortium/protocol';
import type { Ledger } from '../../app/ledger.js';
import { chainOps, type IndexedOp, memberOf, memberOfKey, provenJson } from './chain.js';
import type { ChainVersion } from './crypto.js';

export interface DataRecord {
  readonly id: string;
  readonly owner: string;
  readonly collection: string | null;
  readonly versions: number;
  readonly createdAt: number;
  readonly createdHeight: number;
}

export type GrantScope = DataGrantScope;
export type Grantee = DataGrantee;

export interface Grant {
  readonly scope: GrantScope;
  readonly grantee: Grantee;
  readonly grantedBy: string;
  readonly grantedAt: number;
  readonly expiresAt: number | null;
}

export interface Release {
  readonly seq: number;
  readonly version: number;
  readonly node: number;
  readonly requester: string;
  readonly requestId: string;
  readonly authorised: boolean;
  readonly height: number;
  readonly timestamp: number;
  readonly txId: string;
}

/** Governance roles a grant may name. */
export const ROLES = ['admin', 'operator', 'issuer', 'investor', 'auditor', 'member'] as const;

export function grantActive(g: Grant, now: number): boolean {
  return g.expiresAt === null || g.expiresAt > now;
}

export const readRecord = (ledger: Ledger, id: string, signal?: AbortSignal) => provenJson<DataRecord>(ledger, dataKeys.record(id), signal);
export const readVersion = (ledger: Ledger, id: string, v: number, signal?: AbortSignal) => provenJson<ChainVersion>(ledger, dataKeys.version(id, v), signal);

interface Put {
  readonly record: string;
  readonly collection: string | null;
  readonly sender: string;
  readonly height: number;
}

function puts(ops: readonly IndexedOp[]): Put[] {
  return ops
    .filter((o) => o.contract === 'data' && o.method === 'putRecord' && typeof o.args.record === 'string')
    .map((o) => ({ record: o.args.record as string, collection: typeof o.args.collection === 'string' ? o.args.collection : null, sender: o.sender, height: o.height }));
}

function granteeOf(v: unknown): Grantee | null {
  const g = v as { member?: unknown; role?: unknown } | null;
  if (g !== null && typeof g === 'object' && typeof g.member === 'string') return { member: g.member };
  if (g !== null && typeof g === 'object' && typeof g.role === 'string') return { role: g.role };
  return null;
}

/** A grant or revoke call as recorded: its scope as named (collection owner is the sender's member), grantee, block. */
export interface GrantCall {
  readonly method: 'grant' | 'revoke';
  readonly record: string | null;
  readonly collection: string | null;
  readonly sender: string;
  readonly grantee: Grantee;
  readonly height: number;
  readonly timestamp: number;
}

export function grantCalls(ops: readonly IndexedOp[]): GrantCall[] {
  const out: GrantCall[] = [];
  for (const o of ops) {
    if (o.contract !== 'data' || (o.method !== 'grant' && o.method !== 'revoke')) continue;
    const grantee = granteeOf(o.args.grantee);
    if (grantee === null) continue;
    out.push({
      method: o.method,
      record: typeof o.args.record === 'string' ? o.args.record : null,
      collection: typeof o.args.collection === 'string' ? o.args.collection : null,
      sender: o.sender,
      grantee,
      height: o.height,
      timestamp: o.timestamp,
    });
  }
  return out;
}

export interface Me {
  readonly memberId: string;
  readonly roles: readonly string[];
}

export interface RecordRow {
  readonly record: DataRecord;
  readonly latest: ChainVersion | null;
  /** For records shared with me: the grant that lets me read (the best one). */
  readonly grant: (Grant & { readonly active: boolean }) | null;
}

async function owners(ledger: Ledger, senders: Iterable<string>): Promise<Map<string, string | null>> {
  const list = [...new Set(senders)];
  const members = await Promise.all(list.map((s) => memberOfKey(ledger, s)));
  return new Map(list.map((s, i) => [s, members[i]!]));
}

async function row(ledger: Ledger, id: string, grant: RecordRow['grant'], signal?: AbortSignal): Promise<RecordRow | null> {
  const record = await readRecord(ledger, id, signal);
  if (record === null) return null;
  const latest = await readVersion(ledger, id, record.versions, signal);
  return { record, latest, grant };
}

/** The grants in force (or expired, not revoked) that give `me` access to `record`. */
export async function myGrants(ledger: Ledger, record: Pick<DataRecord, 'id' | 'owner' | 'collection'>, me: Me, signal?: AbortSignal): Promise<Grant[]> {
  const scopes: GrantScope[] = [{ record: record.id }, ...(record.collection === null ? [] : [{ collection: record.collection, owner: record.owner }])];
  const grantees: Grantee[] = [{ member: me.memberId }, ...me.roles.map((role) => ({ role }))];
  const keys = scopes.flatMap((s) => grantees.map((g) => dataKeys.grant(s, g)));
  const found = await Promise.all(keys.map((k) => provenJson<Grant>(ledger, k, signal)));
  return found.filter((g): g is Grant => g !== null);
}

/** My records and the records shared with me (grants in force or expired; revoked ones are gone). */
export async function listRecords(ledger: Ledger, me: Me, signal?: AbortSignal): Promise<{ readonly mine: RecordRow[]; readonly shared: RecordRow[] }> {
  const ops = await chainOps(ledger);
  const created = puts(ops);
  const calls = grantCalls(ops).filter((c) => c.method === 'grant' && ('member' in c.grantee ? c.grantee.member === me.memberId : me.roles.includes(c.grantee.role)));
  const who = await owners(ledger, [...created.map((p) => p.sender), ...calls.filter((c) => c.collection !== null).map((c) => c.sender)]);
  const mineIds = created.filter((p) => who.get(p.sender) === me.memberId).map((p) => p.record);
  const sharedIds = new Set<string>();
  for (const c of calls) {
    if (c.record !== null) sharedIds.add(c.record);
    else {
      const owner = who.get(c.sender);
      for (const p of created) if (p.collection === c.collection && who.get(p.sender) === owner) sharedIds.add(p.record);
    }
  }
  for (const id of mineIds) sharedIds.delete(id);
  const now = Date.now();
  const mine = (await Promise.all([...new Set(mineIds)].map((id) => row(ledger, id, null, signal)))).filter((r): r is RecordRow => r !== null);
  const shared = (
    await Promise.all(
      [...sharedIds].map(async (id) => {
        const record = await readRecord(ledger, id, signal);
        if (record === null || record.owner === me.memberId) return null;
        const grants = await myGrants(ledger, record, me, signal);
        if (grants.length === 0) return null;
        const best = grants.find((g) => grantActive(g, now)) ?? grants[0]!;
        return row(ledger, id, { ...best, active: grantActive(best, now) }, signal);
      }),
    )
  ).filter((r): r is RecordRow => r !== null);
  const byNewest = (a: RecordRow, b: RecordRow) => (b.latest?.height ?? b.record.createdHeight) - (a.latest?.height ?? a.record.createdHeight);
  return { mine: mine.sort(byNewest), shared: shared.sort(byNewest) };
}

/** The grants of a record in force now or expired (its own and its collection's), for its owner. */
export async function recordGrants(ledger: Ledger, record: DataRecord, signal?: AbortSignal): Promise<{ readonly grants: Grant[]; readonly lastRevoke: number | null }> {
  const ops = await chainOps(ledger);
  const calls = grantCalls(ops).filter((c) => c.record === record.id || (c.record === null && c.collection !== null && c.collection === record.collection));
  const seen = new Map<string, { scope: GrantScope; grantee: Grantee }>();
  let lastRevoke: number | null = null;
  for (const c of calls) {
    const scope: GrantScope = c.record !== null ? { record: c.record } : { collection: c.collection!, owner: record.owner };
    seen.set(`${dataScopeKey(scope)}/${dataGranteeKey(c.grantee)}`, { scope, grantee: c.grantee });
    if (c.method === 'revoke') lastRevoke = Math.max(lastRevoke ?? 0, c.height);
  }
  const found = await Promise.all([...seen.values()].map((x) => provenJson<Grant>(ledger, dataKeys.grant(x.scope, x.grantee), signal)));
  return { grants: found.filter((g): g is Grant => g !== null), lastRevoke };
}

/** The access log of a record: the newest `limit` releases, newest first. */
export async function accessLog(ledger: Ledger, id: string, limit = 200, signal?: AbortSignal): Promise<{ readonly count: number; readonly entries: Release[] }> {
  const count = (await provenJson<number>(ledger, dataKeys.logCount(id), signal)) ?? 0;
  const seqs: number[] = [];
  for (let s = count - 1; s >= 0 && seqs.length < limit; s--) seqs.push(s);
  const entries = await Promise.all(seqs.map((s) => provenJson<Release>(ledger, dataKeys.log(id, s), signal)));
  return { count, entries: entries.filter((e): e is Release => e !== null) };
}

/** My member's roles on chain (for role grants). */
export async function myRoles(ledger: Ledger, memberId: string, signal?: AbortSignal): Promise<readonly string[]> {
  return (await memberOf(ledger, memberId, signal))?.roles ?? [];
}
