/** What the HTTP API needs from a node (KonsortiumNode implements it; tests may fake it). */
import type { NodeId } from '@konsortium/raft';
import type { Member } from '../kv/members.js';
import type { KvRecord, PutResult } from '../kv/state-machine.js';
import type { MemberView } from '../runtime/membership.js';
import type { Consistency, Readiness } from '../runtime/node.js';
import type { NodeStatus } from '../runtime/status.js';

export interface NodeApi {
  put(key: string, value: string): Promise<PutResult>;
  get(key: string, consistency: Consistency): Promise<KvRecord | undefined>;
  status(): NodeStatus;
  readiness(): Readiness;
  addLearner(m: Member): Promise<MemberView>;
  promote(id: NodeId): Promise<MemberView>;
  removeMember(id: NodeId): Promise<void>;
  transferLeader(to: NodeId): Promise<NodeId>;
  snapshot(): Promise<number>;
}

export interface HttpLimits {
  /** Largest request body accepted (413 BODY_TOO_LARGE beyond). */
  readonly bodyLimitBytes: number;
  /** Largest key, in UTF-8 bytes (400 INVALID_KEY beyond). */
  readonly maxKeyBytes: number;
  /** Largest value, in UTF-8 bytes (413 VALUE_TOO_LARGE beyond). */
  readonly maxValueBytes: number;
  /** Largest bulk transaction submission (application/octet-stream). */
  readonly bulkBodyLimitBytes: number;
  /** Largest blob (ciphertext of a large record) a node stores. */
  readonly blobLimitBytes: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  bodyLimitBytes: 256 * 1024,
  maxKeyBytes: 256,
  maxValueBytes: 64 * 1024,
  bulkBodyLimitBytes: 64 * 1024 * 1024,
  blobLimitBytes: 64 * 1024 * 1024,
};
