/**
 * The control plane's API as the portal end-to-end tests use it on the `npm start` stack (see
 * ./portal.ts): for the setup a test is not about (tenants, money, issues placed) and to check
 * what the UI did against the API and the chain, so that each test's file keeps only its own
 * story. Also the whitespace normaliser those tests compare UI text with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KonsortiumClient } from '@konsortium/client';
import type { SuiteId } from '@konsortium/protocol';
import { api, type ApiReply, login as platformLogin } from './platform-calls.js';
import type { Credentials, PortalStack } from './portal.js';
import { waitFor } from './process.js';

/** A reply's body when a test only reads a field or two of it. */
export type Json = Record<string, unknown>;

export type Reply<T = Json> = ApiReply<T>;

export interface Login {
  readonly email: string;
  readonly password: string;
}

export type DemoCredentials = NonNullable<Credentials['demo']>;

/** A CFA operation as GET /v1/cfa/operations/:id shows it. */
export interface CfaOperation {
  readonly id: string;
  readonly phase: string;
  readonly resultCode: string | null;
}

/** What GET /v1/ledger/endpoints says of the default network (the part the tests read). */
export interface LedgerEndpoints {
  readonly network: { readonly name: string; readonly suite: SuiteId };
  readonly channels: readonly string[];
  readonly nodes: readonly { readonly gatewayPath: string; readonly status: string }[];
}

export interface StackApi {
  /** One request; `token` null for the calls made before signing in. */
  call<T = Json>(token: string | null, method: string, path: string, body?: unknown): Promise<Reply<T>>;
  /** `call` as the platform admin. */
  asAdmin<T = Json>(method: string, path: string, body?: unknown): Promise<Reply<T>>;
  /** An access token; throws when the sign-in is refused. */
  login(email: string, password: string): Promise<string>;
  /** The platform admin's access token, signed in again before it can expire. */
  adminToken(): Promise<string>;
  /** A node-audience token of the platform admin, renewed before it expires (a token provider for KonsortiumClient). */
  nodeToken(): Promise<string>;
  /** Until every onboarding step of the tenant has succeeded (180 s). */
  onboarded(tenantId: string): Promise<void>;
  /** The tenant's member id on the ledger, which is also its CFA account. */
  memberOf(tenantId: string): Promise<string>;
  /** POST /v1/tenants as the platform admin; the reply is returned for the test to check. */
  createTenant(name: string, admin: Login): Promise<Reply<{ tenant: { id: string; memberId: string } }>>;
  /** Submits an operator CFA operation as the platform admin; does not wait for it. */
  submitAsOperator(method: string, args: unknown): Promise<Reply<CfaOperation>>;
  /** Submits a tenant's CFA operation; does not wait for it. */
  submitAsTenant(tenantId: string, token: string, method: string, args: unknown): Promise<Reply<CfaOperation>>;
  /** The operation once the chain has decided it (SETTLED or REJECTED), read as `token` (default the admin). */
  outcome(id: string, what: string, o?: { token?: string; timeoutMs?: number; intervalMs?: number }): Promise<CfaOperation>;
  /** For setup: throws unless the submitted operation was accepted and then settled (60 s). */
  settle(what: string, submitted: Reply<CfaOperation>): Promise<void>;
  /** A client of a running node through the gateway, with the admin's node token. */
  ledgerNode(): Promise<{ endpoints: LedgerEndpoints; node: KonsortiumClient }>;
}

/** Collapses the spaces Intl and the layout put in UI text (no-break, narrow no-break, newlines). */
export const norm = (s: string): string => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/** credentials.json is written first with the admin alone and again once the demo tenant exists: read it until the demo is in. */
export function demoCredentials(dataDir: string): Promise<DemoCredentials> {
  return waitFor(() => (JSON.parse(readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as Credentials).demo, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: 'the demo tenant in credentials.json',
  });
}

/** Access tokens are short-lived and a portal test runs for minutes: sign in again past this age. */
const ADMIN_SESSION_MS = 4 * 60_000;
/** A node token is renewed this long before it expires, so that a read in flight does not carry a dead one. */
const NODE_TOKEN_MARGIN_MS = 60_000;

export function stackApi(stack: Pick<PortalStack, 'url' | 'credentials'>): StackApi {
  const { url } = stack;
  const { admin } = stack.credentials;

  const call = <T = Json>(token: string | null, method: string, p: string, body?: unknown): Promise<Reply<T>> => api<T>(stack, method, p, token, body);
  const login = (email: string, password: string): Promise<string> => platformLogin(stack, email, password);

  let adminSession: { token: string; at: number } | undefined;
  const adminToken = async (): Promise<string> => {
    if (adminSession === undefined || Date.now() - adminSession.at > ADMIN_SESSION_MS) adminSession = { token: await login(admin.email, admin.password), at: Date.now() };
    return adminSession.token;
  };
  const asAdmin = async <T = Json>(method: string, p: string, body?: unknown): Promise<Reply<T>> => call<T>(await adminToken(), method, p, body);

  let nodeSession = { token: '', until: 0 };
  const nodeToken = async (): Promise<string> => {
    if (nodeSession.until - Date.now() < NODE_TOKEN_MARGIN_MS) {
      const r = (await asAdmin<{ token: string; expiresAt: string }>('POST', '/v1/auth/node-token')).body;
      nodeSession = { token: r.token, until: Date.parse(r.expiresAt) };
    }
    return nodeSession.token;
  };

  const onboarded = async (tenantId: string): Promise<void> => {
    await waitFor(
      async () => {
        const ops = await asAdmin<{ items: { status: string }[] }>('GET', `/v1/tenants/${tenantId}/operations`);
        if (ops.body.items.some((o) => o.status === 'failed')) throw new Error(`onboarding failed: ${JSON.stringify(ops.body.items)}`);
        return ops.body.items.length > 0 && ops.body.items.every((o) => o.status === 'succeeded') ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `tenant ${tenantId} to be onboarded` },
    );
  };

  const outcome = async (id: string, what: string, o: { token?: string; timeoutMs?: number; intervalMs?: number } = {}): Promise<CfaOperation> =>
    waitFor(
      async () => {
        const op = (await call<CfaOperation>(o.token ?? (await adminToken()), 'GET', `/v1/cfa/operations/${id}`)).body;
        return op.phase === 'SETTLED' || op.phase === 'REJECTED' ? op : undefined;
      },
      { timeoutMs: o.timeoutMs ?? 60_000, intervalMs: o.intervalMs ?? 250, what },
    );

  return {
    call,
    asAdmin,
    login,
    adminToken,
    nodeToken,
    onboarded,
    memberOf: async (tenantId) => (await asAdmin<{ memberId: string }>('GET', `/v1/tenants/${tenantId}`)).body.memberId,
    createTenant: (name, tenantAdmin) => asAdmin('POST', '/v1/tenants', { name, admin: tenantAdmin }),
    submitAsOperator: (method, args) => asAdmin('POST', '/v1/cfa/operator-operations', { method, args }),
    submitAsTenant: (tenantId, token, method, args) => call(token, 'POST', `/v1/tenants/${tenantId}/cfa/operations`, { method, args }),
    outcome,
    settle: async (what, submitted) => {
      if (submitted.status !== 202) throw new Error(`${what}: ${submitted.status} ${JSON.stringify(submitted.body)}`);
      const done = await outcome(submitted.body.id, what);
      if (done.phase !== 'SETTLED') throw new Error(`${what}: ${done.phase} ${done.resultCode}`);
    },
    ledgerNode: async () => {
      const endpoints = (await asAdmin<LedgerEndpoints>('GET', '/v1/ledger/endpoints')).body;
      const running = endpoints.nodes.find((n) => n.status === 'running');
      if (running === undefined) throw new Error(`no running node: ${JSON.stringify(endpoints.nodes)}`);
      return { endpoints, node: new KonsortiumClient({ baseUrl: `${url}${running.gatewayPath}`, token: nodeToken }) };
    },
  };
}
