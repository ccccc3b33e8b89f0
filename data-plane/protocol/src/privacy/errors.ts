/** Why an encryption-layer operation was refused; `code` is stable and reaches API callers unchanged. */
export type PrivacyErrorCode =
  | 'DECRYPT_FAILED' // authentication failed: wrong key, tampered ciphertext, wrong context
  | 'INVALID_KEY' // a public key, point or scalar that is not a valid encoding
  | 'INVALID_SHARE' // a threshold share that does not match the dealer's commitments
  | 'NOT_ENOUGH_SHARES' // fewer distinct shares than the threshold
  | 'MALFORMED'; // bytes that are not exactly one valid encoding

export class PrivacyError extends Error {
  readonly code: PrivacyErrorCode;

  constructor(code: PrivacyErrorCode, message: string) {
    super(message);
    this.name = 'PrivacyError';
    this.code = code;
  }
}
