/**
 * The seed's two-phase sync of a CFA operation (seeds/001, "Синхронизация: DLT ↔ Ledger-DB"):
 *
 *   CREATED → PROCESSING → ONCHAIN_SUBMITTED → FINALIZED → SETTLED
 *   request   validation   sent to the chain     in a block   balances projected
 *
 * and REJECTED, which ends an operation the node or the chain refused. Phases only move
 * forward: `canAdvance` says which moves are allowed, mirroring the database trigger
 * `cfa_operations_phase_forward` (migration 20261122050500_platform) so that this code never
 * needs the trigger to stop it; the trigger is the backstop for every other writer.
 */
import type { OperationPhase } from '../db/prisma.js';

export { isProjectionError, ProjectionError, type ProjectionErrorCode, translateDbError } from './errors.js';

/** In the enum's order, which is the trigger's order. */
export const PHASES = ['CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED', 'REJECTED'] as const satisfies readonly OperationPhase[];
export type Phase = (typeof PHASES)[number];

/** The phases of the happy path, in order (REJECTED is not on it). */
export const FORWARD_PHASES: readonly Phase[] = PHASES.slice(0, 5);

const RANK: Readonly<Record<Phase, number>> = Object.fromEntries(PHASES.map((p, i) => [p, i])) as Record<Phase, number>;

export function isPhase(s: string): s is Phase {
  return Object.hasOwn(RANK, s);
}

export function phaseRank(p: Phase): number {
  return RANK[p];
}

/** Nothing happens to the operation any more. */
export function isFinal(p: Phase): boolean {
  return p === 'SETTLED' || p === 'REJECTED';
}

/** The chain has decided: in a block (FINALIZED, SETTLED) or refused (REJECTED). */
export function isDecided(p: Phase): boolean {
  return p === 'FINALIZED' || p === 'SETTLED' || p === 'REJECTED';
}

/**
 * Whether an operation in `from` may be moved to `to`, exactly as the trigger decides:
 * staying put is allowed (a no-op); otherwise the rank must grow, nothing leaves REJECTED, and
 * an operation that reached a block (FINALIZED, SETTLED) cannot be REJECTED any more.
 * Skipping phases forward is allowed (a transaction found on chain goes straight to FINALIZED).
 */
export function canAdvance(from: Phase, to: Phase): boolean {
  if (from === to) return true;
  if (from === 'REJECTED') return false;
  if (to === 'REJECTED') return from !== 'FINALIZED' && from !== 'SETTLED';
  return RANK[to] > RANK[from];
}

/** Every phase an operation may be in for a move to `to` to be allowed (`to` itself included). */
export function phasesBefore(to: Phase): Phase[] {
  return PHASES.filter((from) => canAdvance(from, to));
}
