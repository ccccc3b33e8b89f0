/**
 * A channel's Raft membership through a node's admin API (`/v1/channels/:ch/admin`): the
 * status of its Raft group, and the leader-only changes — add a learner, promote it, remove a
 * member. What a deployment tool (the Kubernetes operator, the control plane) needs to make
 * membership follow the nodes it runs. A change sent to a follower is refused with NOT_LEADER;
 * `RaftStatus.leaderId` says where to send it. The node checks the caller's bearer token (an
 * admin role) when it runs with JWT checks.
 */
import { KonsortiumResponseError } from './errors.js';
import type { HttpTransport, RequestOptions } from './http.js';
import { asObject } from './read.js';

export type RaftRole = 'leader' | 'follower' | 'candidate' | 'precandidate';

export interface RaftMember {
  readonly id: number;
  readonly raftAddr: string;
  readonly httpAddr: string;
  readonly role: 'voter' | 'learner';
  /** The leader's view of the member's replicated log index (on the leader only). */
  readonly match?: number;
}

export interface RaftStatus {
  /** The node that answered. */
  readonly id: number;
  readonly role: RaftRole;
  /** 0 while no leader is known. */
  readonly leaderId: number;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly members: readonly RaftMember[];
}

/** A member to add: its id and the addresses the others reach it at (host:port). */
export interface NewMember {
  readonly id: number;
  readonly raftAddr: string;
  readonly httpAddr: string;
}

const ROLES: readonly RaftRole[] = ['leader', 'follower', 'candidate', 'precandidate'];

function bad(what: string, why: string): never {
  throw new KonsortiumResponseError(`unexpected response for ${what}: ${why}`);
}

function uint(o: Record<string, unknown>, k: string, what: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(what, `"${k}" is not a non-negative integer`);
  return v;
}

function text(o: Record<string, unknown>, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') bad(what, `"${k}" is not a string`);
  return v;
}

export function readRaftMember(v: unknown, what = 'raft member'): RaftMember {
  const o = asObject(v, what);
  const role = o.role;
  if (role !== 'voter' && role !== 'learner') bad(what, `unknown role ${JSON.stringify(role)}`);
  const m: RaftMember = { id: uint(o, 'id', what), raftAddr: text(o, 'raftAddr', what), httpAddr: text(o, 'httpAddr', what), role: role as RaftMember['role'] };
  return o.match === undefined ? m : { ...m, match: uint(o, 'match', what) };
}

export function readRaftStatus(v: unknown): RaftStatus {
  const what = 'raft status';
  const o = asObject(v, what);
  const role = o.role as RaftRole;
  if (!ROLES.includes(role)) bad(what, `unknown role ${JSON.stringify(o.role)}`);
  if (!Array.isArray(o.members)) bad(what, '"members" is not an array');
  return {
    id: uint(o, 'id', what),
    role,
    leaderId: uint(o, 'leaderId', what),
    term: uint(o, 'term', what),
    commitIndex: uint(o, 'commitIndex', what),
    appliedIndex: uint(o, 'appliedIndex', what),
    lastIndex: uint(o, 'lastIndex', what),
    members: o.members.map((m) => readRaftMember(m)),
  };
}

function adminPath(channel: string, rest: string): string {
  return `/v1/channels/${encodeURIComponent(channel)}/admin${rest}`;
}

function checkId(id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) throw new RangeError(`a node id is a positive integer, got ${id}`);
}

export async function raftStatus(http: HttpTransport, channel: string, o: RequestOptions): Promise<RaftStatus> {
  return readRaftStatus((await http.json('GET', adminPath(channel, '/status'), o)).body);
}

/**
 * Adds a learner (leader only). Not retried on a lost answer: a retry would find the member
 * added (MEMBER_EXISTS), which the caller treats as done.
 */
export async function addLearner(http: HttpTransport, channel: string, m: NewMember, o: RequestOptions): Promise<RaftMember> {
  checkId(m.id);
  return readRaftMember((await http.json('POST', adminPath(channel, '/members'), { ...o, retries: 0, body: m })).body, 'added member');
}

/** Promotes a caught-up learner to voter (leader only); NOT_CAUGHT_UP while it lags. */
export async function promoteLearner(http: HttpTransport, channel: string, id: number, o: RequestOptions): Promise<RaftMember> {
  checkId(id);
  return readRaftMember((await http.json('POST', adminPath(channel, `/members/${id}/promote`), { ...o, retries: 0 })).body, 'promoted member');
}

/** Removes a member (leader only); MEMBER_NOT_FOUND when it is not one. */
export async function removeMember(http: HttpTransport, channel: string, id: number, o: RequestOptions): Promise<void> {
  checkId(id);
  const body = asObject((await http.json('DELETE', adminPath(channel, `/members/${id}`), { ...o, retries: 0 })).body, 'removed member');
  if (body.removed !== true || body.id !== id) bad('removed member', `expected {id: ${id}, removed: true}`);
}
