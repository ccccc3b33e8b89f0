/** createBallot: the ballot's definition, its key as dealt to the nodes, and the eligibility snapshot. */
import type { Static } from '@sinclair/typebox';
import type { ContractContext } from '@konsortium/ledger';
import { decodePoint, fromHex } from '@konsortium/protocol';
import { cfaKeys } from '../cfa/keys.js';
import { ownersOf } from '../cfa/holdings.js';
import type { CfaAsset } from '../cfa/model.js';
import { checkDealing } from '../dealing.js';
import { K as GOV, type Member } from '../governance/model.js';
import { votingKeys as K } from './keys.js';
import type { VOTING_METHODS } from './methods.js';
import { type Ballot, type BallotKey, type BallotWindow, type Eligibility, VOTING_LIMITS } from './model.js';
import { atOf, fail, putBallot } from './state.js';

type CreateArgs = Static<(typeof VOTING_METHODS)['createBallot']>;

function findAsset(ctx: ContractContext, code: string): CfaAsset {
  const a = ctx.getJson<CfaAsset>(cfaKeys.asset(code));
  if (a === undefined) fail('ASSET_NOT_FOUND', `no asset "${code}"`);
  return a;
}

/** Admins and operators; for a ballot of an asset's holders, also that asset's issuer. */
function authorize(ctx: ContractContext, a: CreateArgs): void {
  const roles = ctx.sender.roles;
  if (roles.includes('admin') || roles.includes('operator')) return;
  if ('cfaAsset' in a.eligibility && findAsset(ctx, a.eligibility.cfaAsset).issuer === ctx.sender.memberId) return;
  fail('FORBIDDEN', `member ${ctx.sender.memberId} may not create this ballot (admin, operator or the asset's issuer)`);
}

function checkWindow(ctx: ContractContext, w: BallotWindow): void {
  const [from, to, now, what] = 'opensAt' in w ? [w.opensAt, w.closesAt, ctx.timestamp, 'time'] : [w.openHeight, w.closeHeight, ctx.height, 'height'];
  if (from >= to) fail('INVALID_ARGS', `the window must open before it closes (${from} ≥ ${to})`);
  if (to <= now) fail('INVALID_ARGS', `the window has already ended (block ${what} ${now} ≥ ${to})`);
}

/** Checks the key like a dealing: one share per node with a seal key, indices 1..n, 1 ≤ t ≤ n, C_0 = X. */
function checkKey(ctx: ContractContext, key: CreateArgs['key']): BallotKey {
  const shares = checkDealing(ctx, key.threshold, key.shares);
  if (key.commitments.length !== key.threshold) fail('INVALID_KEY', `${key.commitments.length} commitments for threshold ${key.threshold}`);
  for (const c of [key.publicKey, ...key.commitments]) {
    let identity: boolean;
    try {
      identity = decodePoint(fromHex(c)).is0();
    } catch {
      fail('INVALID_KEY', `${c} is not a canonical ristretto255 element`);
    }
    if (identity) fail('INVALID_KEY', 'the identity element is not a key or commitment');
  }
  if (key.commitments[0] !== key.publicKey) fail('INVALID_KEY', 'the first commitment must be the ballot public key');
  return { publicKey: key.publicKey, threshold: key.threshold, commitments: [...key.commitments], shares };
}

/** The eligible members and their weights at this block. */
function snapshot(ctx: ContractContext, a: CreateArgs): { eligibility: Eligibility; voters: [string, number][] } {
  if ('members' in a.eligibility) {
    for (const id of a.eligibility.members) {
      const m = ctx.getJson<Member>(GOV.member(id));
      if (m === undefined) fail('MEMBER_NOT_FOUND', `no member "${id}"`);
      if (!m.active) fail('MEMBER_SUSPENDED', `member "${id}" is suspended`);
    }
    return { eligibility: { source: 'members' }, voters: a.eligibility.members.map((id) => [id, 1]) };
  }
  const code = a.eligibility.cfaAsset;
  findAsset(ctx, code);
  const owners = ownersOf(ctx, code);
  const voters = Object.entries(owners)
    .filter(([, units]) => units > 0)
    .map(([id, units]): [string, number] => [id, a.weights === 'holding' ? units : 1]);
  return { eligibility: { source: 'cfaAsset', asset: code }, voters };
}

export function createBallot(ctx: ContractContext, a: CreateArgs): void {
  authorize(ctx, a);
  if (ctx.get(K.ballot(a.id)) !== undefined) fail('BALLOT_EXISTS', `ballot "${a.id}" exists`);
  checkWindow(ctx, a.window);
  if (a.weights === 'holding' && !('cfaAsset' in a.eligibility)) fail('INVALID_ARGS', 'holding weights need cfaAsset eligibility');
  const key = checkKey(ctx, a.key);
  const { eligibility, voters } = snapshot(ctx, a);
  if (voters.length === 0) fail('NO_ELIGIBLE_VOTERS', 'nobody is eligible');
  if (voters.length > VOTING_LIMITS.maxVoters) fail('TOO_MANY_VOTERS', `${voters.length} eligible voters, at most ${VOTING_LIMITS.maxVoters}`);
  voters.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  let eligibleWeight = 0;
  for (const [id, weight] of voters) {
    ctx.putJson(K.elig(a.id, id), weight);
    eligibleWeight += weight;
  }
  ctx.putJson(
    K.voters(a.id),
    voters.map(([id]) => id),
  );
  const ballot: Ballot = {
    id: a.id,
    title: a.title,
    questions: a.questions.map((q) => ({ text: q.text, options: [...q.options] })),
    window: 'opensAt' in a.window ? { opensAt: a.window.opensAt, closesAt: a.window.closesAt } : { openHeight: a.window.openHeight, closeHeight: a.window.closeHeight },
    eligibility,
    weights: a.weights,
    quorum: { minVoters: a.quorum.minVoters ?? 0, minWeightBps: a.quorum.minWeightBps ?? 0 },
    revote: a.revote,
    key,
    creator: ctx.sender.memberId,
    createdAt: atOf(ctx),
    snapshotHeight: ctx.height,
    eligibleVoters: voters.length,
    eligibleWeight,
    status: 'open',
    closedAt: null,
    voteCount: 0,
    replaced: 0,
    revealedShares: 0,
    secret: null,
    cursor: 0,
    progress: null,
    result: null,
    talliedAt: null,
  };
  putBallot(ctx, ballot);
}
