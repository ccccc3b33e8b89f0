/**
 * E-voting on the client: dealing a ballot key to the channel's nodes, and casting a vote.
 *
 * The ballot's organiser deals: a random scalar x, its public key X = x·B, and t-of-n shares of
 * x sealed to the nodes' seal keys with public Feldman commitments. `dealBallotKey` returns
 * only public material; x is not kept anywhere (the nodes reveal their shares on chain after the
 * close transaction, and then anyone can rebuild x and recount).
 *
 * A vote is a box sealed to X (ECIES on ristretto255) whose associated data binds it to the
 * ballot and the voter's pseudonym H(channel, ballot, member); the ledger derives the same
 * pseudonym from the transaction's sender, so nobody can vote under another's pseudonym.
 */
import {
  ballotShareContext,
  checkThreshold,
  fromHex,
  publicPointOf,
  randomScalar,
  sealTo,
  sealToBallot,
  splitSecret,
  toHex,
  utf8,
  voteAad,
  votePseudonym,
} from '@konsortium/protocol';
import { majority, type SealNode } from './data.js';

export interface BallotKeyArgs {
  readonly publicKey: string;
  readonly threshold: number;
  readonly commitments: readonly string[];
  readonly shares: readonly { readonly nodeId: number; readonly index: number; readonly sealed: string }[];
}

export function dealBallotKey(o: { readonly channel: string; readonly ballot: string; readonly nodes: readonly SealNode[]; readonly threshold?: number }): BallotKeyArgs {
  const nodes = [...o.nodes].sort((a, b) => a.nodeId - b.nodeId);
  const t = o.threshold ?? majority(nodes.length);
  checkThreshold(t, nodes.length);
  const x = randomScalar();
  const { shares, commitments } = splitSecret(x, t, nodes.length);
  return {
    publicKey: toHex(publicPointOf(x)),
    threshold: t,
    commitments: commitments.map(toHex),
    shares: nodes.map((n, i) => ({ nodeId: n.nodeId, index: shares[i]!.index, sealed: toHex(sealTo(fromHex(n.sealKey), shares[i]!.value, ballotShareContext(o.channel, o.ballot, n.nodeId))) })),
  };
}

/** The `voting.vote` arguments for `memberId`'s answers (one option index per question). */
export function buildVote(o: {
  readonly channel: string;
  readonly ballot: string;
  /** The ballot's public key (hex), from its on-chain record. */
  readonly ballotKey: string;
  readonly memberId: string;
  readonly answers: readonly number[];
}): { ballot: string; pseudonym: string; box: string } {
  const pseudonym = votePseudonym(o.channel, o.ballot, o.memberId);
  const box = sealToBallot(fromHex(o.ballotKey), utf8(JSON.stringify({ answers: o.answers })), voteAad(o.channel, o.ballot, pseudonym));
  return { ballot: o.ballot, pseudonym, box: toHex(box) };
}
