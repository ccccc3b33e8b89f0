/**
 * A server-sent events parser over a fetch body (WHATWG HTML "Server-sent events", §9.2.6),
 * used instead of EventSource because EventSource cannot send an Authorization header, cannot
 * be given an AbortSignal and does not exist in Node 20. Lines end in CRLF, LF or CR (a CR at
 * the end of a chunk waits for the next chunk); `:` starts a comment; a blank line dispatches
 * the event; an event left incomplete when the stream ends is discarded, as the spec says (a
 * reconnecting reader then resumes after the last complete event).
 */

export interface SseEvent {
  /** The `event:` field, "message" when absent. */
  readonly type: string;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  /** The last `id:` seen so far in the stream (ids persist across events), "" when none. */
  readonly lastEventId: string;
  /** `retry:` (milliseconds) if the server sent one with or before this event. */
  readonly retryMs?: number;
}

/** Incremental parser: feed it decoded text, collect whole events. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private type = '';
  private lastEventId = '';
  private retryMs: number | undefined;
  private started = false;

  /** Feeds a chunk of text; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13 && i + 1 === this.buffer.length) break; // a CR ending the chunk: wait to see if LF follows
      const line = this.buffer.slice(start, i);
      if (c === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      const ev = this.line(line);
      if (ev !== null) out.push(ev);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** End of stream: a pending CR still ends its line; an unfinished event is dropped. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buffer.endsWith('\r')) {
      const ev = this.line(this.buffer.slice(0, -1));
      if (ev !== null) out.push(ev);
    }
    this.buffer = '';
    this.data = [];
    this.type = '';
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const data = this.data;
    const type = this.type;
    this.data = [];
    this.type = '';
    if (data.length === 0) return null;
    const ev: { -readonly [K in keyof SseEvent]: SseEvent[K] } = { type: type === '' ? 'message' : type, data: data.join('\n'), lastEventId: this.lastEventId };
    if (this.retryMs !== undefined) ev.retryMs = this.retryMs;
    return ev;
  }
}

/**
 * Reads events from a byte stream until it ends. Errors of the stream (a dropped connection,
 * an abort) are thrown from the iterator; breaking out of the loop cancels the reader.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
