/**
 * The projection's writes to cfa_operations, shared by the service and the follower. Every
 * phase move is a compare-and-set on the phase read just before (`UPDATE … WHERE id AND phase`),
 * checked with canAdvance first: two writers racing (the API marking ONCHAIN_SUBMITTED while the
 * follower finalises) never move an operation backwards, and the loser re-reads and sees that
 * the operation is already ahead. Database errors pass through translateDbError, so the
 * trigger's refusal, should anything get that far, arrives as PHASE_BACKWARDS.
 */
import type { CfaOperationModel, Prisma, PrismaClient } from '../db/prisma.js';
import { ProjectionError, withDbErrors } from './errors.js';
import { canAdvance, type Phase } from './phases.js';

export type ProjectionDb = PrismaClient;
export type DbTx = Prisma.TransactionClient;
export type Db = ProjectionDb | DbTx;
export type CfaOperationRow = CfaOperationModel;

/** Concurrent moves of one operation retried before giving up (each retry means another writer moved it). */
const CAS_ATTEMPTS_MAX = 5;

export interface MoveResult {
  readonly op: CfaOperationRow;
  /** false: the operation was already at or past `to` (or REJECTED), nothing was written. */
  readonly moved: boolean;
}

/** Fields written together with a phase move. */
export type MoveFields = Omit<Prisma.CfaOperationUpdateManyMutationInput, 'phase' | 'id' | 'createdAt' | 'updatedAt'>;

export async function findOp(db: Db, id: string): Promise<CfaOperationRow> {
  if (!UUID.test(id)) throw new ProjectionError('OPERATION_NOT_FOUND', `no CFA operation ${JSON.stringify(id)}`);
  const op = await withDbErrors(() => db.cfaOperation.findUnique({ where: { id } }));
  if (op === null) throw new ProjectionError('OPERATION_NOT_FOUND', `no CFA operation ${id}`);
  return op;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Moves operation `id` to `to` with `fields`, if that is forward from where it is. Staying in
 * the same phase writes the fields. When the operation is already past `to` (or REJECTED),
 * nothing is written and `moved` is false; with `strict`, that is a PHASE_BACKWARDS error.
 */
export async function moveOp(db: Db, id: string, to: Phase, fields: MoveFields = {}, o: { strict?: boolean; current?: CfaOperationRow } = {}): Promise<MoveResult> {
  let op = o.current ?? (await findOp(db, id));
  for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
    if (!canAdvance(op.phase, to)) {
      if (o.strict === true) throw new ProjectionError('PHASE_BACKWARDS', `operation ${id} is ${op.phase}: it cannot move to ${to}`, { details: { from: op.phase, to } });
      return { op, moved: false };
    }
    const from = op.phase;
    const n = await withDbErrors(() => db.cfaOperation.updateMany({ where: { id, phase: from }, data: { ...fields, phase: to } }));
    if (n.count === 1) return { op: await findOp(db, id), moved: true };
    op = await findOp(db, id); // another writer moved it meanwhile: look again
  }
  throw new ProjectionError('PHASE_BACKWARDS', `operation ${id} kept changing phase under a move to ${to}; giving up after ${CAS_ATTEMPTS_MAX} attempts`);
}

/** JSON with object keys sorted at every level (jsonb does not keep key order; a signed transaction must be rebuilt byte for byte). */
export function canonicalJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalJson);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonicalJson(x);
    }
    return out;
  }
  return v;
}
