/**
 * The voting contract: verifiable e-voting. Votes are encrypted to a ballot key whose private
 * scalar is threshold-shared among the channel's nodes and released only after the ballot is
 * closed; the contract then rebuilds the key, opens and tallies every vote on chain, and
 * publishes the key and each opened vote so anyone can recount (`recount`).
 * README.md ("voting") lists the methods, who may call them, their error codes and the state.
 */
import type { Contract } from '@konsortium/ledger';
import { argsChecker, dispatcher, type HandlersOf } from '../schema.js';
import { createBallot } from './create.js';
import { VOTING_METHODS as M } from './methods.js';
import { revealShare, tally } from './reveal.js';
import { close, vote } from './vote.js';

const handlers: HandlersOf<typeof M> = { createBallot, vote, close, revealShare, tally };

export const VOTING_CONTRACT = 'voting';

export function votingContract(): Contract {
  const check = argsChecker(VOTING_CONTRACT, M);
  return {
    name: VOTING_CONTRACT,
    check,
    execute: dispatcher(VOTING_CONTRACT, handlers),
  };
}
