/**
 * Following a channel's blocks over server-sent events, through dropped connections.
 *
 * The iterator remembers the height of the last event it delivered. When the connection drops
 * (or the server ends the response), it reconnects after a backoff with `Last-Event-ID: <that
 * height>` and `from=<height + 1>` (a server may honour either), and skips any event at or below
 * that height, so the consumer sees every block once, in order. Consecutive failed connections
 * are bounded by `maxRetries`; delivering an event resets the count. Without `from` the stream
 * starts after the current head (read first, so that a reconnect before the first event still
 * resumes exactly).
 */
import { abortReason, backoffMs, sleep } from './abort.js';
import { KonsortiumApiError, KonsortiumError, KonsortiumNetworkError } from './errors.js';
import type { HttpTransport, OpenStream } from './http.js';
import { readSse } from './sse.js';
import { readBlockEvent, readHead } from './read.js';
import type { BlockEvent } from './types.js';

export interface EventsOptions {
  /** First height wanted (inclusive). Default: the block after the current head. */
  readonly from?: number;
  readonly signal?: AbortSignal;
  /** Consecutive failed connections tolerated before the iterator throws. Default 5. */
  readonly maxRetries?: number;
  /** Backoff before reconnecting: base (or the server's `retry:`) doubling up to the cap. Defaults 250 and 5 000 ms. */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
}

export const DEFAULT_EVENT_RETRIES = 5;

export async function* followBlocks(transport: HttpTransport, channel: string, options: EventsOptions = {}): AsyncGenerator<BlockEvent, void, undefined> {
  const { signal } = options;
  const maxRetries = options.maxRetries ?? DEFAULT_EVENT_RETRIES;
  const baseMs = options.retryBaseMs ?? 250;
  const capMs = options.retryCapMs ?? 5_000;
  if (options.from !== undefined && (!Number.isSafeInteger(options.from) || options.from < 0)) throw new RangeError('from must be a non-negative integer');
  const base = `/v1/channels/${encodeURIComponent(channel)}`;
  let last: number;
  if (options.from !== undefined) {
    last = options.from - 1;
  } else {
    const head = readHead((await transport.json('GET', `${base}/head`, { signal })).body);
    last = head.height;
  }
  let connected = false;
  let failures = 0;
  let serverRetryMs: number | undefined;
  for (;;) {
    let stream: OpenStream | undefined;
    let failure: unknown;
    try {
      const headers: Record<string, string> = connected && last >= 0 ? { 'last-event-id': String(last) } : {};
      stream = await transport.stream(`${base}/events`, { query: { from: last + 1 }, headers, signal });
      connected = true;
      for await (const ev of readSse(stream.body)) {
        if (ev.retryMs !== undefined) serverRetryMs = ev.retryMs;
        if (ev.type !== 'block') continue;
        const block = readBlockEvent(ev.data);
        if (block.height <= last) continue; // replayed after a reconnect
        last = block.height;
        failures = 0;
        yield block;
      }
      failure = new KonsortiumNetworkError(`event stream of ${channel} ended by the server`);
    } catch (err) {
      if (signal?.aborted === true) throw abortReason(signal);
      if (!isRetriable(err)) throw err;
      failure = err instanceof KonsortiumError ? err : new KonsortiumNetworkError(`event stream of ${channel} broke: ${(err as Error).message}`, { cause: err });
    } finally {
      stream?.close();
    }
    failures++;
    if (failures > maxRetries) {
      throw new KonsortiumNetworkError(`event stream of ${channel}: ${failures} connections in a row failed (last: ${(failure as Error).message})`, { cause: failure });
    }
    await sleep(backoffMs(failures - 1, serverRetryMs ?? baseMs, Math.max(capMs, serverRetryMs ?? 0)), signal);
  }
}

/** Network trouble and 5xx/429 are worth a reconnect; a refusal (401, 404, …) or a bad event is not. */
function isRetriable(err: unknown): boolean {
  if (err instanceof KonsortiumApiError) return err.status >= 500 || err.status === 429;
  if (err instanceof KonsortiumNetworkError) return true;
  return !(err instanceof KonsortiumError); // a raw stream error (TypeError "terminated", ECONNRESET)
}
