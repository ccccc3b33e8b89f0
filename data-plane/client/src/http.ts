/**
 * The HTTP layer: URL building, the bearer token, per-request timeouts, the caller's
 * AbortSignal, error mapping and retries. It uses the global `fetch` (or an injected one), so
 * the same code runs in Node 20 and in browsers.
 *
 * Retries: every route of the node API is a read or an idempotent submit (a transaction's id is
 * the hash of its body, so sending it again is harmless), so a request that got no answer
 * (connection refused/reset) or a 502/503/504 is retried `retries` times with backoff. A
 * timeout is not retried (the caller's time budget is spent), nor is any other error status.
 */
import { AbortScope, abortReason, backoffMs, sleep } from './abort.js';
import { KonsortiumApiError, KonsortiumNetworkError, KonsortiumResponseError, KonsortiumTimeoutError } from './errors.js';

/** Returns the bearer token to send (called before every request, so it may refresh); none when empty. */
export type TokenProvider = () => string | null | undefined | Promise<string | null | undefined>;

/** The subset of `fetch` the SDK uses; pass a bound function (`window.fetch.bind(window)`) in browsers. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** The node's base URL, e.g. `https://node1.example.com` or `http://127.0.0.1:8001/prefix`. */
  readonly baseUrl: string;
  readonly fetch?: FetchFn;
  /** A JWT, or a function returning one (sent as `Authorization: Bearer …`). */
  readonly token?: string | TokenProvider;
  /** Per-request timeout (for a stream: until its headers arrive). Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Retries of a request that got no answer or a 502/503/504. Default 2. */
  readonly retries?: number;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  /** Raw bytes sent as application/octet-stream (instead of a JSON body). */
  readonly rawBody?: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Overrides the client's per-request timeout for this call. */
  readonly timeoutMs?: number;
  /** Overrides the client's retry count for this call. */
  readonly retries?: number;
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** An open response whose body the caller reads; `close()` releases it (always call it). */
export interface OpenStream {
  readonly response: Response;
  readonly body: ReadableStream<Uint8Array>;
  close(): void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 2;
const RETRY_BASE_MS = 100;
const RETRY_CAP_MS = 2_000;
const RETRIABLE_STATUS = new Set([502, 503, 504]);

export class HttpTransport {
  readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly token: string | TokenProvider | undefined;
  readonly timeoutMs: number;
  readonly retries: number;

  constructor(options: TransportOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl "${options.baseUrl}" is not an absolute URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`baseUrl must be http(s), got ${base.protocol}`);
    this.baseUrl = base.href.replace(/\/+$/, '');
    if (options.fetch === undefined && typeof globalThis.fetch !== 'function') throw new TypeError('no global fetch: pass options.fetch');
    // The global fetch must be called with globalThis as `this` in browsers.
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    if (!(this.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    if (!Number.isInteger(this.retries) || this.retries < 0) throw new RangeError('retries must be a non-negative integer');
  }

  url(path: string, query?: RequestOptions['query']): string {
    let url = this.baseUrl + path;
    if (query !== undefined) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const qs = params.toString();
      if (qs !== '') url += `?${qs}`;
    }
    return url;
  }

  /** A JSON request; 2xx bodies are parsed, other statuses become KonsortiumApiError. */
  async json(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions = {}): Promise<JsonResponse> {
    return this.retrying(options, () => this.jsonOnce(method, path, options));
  }

  /** A GET of raw bytes (application/octet-stream); other statuses become KonsortiumApiError. */
  async bytes(path: string, options: RequestOptions = {}): Promise<Uint8Array> {
    return this.retrying(options, async () => {
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const scope = new AbortScope(options.signal, timeoutMs, () => `GET ${path}: no answer within ${timeoutMs} ms`);
      try {
        const res = await this.send('GET', path, options, { accept: 'application/octet-stream, application/json', ...options.headers }, scope);
        if (!res.ok) throw apiErrorOf(res, await this.readText(res, 'GET', path, scope));
        try {
          return new Uint8Array(await res.arrayBuffer());
        } catch (err) {
          throw failureOf(scope, err, 'GET', path);
        }
      } finally {
        scope.dispose();
      }
    });
  }

  private async retrying<T>(options: RequestOptions, once: () => Promise<T>): Promise<T> {
    const retries = options.retries ?? this.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await once();
      } catch (err) {
        if (attempt >= retries || !isRetriable(err)) throw err;
        await sleep(backoffMs(attempt, RETRY_BASE_MS, RETRY_CAP_MS), options.signal);
      }
    }
  }

  private async jsonOnce(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: RequestOptions): Promise<JsonResponse> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const scope = new AbortScope(options.signal, timeoutMs, () => `${method} ${path}: no answer within ${timeoutMs} ms`);
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (options.rawBody !== undefined) headers['content-type'] = 'application/octet-stream';
      else if (options.body !== undefined) headers['content-type'] = 'application/json';
      const res = await this.send(method, path, options, headers, scope);
      const text = await this.readText(res, method, path, scope);
      if (!res.ok) throw apiErrorOf(res, text);
      try {
        return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
      } catch (err) {
        throw new KonsortiumResponseError(`${method} ${path}: response is not JSON (HTTP ${res.status})`, { cause: err });
      }
    } finally {
      scope.dispose();
    }
  }

  /**
   * Opens a streaming GET (server-sent events). The timeout covers the wait for the response
   * headers; after that only the caller's signal (or close()) ends the stream.
   */
  async stream(path: string, options: RequestOptions = {}): Promise<OpenStream> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const scope = new AbortScope(options.signal, timeoutMs, () => `GET ${path}: no answer within ${timeoutMs} ms`);
    try {
      const res = await this.send('GET', path, options, { accept: 'text/event-stream', ...options.headers }, scope);
      if (!res.ok) throw apiErrorOf(res, await this.readText(res, 'GET', path, scope));
      const type = res.headers.get('content-type') ?? '';
      if (!type.toLowerCase().startsWith('text/event-stream')) {
        await res.body?.cancel().catch(() => undefined);
        throw new KonsortiumResponseError(`GET ${path}: expected text/event-stream, got "${type}"`);
      }
      if (res.body === null) throw new KonsortiumResponseError(`GET ${path}: response has no body`);
      scope.clearDeadline();
      return {
        response: res,
        body: res.body,
        close: () => {
          scope.abort(new DOMException('stream closed', 'AbortError'));
          scope.dispose();
        },
      };
    } catch (err) {
      scope.dispose();
      throw err;
    }
  }

  private async send(method: string, path: string, options: RequestOptions, headers: Record<string, string>, scope: AbortScope): Promise<Response> {
    const token = typeof this.token === 'function' ? await this.token() : this.token;
    if (token !== undefined && token !== null && token !== '') headers['authorization'] = `Bearer ${token}`;
    if (scope.signal.aborted) throw failureOf(scope, new Error('aborted'), method, path);
    const init: RequestInit = { method, headers, signal: scope.signal };
    if (options.rawBody !== undefined) init.body = options.rawBody as unknown as RequestInit['body'];
    else if (options.body !== undefined) init.body = JSON.stringify(options.body);
    try {
      return await this.fetchFn(this.url(path, options.query), init);
    } catch (err) {
      throw failureOf(scope, err, method, path);
    }
  }

  private async readText(res: Response, method: string, path: string, scope: AbortScope): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      throw failureOf(scope, err, method, path);
    }
  }
}

/** Why a fetch or body read failed: the caller's abort, our deadline, or the network. */
function failureOf(scope: AbortScope, err: unknown, method: string, path: string): unknown {
  if (scope.callerAborted) return scope.signal.reason ?? abortReason(scope.signal);
  if (scope.timedOut) return scope.signal.reason;
  if (err instanceof KonsortiumNetworkError) return err;
  return new KonsortiumNetworkError(`${method} ${path}: ${describe(err)}`, { cause: err });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}

function isRetriable(err: unknown): boolean {
  if (err instanceof KonsortiumApiError) return RETRIABLE_STATUS.has(err.status);
  return err instanceof KonsortiumNetworkError && !(err instanceof KonsortiumTimeoutError);
}

/**
 * The API's error body is `{ "error": { code, message, details? } }`; a flat `{ code, message }`
 * is accepted too. Anything else (a proxy's HTML page) keeps the status with code `HTTP_<status>`.
 */
export function apiErrorOf(res: Response, text: string): KonsortiumApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const outer = isRecord(parsed) ? parsed : undefined;
  const e = outer !== undefined && isRecord(outer['error']) ? outer['error'] : outer;
  const code = e !== undefined && typeof e['code'] === 'string' && e['code'] !== '' ? e['code'] : `HTTP_${res.status}`;
  const fallback = `HTTP ${res.status}${res.statusText === '' ? '' : ` ${res.statusText}`}${text === '' || e !== undefined ? '' : `: ${text.slice(0, 200)}`}`;
  const message = e !== undefined && typeof e['message'] === 'string' ? e['message'] : fallback;
  const details = e !== undefined && isRecord(e['details']) ? e['details'] : undefined;
  return new KonsortiumApiError(res.status, code, message, details);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
