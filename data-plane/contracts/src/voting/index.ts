/** The voting contract and what a node, a voter's client or an auditor needs to use and check it. */
export { VOTING_CONTRACT, votingContract } from './contract.js';
export { votingKeys } from './keys.js';
export { BallotId, VOTING_METHODS, type VotingMethod } from './methods.js';
export { addVote, decodeChoice, emptyProgress, encodeChoice, openVote, recount, resultOf, type VoteToCount } from './count.js';
export * from './model.js';
