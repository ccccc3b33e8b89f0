export { argsChecker, type MethodTable } from './schema.js';
export { governanceContract, governanceDirectory, type GovernanceOptions } from './governance/contract.js';
export { type Genesis, GenesisError, GenesisSchema, genesisWrites, parseGenesis } from './governance/genesis.js';
export { K as GOVERNANCE_KEYS, type Member, type NodeEntry, type Role, ROLES } from './governance/model.js';
