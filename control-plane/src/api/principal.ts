/**
 * Who is calling, and what they may reach. Every request (but health, metrics, JWKS, OpenAPI
 * and the auth routes) authenticates with `Authorization: Bearer <access token | API key>`.
 *
 * Object-level authorisation: a tenant-bound caller (tenant admin, tenant member, tenant API
 * key) reaches only objects of its own tenant; anything else answers 404, exactly like an id
 * that does not exist, so ids of other tenants cannot be probed. Platform admins reach
 * everything; auditors read everything and write nothing.
 */
import type { FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../auth/api-keys.js';
import { AuthError } from '../auth/errors.js';
import type { TokenService } from '../auth/token-service.js';
import { ApiError, notFound } from './errors.js';

export type Role = 'platform_admin' | 'tenant_admin' | 'tenant_member' | 'auditor';
export const ROLES: readonly Role[] = ['platform_admin', 'tenant_admin', 'tenant_member', 'auditor'];

/** API key scopes: `read` for GETs, `write` for changes within the tenant. */
export const API_KEY_SCOPES = ['read', 'write'] as const;

export interface Principal {
  readonly kind: 'user' | 'api_key';
  /** A user id, or `api-key:<prefix>`: the actor of audit entries. */
  readonly subject: string;
  readonly roles: readonly Role[];
  /** Null for platform admins and auditors. */
  readonly tenantId: string | null;
  /** For API keys; users have every scope their roles allow. */
  readonly scopes: readonly string[] | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer ([\x21-\x7e]{1,8192})$/;

/** A bounded cache of verified access tokens: verification costs an Ed25519 check per request. */
class VerifiedTokenCache {
  private readonly entries = new Map<string, { principal: Principal; expMs: number }>();
  constructor(private readonly max: number) {}
  get(token: string, nowMs: number): Principal | undefined {
    const e = this.entries.get(token);
    if (e === undefined) return undefined;
    if (e.expMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return e.principal;
  }
  set(token: string, principal: Principal, expMs: number): void {
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { principal, expMs });
  }
}

export interface Authenticator {
  authenticate(req: FastifyRequest): Promise<Principal>;
}

export function createAuthenticator(o: { tokens: TokenService; apiKeys: ApiKeyService; now: () => number; cacheSize?: number }): Authenticator {
  const cache = new VerifiedTokenCache(o.cacheSize ?? 10_000);
  return {
    async authenticate(req) {
      const header = req.headers.authorization;
      if (header === undefined) throw new ApiError('UNAUTHENTICATED', 'an Authorization: Bearer header is required');
      const m = BEARER.exec(header);
      if (m === null) throw new ApiError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token or API key>"');
      const credential = m[1]!;
      if (credential.startsWith('ksk_')) {
        const key = await o.apiKeys.verify(credential);
        if (key.tenant === null) throw new AuthError('API_KEY_INVALID', 'API keys of the control plane are tenant keys');
        return { kind: 'api_key', subject: key.subject, roles: ['tenant_member'], tenantId: key.tenant, scopes: key.scopes };
      }
      const now = o.now();
      const cached = cache.get(credential, now);
      if (cached !== undefined) return cached;
      const claims = await o.tokens.verifyAccessToken(credential);
      const roles = claims.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
      const principal: Principal = { kind: 'user', subject: claims.subject, roles, tenantId: claims.tenant, scopes: null };
      // Cached only until the token's own expiry: an expired token is never served from here.
      cache.set(credential, principal, claims.expiresAtMs);
      return principal;
    },
  };
}

export function principalOf(req: FastifyRequest): Principal {
  const p = req.principal;
  if (p === null) throw new ApiError('UNAUTHENTICATED', 'not authenticated');
  return p;
}

export function isPlatform(p: Principal): boolean {
  return p.roles.includes('platform_admin');
}

/** Platform admins and auditors read across tenants. */
export function readsEverything(p: Principal): boolean {
  return p.roles.includes('platform_admin') || p.roles.includes('auditor');
}

/** Only platform admins. */
export function requirePlatformAdmin(p: Principal): void {
  if (!isPlatform(p)) throw new ApiError('FORBIDDEN', 'platform administrators only');
}

/** Readers of tenant `tenantId`: the platform, auditors, and the tenant's own callers; others get 404. */
export function requireTenantRead(p: Principal, tenantId: string): void {
  if (readsEverything(p)) return;
  if (p.tenantId !== tenantId) throw notFound('tenant', tenantId);
  if (p.scopes !== null && !p.scopes.includes('read') && !p.scopes.includes('write')) throw new ApiError('FORBIDDEN', 'this API key has no read scope');
}

/**
 * Writers within tenant `tenantId`: platform admins, and the tenant's own callers with `role`
 * (tenant_admin for administration, tenant_member for business operations) or an API key with
 * the write scope. Auditors never write. Other tenants get 404.
 */
export function requireTenantWrite(p: Principal, tenantId: string, role: 'tenant_admin' | 'tenant_member'): void {
  if (isPlatform(p)) return;
  if (p.tenantId !== tenantId) {
    if (p.roles.includes('auditor')) throw new ApiError('FORBIDDEN', 'auditors read only');
    throw notFound('tenant', tenantId);
  }
  if (p.kind === 'api_key') {
    if (role === 'tenant_admin') throw new ApiError('FORBIDDEN', 'API keys cannot administer a tenant');
    if (!p.scopes!.includes('write')) throw new ApiError('FORBIDDEN', 'this API key has no write scope');
    return;
  }
  if (role === 'tenant_admin' ? !p.roles.includes('tenant_admin') : !(p.roles.includes('tenant_admin') || p.roles.includes('tenant_member'))) {
    throw new ApiError('FORBIDDEN', `requires the ${role} role`);
  }
}
