/**
 * @konsortium/client — the isomorphic SDK (Node 20 and browsers) of a Konsortium ledger node:
 * build and sign transactions, submit them, follow their status and the block stream, and
 * verify what a node serves (transaction and state proofs, chains of blocks) without trusting it.
 */
export { type NewMember, type RaftMember, type RaftRole, type RaftStatus, readRaftMember, readRaftStatus } from './admin.js';
export { KonsortiumClient, type CallOptions, type KonsortiumClientOptions, type VerifiedStateOptions, type VerifiedTxOptions } from './client.js';
export { Signer, randomNonce, type BuildTxOptions } from './signer.js';
export {
  KonsortiumApiError,
  KonsortiumError,
  KonsortiumNetworkError,
  KonsortiumResponseError,
  KonsortiumTimeoutError,
  KonsortiumTxRejectedError,
  KonsortiumVerificationError,
} from './errors.js';
export type { FetchFn, TokenProvider } from './http.js';
export type { ReleasedShare, StoredBlob } from './read.js';
export {
  DEFAULT_INLINE_LIMIT,
  decryptVersion,
  fetchCiphertext,
  fromBase64,
  KeyReleaseError,
  majority,
  ownerSecret,
  type ReadRecordOptions,
  readRecord,
  type ReleaseFailure,
  releaseAndDecrypt,
  requestKey,
  uploadBlob,
  type RequestKeyOptions,
  type SealedVersion,
  type SealNode,
  type SealRecordOptions,
  sealRecordVersion,
  type StoredVersion,
  toBase64,
  type VersionArgs,
  type VersionBody,
} from './data.js';
export { type BallotKeyArgs, buildVote, dealBallotKey } from './voting.js';
export type { EventsOptions } from './events.js';
export type { StatusSource, WaitOptions, WaitTarget } from './wait.js';
export { SseParser, readSse, type SseEvent } from './sse.js';
export {
  headerHash,
  headerMatches,
  type TrustedHeader,
  type VerifiedStateEntry,
  type VerifiedTxInclusion,
  verifyStateEntry,
  verifyTxInclusion,
} from './verify.js';
export {
  type ChainSource,
  MAX_PAGE_SIZE,
  type VerifiedHead,
  verifyChain,
  type VerifyChainOptions,
  type VerifyChainProblem,
  type VerifyChainProblemCode,
  type VerifyChainResult,
} from './chain.js';
export type {
  BlockEvent,
  BlockRecord,
  ChainHead,
  ChannelInfo,
  NodeKey,
  StateProofJson,
  SubmitResult,
  TxProofJson,
  TxStatus,
  TxStatusName,
} from './types.js';
export { ControlPlaneClient, type ControlPlaneClientOptions, type Me, type Page, type TokenPair } from './control-plane.js';
export * from './cfa.js';
export * from './cfa-read.js';
export { type ChainOperation, type ScanCursor, type ScanOptions, type ScanResult, type ScanSource, scanOperations } from './scan.js';
