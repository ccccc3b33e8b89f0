/**
 * Coded errors of the node. `code` is stable and meant for programs (clients decide whether
 * to retry on it); `message` is for people. `httpStatus` is how the HTTP API reports it, and
 * `retryable` says whether the same request may succeed later (possibly on another node).
 */
import type { NodeId } from '@konsortium/raft';

export type NodeErrorCode =
  /** This node is not the leader; `leaderId` names the one it knows (0: none). */
  | 'NOT_LEADER'
  /** No leader is known (an election is in progress or the node is cut off). */
  | 'NO_LEADER'
  /** Leadership changed before the request finished; its outcome is unknown. */
  | 'LEADERSHIP_LOST'
  /** The core refused the proposal (leadership transfer in progress, too much pending work). */
  | 'PROPOSAL_DROPPED'
  /** Too many requests are waiting; back off and retry. */
  | 'OVERLOADED'
  /** The request did not finish within its time limit; its outcome is unknown. */
  | 'TIMEOUT'
  | 'SHUTTING_DOWN'
  | 'KEY_NOT_FOUND'
  | 'INVALID_KEY'
  | 'VALUE_TOO_LARGE'
  | 'MEMBER_EXISTS'
  | 'MEMBER_NOT_FOUND'
  | 'NOT_CAUGHT_UP'
  | 'CONF_CHANGE_REJECTED'
  | 'INVALID_ARGUMENT'
  /** The service is starting or cannot serve right now; retry. */
  | 'UNAVAILABLE'
  | 'CHANNEL_NOT_FOUND'
  | 'TX_NOT_FOUND'
  | 'BLOCK_NOT_FOUND'
  /** The height asked for is not (or no longer) kept by this node. */
  | 'HEIGHT_NOT_AVAILABLE'
  /** No valid bearer token. */
  | 'UNAUTHORIZED'
  /** The token is valid but does not allow this. */
  | 'FORBIDDEN'
  // Key release (encrypted data) and blobs
  /** The signed key-release request is outside the freshness window. */
  | 'REQUEST_EXPIRED'
  /** A request signature that does not verify. */
  | 'BAD_SIGNATURE'
  /** The requester's key belongs to no active member of the channel. */
  | 'UNKNOWN_SENDER'
  | 'SENDER_SUSPENDED'
  | 'RECORD_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  /** No grant covers the requester (or it was revoked). */
  | 'NOT_GRANTED'
  | 'GRANT_EXPIRED'
  /** This node holds no share of that version (or has no seal key). */
  | 'NOT_A_SHAREHOLDER'
  /** The node's own share does not open or does not match the commitments: it refuses rather than release garbage. */
  | 'SHARE_UNUSABLE'
  | 'BLOB_NOT_FOUND'
  /** Uploaded bytes whose SHA-256 is not the hash in the path. */
  | 'CONTENT_MISMATCH'
  // Nodes that joined a channel after its genesis
  /** Governance (gov/nodes) lists no node with this id: register it with governance.setNode first. */
  | 'NODE_NOT_REGISTERED'
  /** Governance lists this node id with other keys than the ones this node holds. */
  | 'NODE_KEY_MISMATCH';

const HTTP_STATUS: Record<NodeErrorCode, number> = {
  NOT_LEADER: 503,
  NO_LEADER: 503,
  LEADERSHIP_LOST: 503,
  PROPOSAL_DROPPED: 503,
  OVERLOADED: 503,
  TIMEOUT: 503,
  SHUTTING_DOWN: 503,
  KEY_NOT_FOUND: 404,
  INVALID_KEY: 400,
  VALUE_TOO_LARGE: 413,
  MEMBER_EXISTS: 409,
  MEMBER_NOT_FOUND: 404,
  NOT_CAUGHT_UP: 409,
  CONF_CHANGE_REJECTED: 409,
  INVALID_ARGUMENT: 400,
  UNAVAILABLE: 503,
  CHANNEL_NOT_FOUND: 404,
  TX_NOT_FOUND: 404,
  BLOCK_NOT_FOUND: 404,
  HEIGHT_NOT_AVAILABLE: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  REQUEST_EXPIRED: 401,
  BAD_SIGNATURE: 401,
  UNKNOWN_SENDER: 403,
  SENDER_SUSPENDED: 403,
  RECORD_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  NOT_GRANTED: 403,
  GRANT_EXPIRED: 403,
  NOT_A_SHAREHOLDER: 409,
  SHARE_UNUSABLE: 500,
  BLOB_NOT_FOUND: 404,
  CONTENT_MISMATCH: 400,
  // 503: another node can serve, and this one may once governance lists it (setNode is a transaction).
  NODE_NOT_REGISTERED: 503,
  NODE_KEY_MISMATCH: 503,
};

export class NodeError extends Error {
  readonly code: NodeErrorCode;
  readonly httpStatus: number;
  /** For NOT_LEADER: the leader this node knows of, 0 if none. */
  readonly leaderId: NodeId | undefined;

  constructor(code: NodeErrorCode, message: string, options: { leaderId?: NodeId; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'NodeError';
    this.code = code;
    this.httpStatus = HTTP_STATUS[code];
    this.leaderId = options.leaderId;
  }

  get retryable(): boolean {
    return this.httpStatus === 503;
  }
}

export function notLeader(leaderId: NodeId): NodeError {
  return new NodeError('NOT_LEADER', leaderId === 0 ? 'this node is not the leader and no leader is known' : `this node is not the leader; the leader is ${leaderId}`, { leaderId });
}
