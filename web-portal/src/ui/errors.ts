/**
 * Errors as the user reads them: a sentence that says what to do, in the user's language, and
 * the server's code so that support can find it. A code with a message of its own in some
 * catalog (`error.<CODE>`, features add theirs) uses it; otherwise the server's own message.
 */
import { KonsortiumApiError, KonsortiumNetworkError, KonsortiumTimeoutError } from '@konsortium/client/errors';
import type { IntlShape } from 'react-intl';

export interface Described {
  readonly text: string;
  readonly code: string | null;
}

export function describeError(err: unknown, intl: IntlShape): Described {
  if (err instanceof KonsortiumTimeoutError) return { text: intl.formatMessage({ id: 'error.timeout' }), code: 'TIMEOUT' };
  if (err instanceof KonsortiumNetworkError) return { text: intl.formatMessage({ id: 'error.network' }), code: 'NETWORK' };
  if (err instanceof KonsortiumApiError) {
    const id = `error.${err.code}`;
    if (intl.messages[id] !== undefined) return { text: intl.formatMessage({ id }, { message: err.message }), code: err.code };
    return { text: err.message, code: err.code };
  }
  const coded = err as { code?: unknown; message?: unknown };
  const code = typeof coded?.code === 'string' ? coded.code : null;
  if (code !== null && intl.messages[`error.${code}`] !== undefined) return { text: intl.formatMessage({ id: `error.${code}` }, { message: String(coded.message ?? '') }), code };
  return { text: err instanceof Error ? err.message : String(err), code };
}
