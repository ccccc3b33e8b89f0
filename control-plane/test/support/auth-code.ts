/** The auth error code a piece of work ends with: 'NO_ERROR', its AuthError code, or 'NOT_AUTH_ERROR'. */
import { AuthError, type AuthErrorCode } from '../../src/auth/errors.js';

export async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<AuthErrorCode | 'NO_ERROR' | 'NOT_AUTH_ERROR'> {
  try {
    await (typeof work === 'function' ? work() : work);
    return 'NO_ERROR';
  } catch (err) {
    return err instanceof AuthError ? err.code : 'NOT_AUTH_ERROR';
  }
}
