/** The data contract and what a client or a node needs to use it: keys, contexts, access rules. */
export { DATA_CONTRACT, dataContract } from './contract.js';
export { dataKeys, granteeKey, ownerKeyContext, recordAad, releaseContext, scopeKey, shareContext } from './keys.js';
export { DATA_METHODS, type DataMethod, DataId, GranteeSchema, MAX_INLINE_BASE64, SealedScalar, VersionShareSchema, VersionArgs, VersionBodySchema } from './methods.js';
export {
  type Access,
  type AccessDeniedCode,
  grantActive,
  grantsFor,
  readAccess,
  readerOf,
  releaseAccess,
  type ReleaseAccess,
  type ReleaseDeniedCode,
} from './access.js';
export { shareholders } from '../dealing.js';
export { DATA_ERROR_CODES, type DataErrorCode } from './errors.js';
export * from './model.js';
