/** Why a byte string or value was refused; `code` is stable and reaches API callers unchanged. */
export type ProtocolErrorCode =
  | 'MALFORMED' // bytes that are not exactly one valid encoding
  | 'TOO_LARGE' // over a size limit
  | 'INVALID_FIELD'; // a well-formed field with a value out of its domain

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

export function malformed(message: string): ProtocolError {
  return new ProtocolError('MALFORMED', message);
}
