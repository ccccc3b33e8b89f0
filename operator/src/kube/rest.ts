/**
 * A small Kubernetes REST client over node:https with a keep-alive agent: JSON requests, server-
 * side apply, merge patches, subresources and watch streams. @kubernetes/client-node loads the
 * kubeconfig (files, in-cluster service account, exec plugins); the requests are ours because
 * the operator needs what its generated clients make awkward (status and finalizer patches on
 * custom resources, apply with `force`, streaming watches with bookmarks) and because hundreds
 * of reconciles a second want one pooled agent, not one per call.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** An answer of the API server other than 2xx: its HTTP status, `reason` and message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.status === 409;
export const isGone = (err: unknown): boolean => err instanceof KubeApiError && err.status === 410;

export type ContentType = 'application/json' | 'application/merge-patch+json' | 'application/apply-patch+yaml' | 'application/json-patch+json';

export interface RequestOptions {
  readonly body?: unknown;
  readonly contentType?: ContentType;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly timeoutMs?: number;
}

/** Credentials are re-read this often (in-cluster tokens are rotated by the kubelet). */
const AUTH_REFRESH_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;

interface Auth {
  readonly base: URL;
  readonly headers: Record<string, string>;
  readonly agent: http.Agent;
  readonly at: number;
}

export class KubeRest {
  private auth: Auth | null = null;
  private authing: Promise<Auth> | null = null;
  /** Requests made (a figure for the benchmark and metrics). */
  requests = 0;
  /** Requests by "METHOD resource[/subresource]" (watches as "WATCH resource"). */
  readonly byKind = new Map<string, number>();

  private count(method: string, path: string): void {
    this.requests++;
    const parts = path.split('?')[0]!.split('/');
    const nsAt = parts.indexOf('namespaces');
    const rest = nsAt >= 0 && parts.length > nsAt + 2 ? parts.slice(nsAt + 2) : parts.slice(parts[1] === 'api' ? 3 : 4);
    const key = `${method} ${rest[0] ?? ''}${rest[2] !== undefined ? `/${rest[2]}` : ''}`;
    this.byKind.set(key, (this.byKind.get(key) ?? 0) + 1);
  }

  constructor(
    private readonly kc: KubeConfig,
    private readonly maxSockets = 64,
  ) {}

  private async credentials(): Promise<Auth> {
    if (this.auth !== null && Date.now() - this.auth.at < AUTH_REFRESH_MS) return this.auth;
    this.authing ??= this.loadCredentials().finally(() => {
      this.authing = null;
    });
    return this.authing;
  }

  private async loadCredentials(): Promise<Auth> {
    const cluster = this.kc.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    if (typeof opts.auth === 'string') headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const base = new URL(cluster.server);
    // Keep the agent across refreshes unless the TLS material changed: pooled sockets are the point.
    const prev = this.auth;
    const agent =
      prev !== null && prev.base.href === base.href
        ? prev.agent
        : base.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, maxSockets: this.maxSockets, ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized ?? true, servername: opts.servername })
          : new http.Agent({ keepAlive: true, maxSockets: this.maxSockets });
    this.auth = { base, headers, agent, at: Date.now() };
    return this.auth;
  }

  private url(a: Auth, path: string, query?: RequestOptions['query']): URL {
    const u = new URL(a.base.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** A JSON request; resolves with the parsed body of a 2xx, rejects with KubeApiError otherwise. */
  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const a = await this.credentials();
    const u = this.url(a, path, o.query);
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    this.count(method, path);
    return new Promise<T>((resolve, reject) => {
      const req = (u.protocol === 'https:' ? https : http).request(
        u,
        {
          method,
          agent: a.agent,
          headers: {
            ...a.headers,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': o.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
          timeout: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let json: unknown = undefined;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            if (status >= 200 && status < 300) return resolve(json as T);
            const s = (json ?? {}) as { reason?: string; message?: string };
            reject(new KubeApiError(status, s.reason ?? `HTTP${status}`, `${method} ${path}: ${status} ${s.message ?? text.slice(0, 500)}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A watch stream: calls `onEvent` per line (one JSON watch event each) until the server ends
   * the stream (resolves) or it fails (rejects). `abort` ends it early.
   */
  async stream(path: string, query: RequestOptions['query'], onEvent: (e: unknown) => void, signal: AbortSignal): Promise<void> {
    const a = await this.credentials();
    const u = this.url(a, path, query);
    this.count('WATCH', path);
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      const req = (u.protocol === 'https:' ? https : http).request(u, { method: 'GET', agent: a.agent, headers: { ...a.headers, accept: 'application/json' } }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(new KubeApiError(status, `HTTP${status}`, `watch ${path}: ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}`)));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line === '') continue;
            try {
              onEvent(JSON.parse(line));
            } catch (err) {
              req.destroy(err as Error);
              return;
            }
          }
        });
        res.on('end', () => resolve());
        res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
        res.on('aborted', () => (signal.aborted ? resolve() : reject(new Error(`watch ${path}: stream aborted`))));
      });
      const onAbort = (): void => {
        req.destroy();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => signal.removeEventListener('abort', onAbort));
      req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      req.end();
    });
  }

  close(): void {
    this.auth?.agent.destroy();
  }
}
