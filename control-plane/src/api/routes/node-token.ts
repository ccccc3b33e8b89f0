/**
 * `POST /v1/auth/node-token`: a short-lived access token of the nodes' audience for the caller,
 * so a browser (or an SDK user) can talk to ledger nodes through the gateway (`/ledger/:id/*`)
 * with the tenant it belongs to. The token is separate from the API token on purpose: each
 * verifier checks its own audience, so neither token is accepted by the other side.
 *
 * Roles are the nodes' reader and submitter roles only, never the node admin roles ("admin",
 * "operator", see data-plane/node/src/http/auth.ts): a tenant must never reach Raft membership
 * or snapshots, whatever its role in the control plane. Nodes treat any valid token as a reader
 * and submitter today; the finer roles are there for the gateway's logs and future checks.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { NODE_AUDIENCE } from '../../auth/token-service.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { type Principal, principalOf } from '../principal.js';
import { ERRORS } from '../schemas.js';

/** Five minutes: long enough for a page's burst of calls, short enough that a suspension bites soon. */
export const NODE_TOKEN_TTL_SECONDS = 300;
export const LEDGER_READ = 'ledger:read';
export const LEDGER_SUBMIT = 'ledger:submit';

export const NodeTokenView = Type.Object({ token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) });

/** What the caller may do on the nodes: auditors and read-only API keys read; everyone else also submits. */
export function nodeRolesOf(p: Principal): string[] {
  if (p.kind === 'api_key') return p.scopes?.includes('write') ? [LEDGER_READ, LEDGER_SUBMIT] : [LEDGER_READ];
  const writes = p.roles.some((r) => r === 'platform_admin' || r === 'tenant_admin' || r === 'tenant_member');
  return writes ? [LEDGER_READ, LEDGER_SUBMIT] : [LEDGER_READ];
}

export const nodeTokenRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.post('/v1/auth/node-token', { schema: { tags: ['auth'], response: { 200: NodeTokenView, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    if (p.tenantId !== null) {
      // Looked up on every issue (not trusted from the API token): a suspension stops new node tokens at once.
      const tenant = await ctx.reads.tenant(p.tenantId);
      if (tenant === null) throw new ApiError('UNAUTHENTICATED', 'the tenant no longer exists');
      if (tenant.status !== 'active') throw new ApiError('TENANT_SUSPENDED', `tenant ${tenant.id} is suspended`);
    }
    const issued = await ctx.tokens.issueAccessToken({ subject: p.subject, roles: nodeRolesOf(p), tenant: p.tenantId, audience: NODE_AUDIENCE, ttlSeconds: NODE_TOKEN_TTL_SECONDS });
    return { token: issued.token, expiresAt: new Date(issued.expiresAtMs).toISOString() };
  });
};
