/**
 * CfaOperationService: the API side of the two-phase sync. An operation is created (CREATED),
 * validated locally (PROCESSING), signed and sent to a node (ONCHAIN_SUBMITTED); the block
 * follower then sees it in a block (FINALIZED) and projects its balance effects (SETTLED). A
 * node that refuses the transaction before ordering ends it (REJECTED, with the node's code).
 *
 * Crash safety and idempotency:
 *   - The transaction's nonce is derived from the operation's id, and its arguments are signed
 *     in canonical JSON, so signing the same operation again with the same key gives the same
 *     transaction id (the id leaves the signature out). The id is stored BEFORE the transaction
 *     is sent, so a crash after sending leaves an operation the follower can still find.
 *   - `submit` of an operation that already has a transaction id never builds a new one: it
 *     asks the node for its status and records it; if the node has never heard of it (the
 *     process died before sending), it sends the identical transaction again, which a node
 *     treats as the same transaction (idempotent by id).
 *   - Every phase move is a compare-and-set (store.ts), so concurrent submits and the follower
 *     never move an operation backwards.
 */
import { createHash } from 'node:crypto';
import { KonsortiumApiError, type KonsortiumClient, type Signer, type SubmitResult, type TxStatus } from '@konsortium/client';
import { type Operation, toHex, type Transaction } from '@konsortium/protocol';
import type { Prisma } from '../db/prisma.js';
import { CFA_CONTRACT, CFA_REQUIRED_ARGS, type CfaMethodName, FEES_CONTRACT, isAccountId, isCfaMethod, SET_FEES_METHOD, SET_FEES_REQUIRED_ARGS } from './cfa-layout.js';
import { nodeFailure, operationsOf, type TxOperation } from './chain.js';
import { ProjectionError, withDbErrors } from './errors.js';
import { isDecided, isFinal, isPhase, type Phase } from './phases.js';
import { abortableSleep } from './util.js';
import { canonicalJson, type CfaOperationRow, findOp, moveOp, type ProjectionDb } from './store.js';

/** Builds, signs and sends transactions for operations: the HTTP layer supplies one per tenant key. */
export interface TxSubmitter {
  /** Signs `operations` as one transaction of `channel` with `nonce`. */
  build(channel: string, operations: readonly Operation[], nonce: number): Transaction;
  /** Sends it: resolves when a node accepted it (or already had it); a KonsortiumApiError 4xx is a refusal. */
  submit(tx: Transaction): Promise<SubmitResult>;
  /** The node's view of a transaction: a KonsortiumApiError 404 TX_NOT_FOUND when it never saw it. */
  status(channel: string, txId: string): Promise<TxStatus>;
}

/** A TxSubmitter from an SDK client and the signer of the tenant's key. */
export function clientSubmitter(client: Pick<KonsortiumClient, 'submit' | 'status'>, signer: Signer): TxSubmitter {
  return {
    build: (channel, operations, nonce) => signer.buildTx(channel, operations, { nonce }),
    submit: (tx) => client.submit(tx),
    status: (channel, txId) => client.status(channel, txId),
  };
}

export interface ValidationFailure {
  /** Recorded as the operation's resultCode (UPPER_SNAKE, e.g. TENANT_SUSPENDED). */
  readonly code: string;
  readonly message: string;
}

/**
 * Checks an operation before it is signed (KYC, limits, tenant status…): a failure ends it
 * REJECTED with the failure's code; null or undefined lets it go on. Throwing leaves the
 * operation in PROCESSING (retry later).
 */
export type OperationValidator = (op: CfaOperationRow) => Promise<ValidationFailure | null | undefined> | ValidationFailure | null | undefined;

/** A validator that refuses operations of a suspended (or unknown) tenant. */
export function tenantActiveValidator(db: ProjectionDb): OperationValidator {
  return async (op) => {
    if (op.tenantId === null) return null;
    const tenant = await db.tenant.findUnique({ where: { id: op.tenantId }, select: { status: true } });
    if (tenant === null) return { code: 'TENANT_NOT_FOUND', message: `tenant ${op.tenantId} does not exist` };
    if (tenant.status === 'suspended') return { code: 'TENANT_SUSPENDED', message: `tenant ${op.tenantId} is suspended` };
    return null;
  };
}

export interface CreateOperationInput {
  readonly channel: string;
  readonly tenantId?: string | null;
  /** The ledger member that will sign it. */
  readonly sender?: string | null;
  /** A cfa method (`acceptOffer` or `cfa.acceptOffer`), `governance.setFees`, or `multi` with `args.operations` (all of those). */
  readonly method: string;
  readonly args: unknown;
}

export interface SubmitOptions {
  readonly submitter: TxSubmitter;
  /** Runs after the service's own shape check (in addition to the service's default validator). */
  readonly validate?: OperationValidator;
}

export interface WaitPhaseOptions {
  /** Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Default 200 ms. */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

export interface CfaOperationServiceOptions {
  readonly db: ProjectionDb;
  /** Runs on every submit (e.g. tenantActiveValidator). */
  readonly validate?: OperationValidator;
  /** Injectable for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

const CHANNEL = /^[a-z0-9][a-z0-9-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESULT_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const TX_ID = /^[0-9a-f]{64}$/;
/** Encoded arguments are bounded on the ledger (MAX_TX_BYTES = 256 KiB); refuse far larger input early. */
const ARGS_CHARS_MAX = 256 * 1024;
const LIST_LIMIT_MAX = 500;
/** Node round trips one submit or refresh may take (send, status, send again…). */
const HOPS_MAX = 3;
/** Node answers that are about the caller or the request, not a refusal of the transaction. */
const NOT_A_REFUSAL = new Set([
  'UNAUTHORIZED',
  'CHANNEL_NOT_FOUND',
  'NOT_FOUND',
  'INVALID_REQUEST',
  'BAD_REQUEST',
  'INVALID_JSON',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_CONTENT_LENGTH',
  'NOT_CAUGHT_UP',
  'RATE_LIMITED',
]);

/** Whether a submit failure is the node refusing the transaction before ordering (nothing was ordered). */
export function isTxRefusal(err: unknown): err is KonsortiumApiError {
  return (
    err instanceof KonsortiumApiError &&
    err.status >= 400 &&
    err.status < 500 &&
    err.status !== 408 &&
    err.status !== 429 &&
    !NOT_A_REFUSAL.has(err.code) &&
    !err.code.startsWith('HTTP_')
  );
}

/** The nonce of an operation's transaction: 53 bits of SHA-256 over its id, so a rebuild is the same transaction. */
export function nonceOf(opId: string): number {
  const d = createHash('sha256').update(`konsortium:cfa-operation-nonce:v1:${opId}`).digest();
  return (d.readUInt32BE(0) & 0x1fffff) * 2 ** 32 + d.readUInt32BE(4);
}

/** The stored method: `cfa.<method>` (the prefix optional on input), `multi`, or `governance.setFees`. */
function normalizeMethod(method: string): string | null {
  if (method === 'multi' || method === `${FEES_CONTRACT}.${SET_FEES_METHOD}`) return method;
  const bare = method.startsWith(`${CFA_CONTRACT}.`) ? method.slice(CFA_CONTRACT.length + 1) : method;
  return isCfaMethod(bare) ? `${CFA_CONTRACT}.${bare}` : null;
}

/** The service's own shape check: cfa methods it knows (and governance.setFees), arguments objects with the required fields. */
export function checkShape(method: string, args: unknown): ValidationFailure | null {
  const ops = operationsOf(method, args);
  if (ops === null) return { code: 'INVALID_ARGS', message: `"${method}" with these arguments is not a cfa operation` };
  for (const op of ops) {
    const problem = checkOperation(op);
    if (problem !== null) return problem;
  }
  return null;
}

function checkOperation(op: TxOperation): ValidationFailure | null {
  const setFees = op.contract === FEES_CONTRACT && op.method === SET_FEES_METHOD;
  if (!setFees && (op.contract !== CFA_CONTRACT || !isCfaMethod(op.method))) return { code: 'UNKNOWN_METHOD', message: `${op.contract}.${op.method} is not a cfa method` };
  const label = `${op.contract}.${op.method}`;
  if (typeof op.args !== 'object' || op.args === null || Array.isArray(op.args)) return { code: 'INVALID_ARGS', message: `${label}: the arguments must be an object` };
  const required = setFees ? SET_FEES_REQUIRED_ARGS : CFA_REQUIRED_ARGS[op.method as CfaMethodName];
  const missing = required.filter((k) => (op.args as Record<string, unknown>)[k] === undefined);
  if (missing.length > 0) return { code: 'INVALID_ARGS', message: `${label}: missing ${missing.join(', ')}` };
  return null;
}

export class CfaOperationService {
  private readonly db: ProjectionDb;
  private readonly validate: OperationValidator | undefined;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(o: CfaOperationServiceOptions) {
    this.db = o.db;
    this.validate = o.validate;
    this.sleep = o.sleep ?? abortableSleep;
    this.now = o.now ?? Date.now;
  }

  /** A new operation in CREATED. INVALID_ARGUMENT for a bad channel, tenant id, sender or method. */
  async create(input: CreateOperationInput): Promise<CfaOperationRow> {
    if (!CHANNEL.test(input.channel)) throw new ProjectionError('INVALID_ARGUMENT', `channel "${input.channel}" is not a channel name`);
    if (input.tenantId !== undefined && input.tenantId !== null && !UUID.test(input.tenantId)) throw new ProjectionError('INVALID_ARGUMENT', 'tenantId must be a uuid');
    if (input.sender !== undefined && input.sender !== null && !isAccountId(input.sender)) throw new ProjectionError('INVALID_ARGUMENT', `sender "${input.sender}" is not a member id`);
    const method = normalizeMethod(input.method);
    if (method === null) throw new ProjectionError('INVALID_ARGUMENT', `"${input.method}" is not a cfa method (nor governance.setFees)`);
    if (typeof input.args !== 'object' || input.args === null || Array.isArray(input.args)) throw new ProjectionError('INVALID_ARGUMENT', 'args must be a JSON object');
    const args = canonicalJson(input.args);
    const text = JSON.stringify(args);
    if (text.length > ARGS_CHARS_MAX) throw new ProjectionError('INVALID_ARGUMENT', `args are ${text.length} characters, more than ${ARGS_CHARS_MAX}`);
    if (method === 'multi' && operationsOf(method, args) === null) throw new ProjectionError('INVALID_ARGUMENT', 'multi takes args.operations: [{ contract, method, args }]');
    return withDbErrors(() =>
      this.db.cfaOperation.create({
        data: { channel: input.channel, tenantId: input.tenantId ?? null, sender: input.sender ?? null, method, args: args as Prisma.InputJsonValue, phase: 'CREATED', source: 'api' },
      }),
    );
  }

  get(id: string): Promise<CfaOperationRow> {
    return findOp(this.db, id);
  }

  async findByTxId(txId: string): Promise<CfaOperationRow | null> {
    if (!TX_ID.test(txId)) return null;
    return withDbErrors(() => this.db.cfaOperation.findUnique({ where: { txId } }));
  }

  /** Newest first, at most `limit` (≤ 500, default 100). */
  async list(q: { channel?: string; tenantId?: string; phase?: Phase; limit?: number } = {}): Promise<CfaOperationRow[]> {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) throw new ProjectionError('INVALID_ARGUMENT', `limit must be 1..${LIST_LIMIT_MAX}`);
    if (q.phase !== undefined && !isPhase(q.phase)) throw new ProjectionError('INVALID_ARGUMENT', `unknown phase ${String(q.phase)}`);
    return withDbErrors(() =>
      this.db.cfaOperation.findMany({
        where: { ...(q.channel === undefined ? {} : { channel: q.channel }), ...(q.tenantId === undefined ? {} : { tenantId: q.tenantId }), ...(q.phase === undefined ? {} : { phase: q.phase }) },
        orderBy: { createdAt: 'desc' },
        take: limit,
      }),
    );
  }

  /**
   * Validates, signs and sends the operation (CREATED → PROCESSING → ONCHAIN_SUBMITTED), or
   * records the node's refusal (REJECTED with its code). An operation that already has a
   * transaction id is re-checked instead (see `refresh`); a decided one is returned as it is.
   * A node that cannot be reached is NODE_UNAVAILABLE, and the operation keeps its phase:
   * call submit again later.
   */
  async submit(id: string, o: SubmitOptions): Promise<CfaOperationRow> {
    let op = await findOp(this.db, id);
    if (isDecided(op.phase)) return op;
    if (op.txId !== null) return this.recheck(op, o.submitter);
    const processing = await moveOp(this.db, id, 'PROCESSING', {}, { current: op });
    op = processing.op;
    if (!processing.moved || op.phase !== 'PROCESSING') return op.txId !== null && !isDecided(op.phase) ? this.recheck(op, o.submitter) : op;
    if (op.txId !== null) return this.recheck(op, o.submitter);

    for (const check of [async (x: CfaOperationRow) => checkShape(x.method, x.args), this.validate, o.validate]) {
      if (check === undefined) continue;
      const failure = await check(op);
      if (failure !== null && failure !== undefined) return this.rejectLocally(op, failure);
    }

    const tx = this.build(op, o.submitter);
    const txId = toHex(tx.id);
    const stored = await withDbErrors(() => this.db.cfaOperation.updateMany({ where: { id, phase: 'PROCESSING', txId: null }, data: { txId } }));
    if (stored.count !== 1) {
      // A concurrent submit got there first: follow its transaction instead of sending another.
      const now = await findOp(this.db, id);
      return now.txId !== null && !isDecided(now.phase) ? this.recheck(now, o.submitter) : now;
    }
    return this.send({ ...op, txId }, tx, o.submitter, HOPS_MAX);
  }

  /**
   * Asks the node about the operation's transaction and records what it says: received or
   * ordered → ONCHAIN_SUBMITTED, committed → FINALIZED (block height, OK), rejected →
   * REJECTED (its code, and its height if it was executed). Unknown to the node: the identical
   * transaction is sent again. Operations without a transaction id are returned as they are.
   */
  async refresh(id: string, submitter: TxSubmitter): Promise<CfaOperationRow> {
    const op = await findOp(this.db, id);
    if (op.txId === null || isDecided(op.phase)) return op;
    return this.recheck(op, submitter);
  }

  /** Ends an operation that has not reached a block (an operator's decision): REJECTED with `code`. */
  async reject(id: string, code: string): Promise<CfaOperationRow> {
    if (!RESULT_CODE.test(code)) throw new ProjectionError('INVALID_ARGUMENT', 'code must be UPPER_SNAKE');
    return (await moveOp(this.db, id, 'REJECTED', { resultCode: code }, { strict: true })).op;
  }

  /** Polls until the operation is in one of `phases` ('final': SETTLED or REJECTED); TIMEOUT after timeoutMs. */
  async waitForPhase(id: string, phases: readonly Phase[] | 'final', o: WaitPhaseOptions = {}): Promise<CfaOperationRow> {
    const timeoutMs = o.timeoutMs ?? 30_000;
    const pollMs = o.pollMs ?? 200;
    const deadline = this.now() + timeoutMs;
    const wanted = (p: Phase): boolean => (phases === 'final' ? isFinal(p) : phases.includes(p));
    for (;;) {
      const op = await findOp(this.db, id);
      if (wanted(op.phase)) return op;
      if (isFinal(op.phase)) throw new ProjectionError('PHASE_UNREACHABLE', `operation ${id} ended ${op.phase}${op.resultCode === null ? '' : ` (${op.resultCode})`} and will never be ${String(phases)}`);
      const left = deadline - this.now();
      if (left <= 0) throw new ProjectionError('TIMEOUT', `operation ${id} is still ${op.phase} after ${timeoutMs} ms`, { details: { phase: op.phase } });
      await this.sleep(Math.min(pollMs, left), o.signal);
    }
  }

  private build(op: CfaOperationRow, submitter: TxSubmitter): Transaction {
    const ops = operationsOf(op.method, op.args);
    if (ops === null) throw new ProjectionError('INVALID_ARGUMENT', `operation ${op.id} has method "${op.method}", which is not a transaction`);
    const tx = submitter.build(op.channel, ops.map((x) => ({ contract: x.contract, method: x.method, args: canonicalJson(x.args) })), nonceOf(op.id));
    if (tx.channel !== op.channel) throw new ProjectionError('CHANNEL_MISMATCH', `the submitter built a transaction for ${tx.channel}, the operation is on ${op.channel}`);
    return tx;
  }

  /** `hops` bounds send ↔ recheck ↔ resend against a node whose answers contradict each other. */
  private async send(op: CfaOperationRow, tx: Transaction, submitter: TxSubmitter, hops: number): Promise<CfaOperationRow> {
    let result: SubmitResult;
    try {
      result = await submitter.submit(tx);
    } catch (err) {
      if (isTxRefusal(err)) return (await moveOp(this.db, op.id, 'REJECTED', { resultCode: err.code })).op;
      throw nodeFailure(err, `sending operation ${op.id} (${toHex(tx.id)})`);
    }
    const moved = await moveOp(this.db, op.id, 'ONCHAIN_SUBMITTED');
    if ((result.status === 'committed' || result.status === 'rejected') && hops > 0) return this.recheck(moved.op, submitter, hops - 1);
    return moved.op;
  }

  private async recheck(op: CfaOperationRow, submitter: TxSubmitter, hops = HOPS_MAX): Promise<CfaOperationRow> {
    const txId = op.txId!;
    let s: TxStatus;
    try {
      s = await submitter.status(op.channel, txId);
    } catch (err) {
      if (err instanceof KonsortiumApiError && err.status === 404 && err.code === 'TX_NOT_FOUND') {
        if (hops > 0) return this.resend(op, submitter, hops - 1);
        throw new ProjectionError('NODE_UNAVAILABLE', `the node accepted ${txId} but does not know it: try again later`, { cause: err });
      }
      throw nodeFailure(err, `reading the status of ${txId}`);
    }
    switch (s.status) {
      case 'received':
      case 'ordered':
        return (await moveOp(this.db, op.id, 'ONCHAIN_SUBMITTED', {}, { current: op })).op;
      case 'committed':
        return (await moveOp(this.db, op.id, 'FINALIZED', { blockHeight: heightOf(s), resultCode: 'OK' }, { current: op })).op;
      case 'rejected':
        return (await moveOp(this.db, op.id, 'REJECTED', { resultCode: s.code ?? 'REJECTED', ...(s.height === undefined ? {} : { blockHeight: BigInt(s.height) }) }, { current: op })).op;
    }
  }

  /** The node never saw the transaction: send it again, byte for byte the same transaction. */
  private async resend(op: CfaOperationRow, submitter: TxSubmitter, hops: number): Promise<CfaOperationRow> {
    const tx = this.build(op, submitter);
    if (toHex(tx.id) !== op.txId) {
      throw new ProjectionError('TX_MISMATCH', `operation ${op.id}: rebuilding its transaction gives ${toHex(tx.id)}, not the stored ${op.txId} (another signing key?)`);
    }
    return this.send(op, tx, submitter, hops);
  }

  private async rejectLocally(op: CfaOperationRow, failure: ValidationFailure): Promise<CfaOperationRow> {
    const code = RESULT_CODE.test(failure.code) ? failure.code : 'VALIDATION_FAILED';
    return (await moveOp(this.db, op.id, 'REJECTED', { resultCode: code }, { current: op })).op;
  }
}

function heightOf(s: TxStatus): bigint | undefined {
  return s.height === undefined ? undefined : BigInt(s.height);
}
