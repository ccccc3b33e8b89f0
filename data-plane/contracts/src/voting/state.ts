/** Small helpers of the voting contract: coded errors, reading and writing ballots, stamps, the pending list. */
import { type ContractContext, ContractError, type StateReader } from '@konsortium/ledger';
import { votingKeys as K } from './keys.js';
import type { At, Ballot, VotingErrorCode } from './model.js';

export function fail(code: VotingErrorCode, message: string): never {
  throw new ContractError(code, message);
}

/** A bug, never a user error: the transaction fails with CONTRACT_FAILED. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`voting invariant violated: ${message}`);
}

export function getBallot(state: StateReader, id: string): Ballot {
  const b = state.getJson<Ballot>(K.ballot(id));
  if (b === undefined) fail('BALLOT_NOT_FOUND', `no ballot "${id}"`);
  return b;
}

export function putBallot(ctx: ContractContext, b: Ballot): void {
  ctx.putJson(K.ballot(b.id), b);
}

export function atOf(ctx: ContractContext): At {
  return { height: ctx.height, timestamp: ctx.timestamp, txId: ctx.txId };
}

/** Has the voting window begun / ended at this block? */
export function windowState(ctx: ContractContext, b: Ballot): 'before' | 'open' | 'ended' {
  const w = b.window;
  const [now, from, to] = 'opensAt' in w ? [ctx.timestamp, w.opensAt, w.closesAt] : [ctx.height, w.openHeight, w.closeHeight];
  return now < from ? 'before' : now < to ? 'open' : 'ended';
}

/** Adds or removes a ballot id in voting/pending (kept sorted; absent when empty). */
export function setPending(ctx: ContractContext, id: string, pending: boolean): void {
  const list = (ctx.getJson<string[]>(K.pending) ?? []).filter((x) => x !== id);
  if (pending) list.push(id);
  list.sort();
  if (list.length === 0) ctx.delete(K.pending);
  else ctx.putJson(K.pending, list);
}
