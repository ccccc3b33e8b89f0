export { argsChecker, type MethodTable } from './schema.js';
export { governanceContract, governanceDirectory, type GovernanceOptions } from './governance/contract.js';
export { type Genesis, GenesisError, GenesisSchema, genesisWrites, parseGenesis } from './governance/genesis.js';
export {
  FEE_OPERATIONS,
  type FeeOperation,
  type FeeRule,
  type FeeSchedule,
  K as GOVERNANCE_KEYS,
  type Member,
  NO_FEES,
  type NodeEntry,
  NODE_ROLE,
  nodeMemberId,
  type Role,
  ROLES,
} from './governance/model.js';
export * from './cfa/index.js';
export * from './voting/index.js';
export * from './data/index.js';
