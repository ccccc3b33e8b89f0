/** The cfa contract and what a node or a client needs to read its state. */
export { CFA_CONTRACT, cfaContract } from './contract.js';
export { cfaKeys, MOVE_CHUNK, moveChunkOf, OWNER_BUCKETS } from './keys.js';
export { holderCount, ownersOf } from './holdings.js';
export { AssetCode, CFA_METHODS, type CfaMethod, EarlyRedemptionSchema, ItemId } from './methods.js';
export { allocate } from './placement.js';
export { feeFor } from './fees.js';
export { CFA_ERROR_CODES, type CfaErrorCode, utcYear } from './util.js';
export * from './model.js';
