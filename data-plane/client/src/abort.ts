/**
 * Cancellation plumbing (isomorphic: AbortController and timers exist in Node and browsers).
 * An AbortScope is a child controller that aborts when the caller's signal does, or when its
 * own deadline passes (then its reason is a KonsortiumTimeoutError), so one signal handed to
 * fetch and to sleeps covers "the caller gave up" and "we gave up" alike.
 */
import { KonsortiumTimeoutError } from './errors.js';

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export class AbortScope {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onParentAbort: (() => void) | undefined;
  private timedOutFlag = false;

  /** `timeoutMs` undefined or Infinity: no deadline. */
  constructor(
    private readonly parent: AbortSignal | undefined,
    timeoutMs: number | undefined,
    timeoutMessage: () => string = () => `timed out after ${timeoutMs} ms`,
  ) {
    if (parent !== undefined) {
      if (parent.aborted) {
        this.controller.abort(abortReason(parent));
      } else {
        this.onParentAbort = () => this.controller.abort(abortReason(parent));
        parent.addEventListener('abort', this.onParentAbort, { once: true });
      }
    }
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && !this.controller.signal.aborted) {
      this.timer = setTimeout(() => {
        this.timedOutFlag = true;
        this.controller.abort(new KonsortiumTimeoutError(timeoutMessage(), timeoutMs));
      }, Math.max(0, timeoutMs));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the scope's own deadline fired (as opposed to the caller aborting). */
  get timedOut(): boolean {
    return this.timedOutFlag;
  }

  /** Whether the caller's signal aborted. */
  get callerAborted(): boolean {
    return this.parent?.aborted === true;
  }

  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  /** Stops the deadline only (a stream keeps following the caller's signal). */
  clearDeadline(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops the deadline and unhooks from the caller's signal; call once the work is over. */
  dispose(): void {
    this.clearDeadline();
    if (this.onParentAbort !== undefined) this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}

/** Resolves after `ms`, or early when `wake` resolves; rejects with the signal's reason on abort. */
export function sleep(ms: number, signal?: AbortSignal, wake?: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      finish();
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
    wake?.then(
      () => {
        finish();
        resolve();
      },
      () => undefined,
    );
  });
}

/** Exponential backoff with jitter in [delay/2, delay]: attempt 0 → base, capped at `capMs`. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const delay = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return delay / 2 + (delay / 2) * Math.random();
}
