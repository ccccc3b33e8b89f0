/**
 * The plaintext of a vote and the count: pure functions shared by the contract's tally and by
 * `recount`, so anyone holding the published secret and the stored votes gets the same result.
 */
import { fromHex, fromUtf8, openBallotBox, PrivacyError, ProtocolError, utf8 } from '@konsortium/protocol';
import { type Ballot, type BallotResult, type TallyProgress, voteAad } from './model.js';

/** A vote's plaintext: JSON `{"answers":[i0, i1, ...]}`, one option index per question. */
export function encodeChoice(answers: readonly number[]): Uint8Array {
  return utf8(JSON.stringify({ answers: [...answers] }));
}

/** The answers of a vote's plaintext, or null if it is not a valid choice for this ballot. */
export function decodeChoice(plaintext: Uint8Array, ballot: Pick<Ballot, 'questions'>): number[] | null {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(plaintext));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== 'answers') return null;
  const answers = (v as { answers: unknown }).answers;
  if (!Array.isArray(answers) || answers.length !== ballot.questions.length) return null;
  const out: number[] = [];
  for (let q = 0; q < answers.length; q++) {
    const a: unknown = answers[q];
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= ballot.questions[q]!.options.length) return null;
    out.push(a);
  }
  return out;
}

/** Opens one vote with the ballot secret: its answers, or null (spoiled: undecryptable or not a valid choice). */
export function openVote(ballot: Pick<Ballot, 'id' | 'questions' | 'key'>, channel: string, secret: bigint, pseudonym: string, box: string | Uint8Array): number[] | null {
  let plaintext: Uint8Array;
  try {
    const bytes = typeof box === 'string' ? fromHex(box) : box;
    plaintext = openBallotBox(secret, fromHex(ballot.key.publicKey), bytes, voteAad(channel, ballot.id, pseudonym));
  } catch (err) {
    if (err instanceof PrivacyError || err instanceof ProtocolError) return null;
    throw err;
  }
  return decodeChoice(plaintext, ballot);
}

export function emptyProgress(ballot: Pick<Ballot, 'questions'>): TallyProgress {
  return { counts: ballot.questions.map((q) => q.options.map(() => 0)), voters: 0, weightVoted: 0, spoiled: 0 };
}

/** Adds one opened vote (null: spoiled) of this weight to the running sums. */
export function addVote(p: TallyProgress, answers: readonly number[] | null, weight: number): TallyProgress {
  const counts = answers === null ? p.counts : p.counts.map((row, q) => row.map((c, o) => (o === answers[q] ? c + weight : c)));
  return { counts, voters: p.voters + 1, weightVoted: p.weightVoted + weight, spoiled: p.spoiled + (answers === null ? 1 : 0) };
}

/** The final result: the sums, the electorate and whether the quorum was met (spoiled votes count as turnout). */
export function resultOf(ballot: Pick<Ballot, 'quorum' | 'eligibleVoters' | 'eligibleWeight'>, p: TallyProgress): BallotResult {
  const byWeight = BigInt(p.weightVoted) * 10_000n >= BigInt(ballot.quorum.minWeightBps) * BigInt(ballot.eligibleWeight);
  return {
    counts: p.counts,
    voters: p.voters,
    weightVoted: p.weightVoted,
    spoiled: p.spoiled,
    eligibleVoters: ballot.eligibleVoters,
    eligibleWeight: ballot.eligibleWeight,
    quorumMet: p.voters >= ballot.quorum.minVoters && byWeight,
  };
}

export interface VoteToCount {
  readonly pseudonym: string;
  /** The ballot box (hex as stored, or bytes). */
  readonly box: string | Uint8Array;
  readonly weight: number;
}

/**
 * Recounts a ballot from its published data: the ballot record, its stored votes
 * (`voting/vote/<ballot>/<pseudonym>` for each pseudonym of the seq index) and the revealed
 * secret. Returns exactly the result the contract stored.
 */
export function recount(ballot: Pick<Ballot, 'id' | 'questions' | 'key' | 'quorum' | 'eligibleVoters' | 'eligibleWeight'>, votes: readonly VoteToCount[], secret: bigint, channel: string): BallotResult {
  let p = emptyProgress(ballot);
  for (const v of votes) p = addVote(p, openVote(ballot, channel, secret, v.pseudonym, v.box), v.weight);
  return resultOf(ballot, p);
}
