/**
 * Coded errors of the auth core. `code` is stable and meant for programs (the HTTP layer maps
 * it to a response, clients branch on it); `message` is for people and never contains a
 * password, a token or a key. `httpStatus` is how the API will report it: 401 for a credential
 * that does not authenticate (wrong, expired, revoked, forged, malformed), 400 for input that
 * is not acceptable at all (an empty password, bad options), 500 for stored data that is
 * corrupt (not the caller's fault, and nothing they can fix).
 */
export type AuthErrorCode =
  /** Options or arguments that break a documented limit (empty subject, bad scope name...). */
  | 'INVALID_ARGUMENT'
  /** An empty password. */
  | 'PASSWORD_EMPTY'
  /** A password longer than the limit in UTF-8 bytes (bounds the KDF's input work). */
  | 'PASSWORD_TOO_LONG'
  /** A stored password hash that does not parse, or whose parameters are out of bounds. */
  | 'PASSWORD_HASH_MALFORMED'
  /** A genuine access token past its expiry (plus clock tolerance): refresh and retry. */
  | 'TOKEN_EXPIRED'
  /** An access token that is not ours or not for this audience: bad signature, alg confusion,
   * wrong issuer or audience, unknown kid, tampered, malformed. */
  | 'TOKEN_INVALID'
  /** A refresh token that was never issued (or is malformed). */
  | 'REFRESH_INVALID'
  | 'REFRESH_EXPIRED'
  /** A refresh token used a second time: its family is now revoked (theft detection). */
  | 'REFRESH_REUSED'
  /** A refresh token whose family was revoked (logout, or reuse detected earlier). */
  | 'REFRESH_REVOKED'
  /** An API key that is malformed, unknown, or whose secret does not match. */
  | 'API_KEY_INVALID'
  | 'API_KEY_REVOKED'
  | 'API_KEY_EXPIRED';

const HTTP_STATUS: Record<AuthErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  PASSWORD_EMPTY: 400,
  PASSWORD_TOO_LONG: 400,
  PASSWORD_HASH_MALFORMED: 500,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  REFRESH_INVALID: 401,
  REFRESH_EXPIRED: 401,
  REFRESH_REUSED: 401,
  REFRESH_REVOKED: 401,
  API_KEY_INVALID: 401,
  API_KEY_REVOKED: 401,
  API_KEY_EXPIRED: 401,
};

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly httpStatus: number;

  constructor(code: AuthErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.httpStatus = HTTP_STATUS[code];
  }
}

export function isAuthError(err: unknown, code?: AuthErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}
