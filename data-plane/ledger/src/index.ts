export { assert, ContractError, LedgerError, type LedgerErrorCode } from './errors.js';
export type { Contract, ContractContext, IdentityDirectory, Sender, StateReader } from './contract.js';
export type { ChainHead, ChainStore, CommittedTx, PreparedRoot } from './chain-store.js';
export { jsonBytes, parseJsonBytes, StateOverlay, type Writes } from './overlay.js';
export { type ExecutedBlock, Ledger, type LedgerConfig, type TxOutcome } from './executor.js';
export { serverSuite } from './server-crypto.js';
