/** vote and close: casting encrypted votes during the window, and closing the ballot after it. */
import type { Static } from '@sinclair/typebox';
import type { ContractContext } from '@konsortium/ledger';
import { votePseudonym } from '@konsortium/protocol';
import { votingKeys as K } from './keys.js';
import type { VOTING_METHODS } from './methods.js';
import type { StoredVote } from './model.js';
import { atOf, fail, getBallot, putBallot, setPending, windowState } from './state.js';

type Args<N extends keyof typeof VOTING_METHODS> = Static<(typeof VOTING_METHODS)[N]>;

export function vote(ctx: ContractContext, a: Args<'vote'>): void {
  const b = getBallot(ctx, a.ballot);
  const weight = ctx.getJson<number>(K.elig(b.id, ctx.sender.memberId));
  if (weight === undefined) fail('NOT_ELIGIBLE', `${ctx.sender.memberId} is not eligible in ballot ${b.id}`);
  if (a.pseudonym !== votePseudonym(ctx.channel, b.id, ctx.sender.memberId)) fail('FORGED_PSEUDONYM', 'the pseudonym is not the sender\'s in this ballot');
  const when = windowState(ctx, b);
  if (when === 'before') fail('BALLOT_NOT_OPEN', `ballot ${b.id} is not open yet`);
  if (when === 'ended' || b.status !== 'open') fail('BALLOT_CLOSED', `ballot ${b.id} is closed`);
  const earlier = ctx.getJson<StoredVote>(K.vote(b.id, a.pseudonym));
  if (earlier !== undefined && !b.revote) fail('ALREADY_VOTED', `this voter has voted in ballot ${b.id} (no revotes)`);
  const seq = earlier?.seq ?? b.voteCount;
  ctx.putJson(K.vote(b.id, a.pseudonym), { txId: ctx.txId, box: a.box, height: ctx.height, weight, seq } satisfies StoredVote);
  if (earlier === undefined) {
    ctx.putJson(K.seq(b.id, seq), a.pseudonym);
    putBallot(ctx, { ...b, voteCount: b.voteCount + 1 });
  } else {
    putBallot(ctx, { ...b, replaced: b.replaced + 1 });
  }
}

/** Anyone, once the window has ended: no more votes; the nodes (polling voting/pending) release their shares. */
export function close(ctx: ContractContext, a: Args<'close'>): void {
  const b = getBallot(ctx, a.ballot);
  if (b.status !== 'open') fail('ALREADY_CLOSED', `ballot ${b.id} is ${b.status}`);
  if (windowState(ctx, b) !== 'ended') fail('TOO_EARLY', `the window of ballot ${b.id} has not ended`);
  putBallot(ctx, { ...b, status: 'closed', closedAt: atOf(ctx) });
  setPending(ctx, b.id, true);
}
