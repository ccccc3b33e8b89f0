// Linearizability checker for simulator histories (Wing–Gong search with Lowe's memoisation).
export type { CheckOptions, CheckResult, Model, Operation, UnknownOutput } from './types.js';
export { UNKNOWN_OUTPUT, isPending, isUnknownOutput } from './types.js';
export { checkOperations, DEFAULT_MAX_STEPS } from './checker.js';
export { Bitset } from './bitset.js';
export type { GetOutput, KvInput, KvOutput, KvState, PutOutput, RegisterInput, RegisterOutput, RegisterState } from './models.js';
export { kvModel, kvModelUnpartitioned, registerModel } from './models.js';
