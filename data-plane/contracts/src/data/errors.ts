/** The data contract's rejection codes. */
import { ContractError } from '@konsortium/ledger';

/** Every code the data contract rejects with (besides UNKNOWN_METHOD from the schema check). */
export const DATA_ERROR_CODES = [
  'INVALID_ARGS',
  'FORBIDDEN',
  'RECORD_EXISTS',
  'RECORD_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'NO_SEAL_KEYS',
  'SHARES_MISMATCH',
  'INVALID_THRESHOLD',
  'INVALID_COMMITMENT',
  'KEY_REUSED',
  'MEMBER_NOT_FOUND',
  'GRANT_NOT_FOUND',
  'NOT_A_SHAREHOLDER',
] as const;
export type DataErrorCode = (typeof DATA_ERROR_CODES)[number];

export function fail(code: DataErrorCode, message: string): never {
  throw new ContractError(code, message);
}
