/**
 * The voting contract's stored values (JSON under `voting/`, see keys.ts), its limits, error
 * codes, and the byte strings that bind encryption to a ballot (share sealing context, vote AAD).
 *
 * A ballot's votes are encrypted to a ballot key X = x·B (ristretto255). The creator's client
 * deals x among the channel's nodes (Shamir t-of-n with Feldman commitments, each share sealed
 * to a node's X25519 seal key); the nodes release their shares only after the ballot is closed,
 * the contract rebuilds x, opens every vote and tallies on chain, and publishes x and every
 * opened vote so anyone can recount.
 */

/** Work bounds. */
export const VOTING_LIMITS = {
  /** Eligible voters of one ballot (the snapshot is written in the creating transaction). */
  maxVoters: 5000,
  /** Votes opened by one tally transaction (openBallotBox costs ~2 ms). */
  tallyBatch: 64,
  /** Largest encrypted vote, bytes. */
  maxBoxBytes: 4096,
  maxQuestions: 20,
  minOptions: 2,
  maxOptions: 50,
} as const;

export const VOTING_ERROR_CODES = [
  'INVALID_ARGS',
  'FORBIDDEN',
  'BALLOT_EXISTS',
  'BALLOT_NOT_FOUND',
  'ASSET_NOT_FOUND',
  'MEMBER_NOT_FOUND',
  'MEMBER_SUSPENDED',
  'NO_ELIGIBLE_VOTERS',
  'TOO_MANY_VOTERS',
  'NO_SEAL_KEYS',
  'SHARES_MISMATCH',
  'INVALID_THRESHOLD',
  'INVALID_KEY',
  'NOT_ELIGIBLE',
  'FORGED_PSEUDONYM',
  'BALLOT_NOT_OPEN',
  'BALLOT_CLOSED',
  'ALREADY_VOTED',
  'TOO_EARLY',
  'ALREADY_CLOSED',
  'NOT_A_SHAREHOLDER',
  'NOT_CLOSED',
  'SECRET_ALREADY_REVEALED',
  'SHARE_ALREADY_REVEALED',
  'INVALID_SHARE',
  'NOT_COUNTING',
] as const;
export type VotingErrorCode = (typeof VOTING_ERROR_CODES)[number];

/** open → closed (close tx, after the window) → counting (t shares revealed) → tallied (last tally tx). */
export type BallotStatus = 'open' | 'closed' | 'counting' | 'tallied';

export interface Question {
  readonly text: string;
  readonly options: readonly string[];
}

/** Voting is open in [opensAt, closesAt) of block time (ms), or [openHeight, closeHeight) of block height. */
export type BallotWindow = { readonly opensAt: number; readonly closesAt: number } | { readonly openHeight: number; readonly closeHeight: number };

/** Who may vote: listed members, or the holders of a CFA asset at the creating block. */
export type Eligibility = { readonly source: 'members' } | { readonly source: 'cfaAsset'; readonly asset: string };

export interface Quorum {
  /** Voters (spoiled votes included) needed; 0: none. */
  readonly minVoters: number;
  /** Share of the eligible weight that must have voted (spoiled votes included), basis points. */
  readonly minWeightBps: number;
}

export interface SealedShare {
  readonly nodeId: number;
  /** The share's Shamir index (1..n). */
  readonly index: number;
  /** sealTo(node's sealKey, 32-byte share, ballotShareContext(channel, ballot, nodeId)), hex. */
  readonly sealed: string;
}

/** The ballot key as dealt by the creator: X = x·B, commitments C_0..C_{t-1} (C_0 = X), sealed shares. */
export interface BallotKey {
  readonly publicKey: string;
  readonly threshold: number;
  readonly commitments: readonly string[];
  readonly shares: readonly SealedShare[];
}

export interface At {
  readonly height: number;
  readonly timestamp: number;
  readonly txId: string;
}

/** Running sums of a tally (weighted counts per question and option). */
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
  readonly questions: readonly Question[];
  readonly window: BallotWindow;
  readonly eligibility: Eligibility;
  readonly weights: 'equal' | 'holding';
  readonly quorum: Quorum;
  /** true: a later vote of the same voter replaces the earlier one until the ballot closes. */
  readonly revote: boolean;
  readonly key: BallotKey;
  readonly creator: string;
  readonly createdAt: At;
  /** The height whose state the eligibility and weights were taken from (the creating block). */
  readonly snapshotHeight: number;
  readonly eligibleVoters: number;
  readonly eligibleWeight: number;
  readonly status: BallotStatus;
  readonly closedAt: At | null;
  /** Distinct voters (= entries of the seq index). */
  readonly voteCount: number;
  /** Votes that replaced an earlier vote of the same voter. */
  readonly replaced: number;
  readonly revealedShares: number;
  /** The ballot's private scalar x, 32 bytes little-endian hex, once t shares are revealed. */
  readonly secret: string | null;
  /** Votes tallied so far (seq order). */
  readonly cursor: number;
  readonly progress: TallyProgress | null;
  readonly result: BallotResult | null;
  readonly talliedAt: At | null;
}

/** voting/vote/<ballot>/<pseudonym>: the vote that counts (the latest one, if revotes are allowed). */
export interface StoredVote {
  readonly txId: string;
  /** The ballot box, hex: sealToBallot(publicKey, encodeChoice(answers), voteAad(...)). */
  readonly box: string;
  readonly height: number;
  readonly weight: number;
  /** Position in the seq index (of the voter's first vote). */
  readonly seq: number;
}

/** voting/share/<ballot>/<nodeId>: a node's released share (verified against the commitments). */
export interface RevealedShare {
  readonly nodeId: number;
  readonly index: number;
  readonly share: string;
  readonly txId: string;
  readonly height: number;
}

/** voting/revealed/<ballot>/<pseudonym>: what the vote said; null: spoiled. */
export interface RevealedVote {
  readonly answers: readonly number[] | null;
  readonly weight: number;
}

// The contexts are the protocol's, shared with the client and the node.
export { ballotShareContext, voteAad } from '@konsortium/protocol';
