/**
 * The voting contract's state as the screens read it (the keys are the protocol's layout; the
 * shapes are data-plane/contracts/src/voting's, which the portal does not import), the ballots of the channel
 * (worked out from its committed createBallot calls), and the browser's own checks: an
 * independent recount from the published key and the stored votes, and a voter's receipt.
 */
import type { TxProofJson } from '@konsortium/client';
import { bytesEqual, fromHex, fromUtf8, openBallotBox, publicPointOf, scalarFromBytes, voteAad, votePseudonym, votingKeys } from '@konsortium/protocol';
import type { Ledger } from '../../app/ledger.js';
import { chainOps, provenJson } from '../data/chain.js';

export type BallotStatus = 'open' | 'closed' | 'counting' | 'tallied';
export type BallotWindow = { readonly opensAt: number; readonly closesAt: number } | { readonly openHeight: number; readonly closeHeight: number };

export interface At {
  readonly height: number;
  readonly timestamp: number;
  readonly txId: string;
}

export interface TallyProgress {
  readonly counts: readonly (readonly number[])[];
  readonly voters: number;
  readonly weightVoted: number;
  readonly spoiled: number;
}

export interface BallotResult extends TallyProgress {
  readonly eligibleVoters: number;
  readonly eligibleWeight: number;
  readonly quorumMet: boolean;
}

export interface Ballot {
  readonly id: string;
  readonly title: string;
  readonly questions: readonly { readonly text: string; readonly options: readonly string[] }[];
  readonly window: BallotWindow;
  readonly eligibility: { readonly source: 'members' } | { readonly source: 'cfaAsset'; readonly asset: string };
  readonly weights: 'equal' | 'holding';
  readonly quorum: { readonly minVoters: number; readonly minWeightBps: number };
  readonly revote: boolean;
  readonly key: { readonly publicKey: string; readonly threshold: number; readonly commitments: readonly string[]; readonly shares: readonly { readonly nodeId: number; readonly index: number; readonly sealed: string }[] };
  readonly creator: string;
  readonly createdAt: At;
  readonly snapshotHeight: number;
  readonly eligibleVoters: number;
  readonly eligibleWeight: number;
  readonly status: BallotStatus;
  readonly closedAt: At | null;
  readonly voteCount: number;
  readonly replaced: number;
  readonly revealedShares: number;
  readonly secret: string | null;
  readonly cursor: number;
  readonly progress: TallyProgress | null;
  readonly result: BallotResult | null;
  readonly talliedAt: At | null;
}

export interface StoredVote {
  readonly txId: string;
  readonly box: string;
  readonly height: number;
  readonly weight: number;
  readonly seq: number;
}

export interface RevealedVote {
  readonly answers: readonly number[] | null;
  readonly weight: number;
}

/** Where a ballot is, as a voter sees it: before its window, open, window over but not closed, closed (nodes revealing), counting, tallied. */
export type BallotPhase = 'scheduled' | 'open' | 'ended' | 'closed' | 'counting' | 'tallied';

export function phaseOf(b: Ballot, now: number, height: number): BallotPhase {
  if (b.status !== 'open') return b.status;
  const w = b.window;
  const [at, from, to] = 'opensAt' in w ? [now, w.opensAt, w.closesAt] : [height, w.openHeight, w.closeHeight];
  return at < from ? 'scheduled' : at < to ? 'open' : 'ended';
}

export const readBallot = (ledger: Ledger, id: string, signal?: AbortSignal) => provenJson<Ballot>(ledger, votingKeys.ballot(id), signal);

/** Every ballot of the channel, newest first. */
export async function listBallots(ledger: Ledger, signal?: AbortSignal): Promise<Ballot[]> {
  const ops = await chainOps(ledger);
  const ids = [...new Set(ops.filter((o) => o.contract === 'voting' && o.method === 'createBallot' && typeof o.args.id === 'string').map((o) => o.args.id as string))];
  const ballots = await Promise.all(ids.map((id) => readBallot(ledger, id, signal)));
  return ballots.filter((b): b is Ballot => b !== null).sort((a, b) => b.createdAt.height - a.createdAt.height);
}

export function pseudonymOf(channel: string, ballot: string, memberId: string): string {
  return votePseudonym(channel, ballot, memberId);
}

/** A member's weight in a ballot, or null when not eligible. */
export const eligibleWeight = (ledger: Ledger, ballot: string, member: string, signal?: AbortSignal) => provenJson<number>(ledger, votingKeys.elig(ballot, member), signal);

export const storedVote = (ledger: Ledger, ballot: string, pseudonym: string, signal?: AbortSignal) => provenJson<StoredVote>(ledger, votingKeys.vote(ballot, pseudonym), signal);

// --- Votes, recount ------------------------------------------------------------------------

export interface CountedVote {
  readonly seq: number;
  readonly pseudonym: string;
  readonly vote: StoredVote;
  readonly revealed: RevealedVote | null;
}

/** The counted votes in seq order (each read with a proof): pseudonym, stored box, what the tally revealed. */
export async function loadVotes(ledger: Ledger, b: Ballot, signal?: AbortSignal): Promise<CountedVote[]> {
  const seqs = Array.from({ length: b.voteCount }, (_x, i) => i);
  const out = await Promise.all(
    seqs.map(async (seq) => {
      const pseudonym = await provenJson<string>(ledger, votingKeys.seq(b.id, seq), signal);
      if (pseudonym === null) return null;
      const [vote, revealed] = await Promise.all([storedVote(ledger, b.id, pseudonym, signal), provenJson<RevealedVote>(ledger, votingKeys.revealed(b.id, pseudonym), signal)]);
      return vote === null ? null : { seq, pseudonym, vote, revealed };
    }),
  );
  return out.filter((v): v is CountedVote => v !== null);
}

/** A vote's answers from its plaintext `{"answers":[…]}`, or null when it is not a valid choice for the ballot. */
export function decodeAnswers(plaintext: Uint8Array, b: Pick<Ballot, 'questions'>): number[] | null {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(plaintext));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length !== 1) return null;
  const answers = (v as { answers?: unknown }).answers;
  if (!Array.isArray(answers) || answers.length !== b.questions.length) return null;
  const out: number[] = [];
  for (let q = 0; q < answers.length; q++) {
    const a: unknown = answers[q];
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= b.questions[q]!.options.length) return null;
    out.push(a);
  }
  return out;
}

/** Opens one ballot box with the ballot's secret: its answers, or null (spoiled). */
export function openBox(b: Pick<Ballot, 'id' | 'questions' | 'key'>, channel: string, secret: bigint, pseudonym: string, box: string): number[] | null {
  try {
    return decodeAnswers(openBallotBox(secret, fromHex(b.key.publicKey), fromHex(box), voteAad(channel, b.id, pseudonym)), b);
  } catch {
    return null;
  }
}

export interface Recount {
  /** The published secret is the ballot key's (x·B = X). */
  readonly keyMatches: boolean;
  readonly result: BallotResult;
  /** The recount equals the on-chain result. */
  readonly matchesTally: boolean;
  /** Votes whose revealed answers differ from what the browser opened. */
  readonly differing: readonly string[];
  readonly opened: ReadonlyMap<string, readonly number[] | null>;
}

/** Recounts a tallied ballot from its published secret and stored votes, independently of the contract's code. */
export function recount(b: Ballot, channel: string, votes: readonly CountedVote[]): Recount {
  if (b.secret === null) throw new Error(`ballot ${b.id} has no published key yet`);
  const secret = scalarFromBytes(fromHex(b.secret));
  const keyMatches = bytesEqual(publicPointOf(secret), fromHex(b.key.publicKey));
  const counts = b.questions.map((q) => q.options.map(() => 0));
  let voters = 0;
  let weightVoted = 0;
  let spoiled = 0;
  const opened = new Map<string, readonly number[] | null>();
  const differing: string[] = [];
  for (const v of [...votes].sort((x, y) => x.seq - y.seq)) {
    const answers = openBox(b, channel, secret, v.pseudonym, v.vote.box);
    opened.set(v.pseudonym, answers);
    voters++;
    weightVoted += v.vote.weight;
    if (answers === null) spoiled++;
    else answers.forEach((a, q) => (counts[q]![a]! += v.vote.weight));
    if (v.revealed !== null && JSON.stringify(v.revealed.answers) !== JSON.stringify(answers)) differing.push(v.pseudonym);
  }
  const quorumMet = voters >= b.quorum.minVoters && BigInt(weightVoted) * 10_000n >= BigInt(b.quorum.minWeightBps) * BigInt(b.eligibleWeight);
  const result: BallotResult = { counts, voters, weightVoted, spoiled, eligibleVoters: b.eligibleVoters, eligibleWeight: b.eligibleWeight, quorumMet };
  const matchesTally = b.result !== null && JSON.stringify(b.result.counts) === JSON.stringify(counts) && b.result.voters === voters && b.result.weightVoted === weightVoted && b.result.spoiled === spoiled && b.result.quorumMet === quorumMet;
  return { keyMatches, result, matchesTally, differing, opened };
}

// --- Receipts ------------------------------------------------------------------------------

export const RECEIPT_FORMAT = 'konsortium.vote-receipt';

/** What a voter keeps: its vote transaction, where it was proven to be, and what it voted. */
export interface Receipt {
  readonly format: typeof RECEIPT_FORMAT;
  readonly version: 1;
  readonly channel: string;
  readonly ballot: string;
  readonly title: string;
  readonly memberId: string;
  readonly pseudonym: string;
  readonly answers: readonly number[];
  readonly txId: string;
  readonly height: number;
  readonly index: number;
  readonly blockHash: string;
  /** The node's inclusion proof of the transaction (verify with the SDK's verifyTxInclusion). */
  readonly proof: TxProofJson;
  readonly castAt: string;
}

export function parseReceipt(bytes: Uint8Array): Receipt | null {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Receipt>;
    if (r.format !== RECEIPT_FORMAT || r.version !== 1 || typeof r.ballot !== 'string' || typeof r.txId !== 'string' || typeof r.pseudonym !== 'string' || !Array.isArray(r.answers)) return null;
    return r as Receipt;
  } catch {
    return null;
  }
}

export interface ReceiptCheck {
  /** The transaction's inclusion proof verifies and it committed. */
  readonly included: boolean;
  /** The vote counted under the pseudonym is this transaction (not replaced later). */
  readonly counted: boolean;
  /** The pseudonym is in the counted set (the seq index). */
  readonly inSet: boolean;
  /** The tally read it as the receipt says it was cast (null before the tally). */
  readonly readAs: boolean | null;
  readonly inclusionHeight: number | null;
}

/** Checks a receipt against the chain: inclusion proven with getVerifiedTx, counted, in the set, read as cast. */
export async function checkReceipt(ledger: Ledger, b: Ballot, r: Receipt, votes: readonly CountedVote[] | null, signal?: AbortSignal): Promise<ReceiptCheck> {
  let included = false;
  let inclusionHeight: number | null = null;
  try {
    const inc = await ledger.client.getVerifiedTx(ledger.channel, r.txId, { signal });
    included = inc.committed;
    inclusionHeight = inc.height;
  } catch {
    included = false;
  }
  const stored = await storedVote(ledger, b.id, r.pseudonym, signal);
  const counted = stored !== null && stored.txId === r.txId;
  const inSet = votes === null ? stored !== null : votes.some((v) => v.pseudonym === r.pseudonym);
  let readAs: boolean | null = null;
  if (b.status === 'tallied') {
    const revealed = await provenJson<RevealedVote>(ledger, votingKeys.revealed(b.id, r.pseudonym), signal);
    readAs = revealed !== null && JSON.stringify(revealed.answers) === JSON.stringify(r.answers);
  }
  return { included, counted, inSet, readAs, inclusionHeight };
}
