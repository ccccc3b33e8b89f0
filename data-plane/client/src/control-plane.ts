/**
 * ControlPlaneClient: the control plane's HTTP API (tenants, users, networks, nodes,
 * provisioning operations, CFA operations, integrity reports…) from Node 20 or a browser, and
 * the session that goes with it: sign in, an access token refreshed before it expires (one
 * refresh at a time, however many requests wait for it), sign out, and short-lived tokens for
 * the ledger nodes (`nodeToken()`), which a `KonsortiumClient` takes as its token provider.
 *
 *   const cp = new ControlPlaneClient({ baseUrl: location.origin });
 *   await cp.signIn('ops@bank.example', password);
 *   const tenants = await cp.get<Page<Tenant>>('/v1/tenants');
 *   const node = new KonsortiumClient({ baseUrl: `${location.origin}/ledger/${id}`, token: () => cp.nodeToken() });
 *
 * Writes are not retried (a create is not idempotent); reads are retried like the node API's.
 */
import { KonsortiumApiError } from './errors.js';
import { type FetchFn, HttpTransport } from './http.js';

/** What a sign-in or refresh returns. */
export interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresAt: string;
  readonly refreshToken: string;
  readonly refreshExpiresAt: string;
}

/** The caller as the control plane sees it (`GET /v1/me`). */
export interface Me {
  readonly subject: string;
  readonly kind: string;
  readonly roles: readonly string[];
  readonly tenantId: string | null;
  readonly scopes: readonly string[] | null;
  readonly email?: string;
}

/** A page of a listing: `next` is the cursor of the following page, null at the end. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next?: string | null;
}

export interface ControlPlaneClientOptions {
  /** The control plane's base URL (in a browser, usually `location.origin`). */
  readonly baseUrl: string;
  readonly fetch?: FetchFn;
  /** Per-request timeout in ms. Default 30 000. */
  readonly timeoutMs?: number;
  /** A session to resume (e.g. kept in sessionStorage); default none. */
  readonly session?: TokenPair | null;
  /** Called whenever the session changes (sign-in, refresh, sign-out: null). */
  readonly onSession?: (session: TokenPair | null) => void;
  /** The clock (ms), for token expiry. Default Date.now. */
  readonly now?: () => number;
}

/** Refresh this long before the access token expires, so a request never carries a dead one. */
const REFRESH_MARGIN_MS = 30_000;

export class ControlPlaneClient {
  private readonly http: HttpTransport;
  private readonly onSession: (session: TokenPair | null) => void;
  private readonly now: () => number;
  private readonly fetchFn: FetchFn;
  private current: TokenPair | null;
  private refreshing: Promise<TokenPair> | null = null;
  private node: { token: string; expiresAtMs: number } | null = null;
  private nodePending: Promise<string> | null = null;

  constructor(o: ControlPlaneClientOptions) {
    this.current = o.session ?? null;
    this.onSession = o.onSession ?? (() => {});
    this.now = o.now ?? Date.now;
    this.fetchFn = o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.http = new HttpTransport({
      baseUrl: o.baseUrl,
      ...(o.fetch === undefined ? {} : { fetch: o.fetch }),
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
      token: () => this.accessToken(),
    });
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The current session (null when signed out). */
  get session(): TokenPair | null {
    return this.current;
  }

  async signIn(email: string, password: string, signal?: AbortSignal): Promise<Me> {
    const res = await this.http.json('POST', '/v1/auth/login', { body: { email, password }, retries: 0, ...(signal ? { signal } : {}) });
    this.setSession(res.body as TokenPair);
    return this.me(signal);
  }

  /** Ends the session on the server (its refresh token is revoked) and here. Never throws. */
  async signOut(): Promise<void> {
    const s = this.current;
    this.setSession(null);
    if (s === null) return;
    try {
      await this.http.json('POST', '/v1/auth/logout', { body: { refreshToken: s.refreshToken }, retries: 0 });
    } catch {
      // The local session is gone either way; the refresh token expires on its own.
    }
  }

  async me(signal?: AbortSignal): Promise<Me> {
    return this.get<Me>('/v1/me', signal === undefined ? {} : { signal });
  }

  /** A node-audience token for the ledger nodes (cached until shortly before it expires). */
  async nodeToken(): Promise<string> {
    if (this.node !== null && this.node.expiresAtMs - REFRESH_MARGIN_MS > this.now()) return this.node.token;
    this.nodePending ??= (async () => {
      try {
        const r = await this.post<{ token: string; expiresAt: string }>('/v1/auth/node-token', {});
        this.node = { token: r.token, expiresAtMs: Date.parse(r.expiresAt) };
        return r.token;
      } finally {
        this.nodePending = null;
      }
    })();
    return this.nodePending;
  }

  async get<T>(path: string, o: { query?: Record<string, string | number | undefined>; signal?: AbortSignal } = {}): Promise<T> {
    return (await this.http.json('GET', path, o)).body as T;
  }

  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return (await this.http.json('POST', path, { body, retries: 0, ...(signal ? { signal } : {}) })).body as T;
  }

  async patch<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return (await this.http.json('PATCH', path, { body, retries: 0, ...(signal ? { signal } : {}) })).body as T;
  }

  async delete<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.http.json('DELETE', path, { retries: 0, ...(signal ? { signal } : {}) })).body as T;
  }

  /** The access token to send, refreshed first when it is about to expire; none when signed out. */
  private async accessToken(): Promise<string | null> {
    const s = this.current;
    if (s === null) return null;
    if (Date.parse(s.expiresAt) - REFRESH_MARGIN_MS > this.now()) return s.accessToken;
    if (Date.parse(s.refreshExpiresAt) <= this.now()) {
      this.setSession(null);
      return null;
    }
    this.refreshing ??= (async () => {
      try {
        // Not through `this.http`: its token provider is this very function.
        const res = await this.fetchFn(this.http.url('/v1/auth/refresh'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: s.refreshToken }),
        });
        const body = (await res.json()) as TokenPair & { code?: string; message?: string };
        if (!res.ok) throw new KonsortiumApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? 'refresh failed');
        this.setSession(body);
        return body;
      } catch (err) {
        // A refused refresh (revoked, reused, expired) ends the session: the caller signs in again.
        if (err instanceof KonsortiumApiError) this.setSession(null);
        throw err;
      } finally {
        this.refreshing = null;
      }
    })();
    return (await this.refreshing).accessToken;
  }

  private setSession(s: TokenPair | null): void {
    this.current = s;
    this.node = null;
    this.onSession(s);
  }
}
