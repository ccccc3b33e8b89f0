/**
 * Errors these services raise in the browser, with a code the ErrorBanner turns into a
 * sentence (`error.<CODE>` in messages.ts) and the message as its detail.
 */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

export function coded(code: string, message: string, details?: Readonly<Record<string, unknown>>): CodedError {
  return new CodedError(code, message, details);
}

export function isAbort(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'AbortError';
}
