/**
 * A `fetch` for Node.js processes that call nodes often (an integrating server, the control
 * plane, a benchmark): node:http(s) with keep-alive agents under the same `FetchFn` contract
 * the SDK's transport uses. The global fetch (undici) costs about 1 ms of CPU per small JSON
 * request on a 2-vCPU machine, this about 0.3 ms; with a few hundred calls a second that is the
 * difference between a busy and an idle core. Node only: import it from
 * `@konsortium/client/node` (browsers keep their own fetch).
 *
 * Responses are buffered and handed back as a standard `Response`, except event streams
 * (`text/event-stream`), whose body streams as it arrives. The caller's AbortSignal ends the
 * request (and a stream's body) with the signal's reason, as fetch does; a failure to connect
 * or a dropped connection rejects with a TypeError whose `cause` is the socket error.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { FetchFn } from './http.js';

export interface NodeFetchOptions {
  /** Concurrent sockets per origin. Default 64. */
  readonly maxSockets?: number;
  /** Idle keep-alive sockets kept per origin. Default 16. */
  readonly maxFreeSockets?: number;
}

export interface NodeFetch extends FetchFn {
  /** Closes the idle keep-alive sockets (in-flight requests finish). */
  close(): void;
}

/** Statuses whose Response may not have a body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function nodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  // Idle sockets close after 4 s, before a server with the common 5 s keep-alive timeout would
  // close one under a new request.
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, maxFreeSockets: options.maxFreeSockets ?? 16, timeout: 4000 };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  const fetchFn = (input: string, init: RequestInit): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new TypeError(`nodeFetch: unsupported protocol ${url.protocol}`));
        return;
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      const body = bodyBytes(init.body);
      const headers = headerRecord(init.headers);
      if (body !== undefined) headers['content-length'] = String(body.byteLength);
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol] });
      let settled = false;
      let onAbort: () => void = () => {
        settled = true;
        req.destroy();
        reject(signal!.reason);
      };
      const detach = () => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) => {
        detach();
        if (settled) return;
        settled = true;
        reject(new TypeError('fetch failed', { cause: err }));
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const init = { status, statusText: res.statusMessage ?? '', headers: responseHeaders };
        if ((res.headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream')) {
          // The body streams; an abort from now on ends the stream with the signal's reason.
          settled = true;
          detach();
          onAbort = () => res.destroy(signal!.reason as Error);
          signal?.addEventListener('abort', onAbort, { once: true });
          res.on('close', () => signal?.removeEventListener('abort', onAbort));
          resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, init));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          detach();
          if (settled) return;
          settled = true;
          reject(new TypeError('fetch failed: the response was cut off', { cause: err }));
        });
        res.on('end', () => {
          detach();
          if (settled) return;
          settled = true;
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), init));
        });
      });
      req.end(body);
    });

  return Object.assign(fetchFn, {
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

function bodyBytes(body: RequestInit['body']): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('nodeFetch: the body must be a string, a Uint8Array or an ArrayBuffer');
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (headers instanceof Headers) {
    headers.forEach((v, k) => (out[k] = v));
    return out;
  }
  if (Array.isArray(headers)) {
    for (const [k, v] of headers) out[k!.toLowerCase()] = v!;
    return out;
  }
  for (const [k, v] of Object.entries(headers as Record<string, string | readonly string[]>)) out[k.toLowerCase()] = typeof v === 'string' ? v : v.join(', ');
  return out;
}
