/**
 * Users. Tenant admins manage their tenant's users (tenant_admin, tenant_member) within the
 * tenant's quota; platform admins also create platform admins and auditors. A user's id is
 * reachable only by its own tenant (others: 404).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { hashPassword } from '../../auth/password.js';
import type { User } from '../../db/prisma.js';
import { audit } from '../audit-log.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { principalOf, readsEverything, requirePlatformAdmin, requireTenantRead, requireTenantWrite } from '../principal.js';
import { Email, ERRORS, IdParams, iso, Page, pageOf, PageQuery, TenantParams, Uuid } from '../schemas.js';
import { lockTenant, writableTenant } from './tenants.js';

export const UserView = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: Type.String(),
  tenantId: Type.Union([Uuid, Type.Null()]),
  createdAt: Type.String(),
});

const Password = Type.String({ minLength: 12, maxLength: 1024 });
const CreateTenantUser = Type.Object({ email: Email, password: Password, role: Type.Union([Type.Literal('tenant_admin'), Type.Literal('tenant_member')]) }, { additionalProperties: false });
const CreatePlatformUser = Type.Object({ email: Email, password: Password, role: Type.Union([Type.Literal('platform_admin'), Type.Literal('auditor')]) }, { additionalProperties: false });

export function userView(u: User): Static<typeof UserView> {
  return { id: u.id, email: u.email, role: u.role, tenantId: u.tenantId, createdAt: iso(u.createdAt)! };
}

export const userRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/v1/tenants/:tenantId/users', { schema: { tags: ['users'], params: TenantParams, querystring: PageQuery, response: { 200: Page(UserView), ...ERRORS } } }, async (req) => {
    requireTenantRead(principalOf(req), req.params.tenantId);
    const limit = req.query.limit ?? 100;
    const rows = await ctx.reads.users(req.params.tenantId, req.query.after, limit + 1);
    const page = pageOf(rows, limit);
    return { items: page.items.map(userView), next: page.next };
  });

  app.post('/v1/tenants/:tenantId/users', { schema: { tags: ['users'], params: TenantParams, body: CreateTenantUser, response: { 201: UserView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    const tenant = await writableTenant(ctx, req, req.params.tenantId, 'tenant_admin');
    const passwordHash = await hashPassword(req.body.password);
    const user = await ctx.db.$transaction(async (tx) => {
      // Counted inside the transaction, under a row lock on the tenant, so two concurrent creations cannot both pass the quota.
      await lockTenant(tx, tenant.id);
      if ((await tx.user.count({ where: { tenantId: tenant.id } })) >= tenant.maxUsers) throw new ApiError('QUOTA_EXCEEDED', `the tenant has its ${tenant.maxUsers} users already`);
      const u = await tx.user.create({ data: { email: req.body.email.toLowerCase(), passwordHash, role: req.body.role, tenantId: tenant.id } });
      await audit(tx, p, { tenantId: tenant.id, action: 'user.create', objectType: 'user', objectId: u.id, details: { email: u.email, role: u.role } });
      return u;
    });
    return reply.code(201).send(userView(user));
  });

  app.post('/v1/users', { schema: { tags: ['users'], body: CreatePlatformUser, response: { 201: UserView, ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    requirePlatformAdmin(p);
    const passwordHash = await hashPassword(req.body.password);
    const user = await ctx.db.$transaction(async (tx) => {
      const u = await tx.user.create({ data: { email: req.body.email.toLowerCase(), passwordHash, role: req.body.role } });
      await audit(tx, p, { tenantId: null, action: 'user.create', objectType: 'user', objectId: u.id, details: { email: u.email, role: u.role } });
      return u;
    });
    return reply.code(201).send(userView(user));
  });

  async function visibleUser(req: Parameters<typeof principalOf>[0], id: string): Promise<User> {
    const p = principalOf(req);
    const u = await ctx.reads.user(id);
    if (u === null) throw notFound('user', id);
    if (readsEverything(p)) return u;
    if (u.tenantId === null || u.tenantId !== p.tenantId) throw notFound('user', id);
    return u;
  }

  app.get('/v1/users/:id', { schema: { tags: ['users'], params: IdParams, response: { 200: UserView, ...ERRORS } } }, async (req) => userView(await visibleUser(req, req.params.id)));

  app.delete('/v1/users/:id', { schema: { tags: ['users'], params: IdParams, response: { 204: Type.Null(), ...ERRORS } } }, async (req, reply) => {
    const p = principalOf(req);
    const u = await visibleUser(req, req.params.id);
    if (u.tenantId === null) requirePlatformAdmin(p);
    else requireTenantWrite(p, u.tenantId, 'tenant_admin');
    if (u.id === p.subject) throw new ApiError('INVALID_STATE', 'you cannot delete yourself');
    await ctx.db.$transaction(async (tx) => {
      if (u.role === 'platform_admin' && (await tx.user.count({ where: { role: 'platform_admin' } })) <= 1) throw new ApiError('INVALID_STATE', 'the last platform admin cannot be deleted');
      await tx.user.delete({ where: { id: u.id } });
      await audit(tx, p, { tenantId: u.tenantId, action: 'user.delete', objectType: 'user', objectId: u.id, details: { email: u.email } });
    });
    return reply.code(204).send(null);
  });
};
