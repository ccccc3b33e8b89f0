/** revealShare and tally: the nodes release their key shares after close; the ballot key is rebuilt and the votes opened in batches. */
import type { Static } from '@sinclair/typebox';
import type { ContractContext } from '@konsortium/ledger';
import { combineShares, fromHex, publicPointOf, scalarFromBytes, scalarToBytes, toHex, verifyShare } from '@konsortium/protocol';
import { addVote, emptyProgress, openVote, resultOf } from './count.js';
import { votingKeys as K } from './keys.js';
import type { VOTING_METHODS } from './methods.js';
import { type Ballot, type RevealedShare, type RevealedVote, type StoredVote, VOTING_LIMITS } from './model.js';
import { senderNodeId } from '../governance/model.js';
import { atOf, fail, getBallot, invariant, putBallot, setPending } from './state.js';

type Args<N extends keyof typeof VOTING_METHODS> = Static<(typeof VOTING_METHODS)[N]>;

/** Rebuilds x from the revealed shares (all verified against the commitments) and checks x·B = X. */
function rebuildSecret(ctx: ContractContext, b: Ballot): string {
  const shares = b.key.shares
    .map((s) => ctx.getJson<RevealedShare>(K.share(b.id, s.nodeId)))
    .filter((s): s is RevealedShare => s !== undefined)
    .map((s) => ({ index: s.index, value: fromHex(s.share) }));
  const x = combineShares(shares, b.key.threshold);
  invariant(x !== 0n && toHex(publicPointOf(x)) === b.key.publicKey, `the shares of ballot ${b.id} rebuild its key`);
  return toHex(scalarToBytes(x));
}

/** A node releases its share of the ballot key; node transactions only, after close. */
export function revealShare(ctx: ContractContext, a: Args<'revealShare'>): void {
  const nodeId = senderNodeId(ctx.sender);
  if (nodeId === null) fail('FORBIDDEN', 'only a node reveals a key share (a transaction signed with its block-signing key)');
  const b = getBallot(ctx, a.ballot);
  const held = b.key.shares.find((s) => s.nodeId === nodeId);
  if (held === undefined) fail('NOT_A_SHAREHOLDER', `node ${nodeId} holds no share of ballot ${b.id}`);
  if (b.status === 'open') fail('NOT_CLOSED', `ballot ${b.id} is not closed`);
  if (b.secret !== null) fail('SECRET_ALREADY_REVEALED', `the key of ballot ${b.id} is already rebuilt`);
  if (ctx.get(K.share(b.id, nodeId)) !== undefined) fail('SHARE_ALREADY_REVEALED', `node ${nodeId} already revealed its share of ${b.id}`);
  const share = { index: held.index, value: fromHex(a.share) };
  if (!verifyShare(share, b.key.commitments.map((c) => fromHex(c)))) fail('INVALID_SHARE', `not node ${nodeId}'s share of ballot ${b.id}`);
  ctx.putJson(K.share(b.id, nodeId), { nodeId, index: held.index, share: a.share, txId: ctx.txId, height: ctx.height } satisfies RevealedShare);
  const revealed = b.revealedShares + 1;
  if (revealed < b.key.threshold) {
    putBallot(ctx, { ...b, revealedShares: revealed });
    return;
  }
  putBallot(ctx, { ...b, revealedShares: revealed, secret: rebuildSecret(ctx, b), status: 'counting', progress: emptyProgress(b) });
}

/** Anyone, while counting: opens the next ≤ tallyBatch votes in seq order; the last batch stores the result. */
export function tally(ctx: ContractContext, a: Args<'tally'>): void {
  const b = getBallot(ctx, a.ballot);
  if (b.status !== 'counting' || b.secret === null) fail('NOT_COUNTING', `ballot ${b.id} is ${b.status}, not counting`);
  const secret = scalarFromBytes(fromHex(b.secret));
  let p = b.progress ?? emptyProgress(b);
  const end = Math.min(b.voteCount, b.cursor + VOTING_LIMITS.tallyBatch);
  for (let n = b.cursor; n < end; n++) {
    const pseudonym = ctx.getJson<string>(K.seq(b.id, n));
    invariant(pseudonym !== undefined, `seq ${n} of ballot ${b.id} exists`);
    const v = ctx.getJson<StoredVote>(K.vote(b.id, pseudonym));
    invariant(v !== undefined, `the vote of ${pseudonym} exists`);
    const answers = openVote(b, ctx.channel, secret, pseudonym, v.box);
    ctx.putJson(K.revealed(b.id, pseudonym), { answers, weight: v.weight } satisfies RevealedVote);
    p = addVote(p, answers, v.weight);
  }
  if (end < b.voteCount) {
    putBallot(ctx, { ...b, cursor: end, progress: p });
    return;
  }
  putBallot(ctx, { ...b, cursor: end, progress: null, status: 'tallied', result: resultOf(b, p), talliedAt: atOf(ctx) });
  setPending(ctx, b.id, false);
}
