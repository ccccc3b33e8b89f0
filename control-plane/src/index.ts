/**
 * @konsortium/control-plane: tenants, users and auth, provisioning, the ledger-DB projection.
 * Built up issue by issue; see README.md for what is here so far.
 */
export * from './auth/index.js';
