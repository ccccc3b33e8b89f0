/**
 * The ledger-DB projection of CFA operations (seeds/001, "Синхронизация: DLT ↔ Ledger-DB"):
 * the operations service (API side of the two-phase sync), the block follower (reconciliation
 * worker) and the integrity audit. See README.md, "Ledger-DB projection".
 */
export * from './errors.js';
export { canAdvance, FORWARD_PHASES, isDecided, isFinal, isPhase, type Phase, PHASES, phaseRank, phasesBefore } from './phases.js';
export {
  CFA_CONTRACT,
  CFA_METHOD_NAMES,
  CFA_REQUIRED_ARGS,
  type CfaMethodName,
  cfaStateKeys,
  changesMoney,
  changesUnits,
  FEES_CONTRACT,
  govKeyOf,
  isCfaMethod,
  isProjectedOperation,
  MONEY_ASSET,
  namedInArgs,
  OWNER_BUCKETS,
  SET_FEES_METHOD,
  SET_FEES_REQUIRED_ARGS,
} from './cfa-layout.js';
export { BLOCK_PAGE_MAX, type ChainClient, type ChainPoint, ChainReader, type ChainReaderOptions, type CfaTx, type CheckedBlock, labelOf, nodeFailure, operationsOf, type TxOperation } from './chain.js';
export { BalanceReader, type BalanceValue, type BlockBalances } from './balances.js';
export { canonicalJson, type CfaOperationRow, moveOp, type MoveResult, type ProjectionDb } from './store.js';
export {
  CfaOperationService,
  type CfaOperationServiceOptions,
  checkShape,
  clientSubmitter,
  type CreateOperationInput,
  isTxRefusal,
  nonceOf,
  type OperationValidator,
  type SubmitOptions,
  tenantActiveValidator,
  type TxSubmitter,
  type ValidationFailure,
  type WaitPhaseOptions,
} from './operations.js';
export { type AppliedBlock, BlockFollower, type BlockFollowerOptions, readCursor, resetCursor, type SyncResult } from './follower.js';
export { type AuditReport, type AuditTimers, DAY_MS, type Difference, type DifferenceKind, IntegrityAudit, type IntegrityAuditOptions, scheduleAudit, type ScheduleAuditOptions, type ScheduledAudit } from './audit.js';
