/**
 * Login, refresh, logout, the JWKS the nodes and other verifiers use, and `me`. Login and
 * refresh are rate limited per client address (and login per e-mail too), because they are
 * what an attacker guesses against.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { hashPassword, needsRehash, verifyPassword } from '../../auth/password.js';
import { ApiError } from '../errors.js';
import { principalOf } from '../principal.js';
import { Email, ERRORS, iso, Uuid } from '../schemas.js';
import type { ApiContext } from '../context.js';

const LoginBody = Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
const UserView = Type.Object({ id: Uuid, email: Type.String(), role: Type.String(), tenantId: Type.Union([Uuid, Type.Null()]) });
const TokenPair = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresAt: Type.String(),
  refreshToken: Type.String(),
  refreshExpiresAt: Type.String(),
  user: UserView,
});
const Jwks = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.String())) });
const MeView = Type.Object({
  subject: Type.String(),
  kind: Type.String(),
  roles: Type.Array(Type.String()),
  tenantId: Type.Union([Uuid, Type.Null()]),
  scopes: Type.Union([Type.Array(Type.String()), Type.Null()]),
  email: Type.Optional(Type.String()),
  createdAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

/** Spent on unknown e-mails too, so a login's timing does not tell whether an account exists. */
let dummyHash: Promise<string> | undefined;

export const authRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const limit = ctx.limits.authPerMinute;
  const rateLimit = { max: limit, timeWindow: 60_000 };

  /** The reply of login and refresh: a fresh access token beside the given refresh token. */
  async function pairFor(user: { id: string; email: string; role: string; tenantId: string | null }, refresh: { token: string; expiresAtMs: number }) {
    const access = await ctx.tokens.issueAccessToken({ subject: user.id, roles: [user.role], tenant: user.tenantId });
    return {
      accessToken: access.token,
      tokenType: 'Bearer' as const,
      expiresAt: new Date(access.expiresAtMs).toISOString(),
      refreshToken: refresh.token,
      refreshExpiresAt: new Date(refresh.expiresAtMs).toISOString(),
      user: { id: user.id, email: user.email, role: user.role, tenantId: user.tenantId },
    };
  }

  app.post(
    '/v1/auth/login',
    {
      // preHandler: the e-mail is in the body, which is parsed after onRequest.
      config: { rateLimit: { ...rateLimit, hook: 'preHandler', keyGenerator: (req: { ip: string; body?: unknown }) => `${req.ip}|${String((req.body as { email?: unknown } | undefined)?.email ?? '').toLowerCase()}` } },
      schema: { tags: ['auth'], body: LoginBody, response: { 200: TokenPair, ...ERRORS } },
    },
    async (req) => {
      const email = req.body.email.toLowerCase();
      const user = await ctx.db.user.findUnique({ where: { email }, include: { tenant: { select: { status: true } } } });
      if (user === null) {
        dummyHash ??= hashPassword('not a password');
        await verifyPassword(req.body.password, await dummyHash);
        throw new ApiError('INVALID_CREDENTIALS', 'wrong e-mail or password');
      }
      if (!(await verifyPassword(req.body.password, user.passwordHash))) throw new ApiError('INVALID_CREDENTIALS', 'wrong e-mail or password');
      if (user.tenant?.status === 'suspended') throw new ApiError('TENANT_SUSPENDED', 'the tenant is suspended');
      if (needsRehash(user.passwordHash)) await ctx.db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(req.body.password) } });
      return pairFor(user, await ctx.refresh.issue({ subject: user.id, tenant: user.tenantId }));
    },
  );

  app.post('/v1/auth/refresh', { config: { rateLimit }, schema: { tags: ['auth'], body: RefreshBody, response: { 200: TokenPair, ...ERRORS } } }, async (req) => {
    // Rotation first: a reused or revoked token fails here, before the user is looked up.
    const rotated = await ctx.refresh.rotate(req.body.refreshToken);
    const user = await ctx.db.user.findUnique({ where: { id: rotated.subject }, include: { tenant: { select: { status: true } } } });
    if (user === null || user.tenant?.status === 'suspended') {
      await ctx.refresh.revokeFamily(rotated.familyId);
      throw new ApiError('UNAUTHENTICATED', user === null ? 'the user no longer exists' : 'the tenant is suspended');
    }
    return pairFor(user, rotated);
  });

  app.post('/v1/auth/logout', { config: { rateLimit }, schema: { tags: ['auth'], body: RefreshBody, response: { 204: Type.Null(), ...ERRORS } } }, async (req, reply) => {
    await ctx.refresh.revoke(req.body.refreshToken);
    return reply.code(204).send(null);
  });

  app.get('/.well-known/jwks.json', { schema: { tags: ['auth'], response: { 200: Jwks } } }, async (_req, reply) => {
    void reply.header('cache-control', 'public, max-age=60');
    return ctx.keyRing.jwks() as unknown as { keys: Record<string, string>[] };
  });

  app.get('/v1/me', { onRequest: ctx.authenticate, schema: { tags: ['auth'], response: { 200: MeView, ...ERRORS } } }, async (req) => {
    const p = principalOf(req);
    const base = { subject: p.subject, kind: p.kind, roles: [...p.roles], tenantId: p.tenantId, scopes: p.scopes === null ? null : [...p.scopes] };
    if (p.kind !== 'user') return base;
    const user = await ctx.reads.user(p.subject);
    return user === null ? base : { ...base, email: user.email, createdAt: iso(user.createdAt) };
  });
};
