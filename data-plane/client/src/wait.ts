/**
 * Waiting for a transaction to reach a status.
 *
 * For "committed" and "final" the wait follows the channel's event stream: it reads the head
 * first, then checks the status once, then listens from head + 1, so a block committed between
 * the check and the subscription is still seen. When a block names the transaction, its status
 * is read again (for index and message). Meanwhile a slow safety poll runs in case the stream
 * is silently stuck (a buffering proxy). If the stream cannot be used (no events route, a proxy
 * that refuses SSE, too many reconnects), polling takes over at once with capped exponential
 * backoff. "received" and "ordered" are not visible in blocks, so those waits only poll.
 *
 * A transaction unknown to the node (404) is treated as not there yet; the wait is bounded by
 * `timeoutMs` in every case.
 */
import { AbortScope, abortReason, backoffMs, sleep } from './abort.js';
import { KonsortiumApiError, KonsortiumNetworkError, KonsortiumTimeoutError, KonsortiumTxRejectedError } from './errors.js';
import type { EventsOptions } from './events.js';
import type { BlockEvent, ChainHead, TxStatus, TxStatusName } from './types.js';

/** 'final' = committed or rejected. */
export type WaitTarget = Exclude<TxStatusName, 'rejected'> | 'final';

export interface WaitOptions {
  /** Default 'final'. With 'committed', a rejection throws KonsortiumTxRejectedError. */
  readonly until?: WaitTarget;
  /** Overall bound. Default 60 000 ms; Infinity to wait for ever (then pass a signal). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Use the event stream for 'committed'/'final'. Default true. */
  readonly useEvents?: boolean;
  /** Polling: first interval and cap. Defaults 200 and 2 000 ms. */
  readonly pollIntervalMs?: number;
  readonly maxPollIntervalMs?: number;
  /** Safety poll interval while the stream is up. Default 10 000 ms. */
  readonly streamPollIntervalMs?: number;
}

/** What waiting needs of a client (KonsortiumClient fits). */
export interface StatusSource {
  status(channel: string, txId: string, options?: { signal?: AbortSignal }): Promise<TxStatus>;
  head(channel: string, options?: { signal?: AbortSignal }): Promise<ChainHead>;
  events(channel: string, options?: EventsOptions): AsyncIterable<BlockEvent>;
}

/** A wait gives up on a broken stream sooner than a plain follower: polling takes over. */
const STREAM_RETRIES = 2;
const RANK: Readonly<Record<TxStatusName, number>> = { received: 0, ordered: 1, committed: 2, rejected: 2 };

/** true: reached; false: not yet; throws when it can never be reached (rejected while waiting for committed). */
function reached(s: TxStatus, until: WaitTarget): boolean {
  if (until === 'committed' && s.status === 'rejected') throw new KonsortiumTxRejectedError(s);
  if (until === 'final') return s.status === 'committed' || s.status === 'rejected';
  return RANK[s.status] >= RANK[until];
}

export async function waitForTxStatus(source: StatusSource, channel: string, txId: string, options: WaitOptions = {}): Promise<TxStatus> {
  const until = options.until ?? 'final';
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollIntervalMs ?? 200;
  const pollCapMs = options.maxPollIntervalMs ?? 2_000;
  const streamPollMs = options.streamPollIntervalMs ?? 10_000;
  let lastSeen: TxStatus | undefined;
  let lastError: unknown;
  const scope = new AbortScope(options.signal, timeoutMs, () => `transaction ${txId} did not reach "${until}" within ${timeoutMs} ms`);
  const signal = scope.signal;

  /** The status, or undefined while the node does not know the tx or cannot be reached. */
  const check = async (): Promise<TxStatus | undefined> => {
    try {
      const s = await source.status(channel, txId, { signal });
      lastSeen = s;
      return s;
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      const transient = err instanceof KonsortiumNetworkError || (err instanceof KonsortiumApiError && (err.code === 'NOT_FOUND' || err.code === 'TX_NOT_FOUND' || err.status >= 500 || err.status === 429));
      if (!transient) throw err;
      lastError = err;
      return undefined;
    }
  };

  let streamUp = false;
  let markStreamDown: () => void = () => undefined;
  const streamDown = new Promise<void>((resolve) => (markStreamDown = resolve));

  const poll = async (): Promise<TxStatus> => {
    for (let attempt = 0; ; attempt++) {
      const s = await check();
      if (s !== undefined && reached(s, until)) return s;
      const backoff = backoffMs(attempt, pollMs, pollCapMs);
      if (streamUp) await sleep(Math.max(backoff, streamPollMs), signal, streamDown);
      else await sleep(backoff, signal);
    }
  };

  /** Resolves with the status once a block names the tx; undefined if the stream is unusable. */
  const follow = async (from: number): Promise<TxStatus | undefined> => {
    try {
      for await (const block of source.events(channel, { from, signal, maxRetries: STREAM_RETRIES })) {
        const entry = block.txs.find((t) => t.txId === txId);
        if (entry === undefined) continue;
        const s = await check();
        if (s !== undefined && reached(s, until)) return s;
        // The node's status lags its blocks: trust the block.
        const fromBlock: TxStatus = entry.code === 'OK' ? { txId, status: 'committed', height: block.height } : { txId, status: 'rejected', code: entry.code, height: block.height };
        lastSeen = fromBlock;
        if (reached(fromBlock, until)) return fromBlock;
      }
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      if (err instanceof KonsortiumTxRejectedError) throw err;
      lastError = err;
    } finally {
      streamUp = false;
      markStreamDown();
    }
    return undefined;
  };

  const tasks: Promise<unknown>[] = [];
  try {
    let head: ChainHead | undefined;
    if ((options.useEvents ?? true) && (until === 'committed' || until === 'final')) {
      try {
        head = await source.head(channel, { signal });
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        lastError = err; // no head, no stream: poll
      }
    }
    return await new Promise<TxStatus>((resolve, reject) => {
      if (head !== undefined) {
        streamUp = true;
        const f = follow(head.height + 1);
        tasks.push(f);
        f.then((s) => {
          if (s !== undefined) resolve(s);
        }, reject);
      }
      const p = poll();
      tasks.push(p);
      p.then(resolve, reject);
    });
  } catch (err) {
    if (scope.timedOut && !scope.callerAborted) {
      const seen = lastSeen === undefined ? 'never seen by the node' : `last status "${lastSeen.status}"`;
      const why = lastError instanceof Error && lastSeen === undefined ? `; last error: ${lastError.message}` : '';
      throw new KonsortiumTimeoutError(`transaction ${txId} did not reach "${until}" within ${timeoutMs} ms (${seen}${why})`, timeoutMs);
    }
    throw err;
  } finally {
    scope.abort(new DOMException('wait finished', 'AbortError'));
    scope.dispose();
    await Promise.allSettled(tasks);
  }
}
