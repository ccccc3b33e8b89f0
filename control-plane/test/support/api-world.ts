/**
 * An API under test: the real fastify app over a real PostgreSQL (embedded, migrated) and a real
 * Redis (the BullMQ provisioning queue; no worker, so operations stay queued), with a clock the
 * test moves. Helpers log in, create tenants and users through the API itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { ApiKeyService } from '../../src/auth/api-keys.js';
import { KeyRing } from '../../src/auth/keys.js';
import { hashPassword } from '../../src/auth/password.js';
import { RefreshTokenService } from '../../src/auth/refresh-tokens.js';
import { TokenService } from '../../src/auth/token-service.js';
import { type ApiApp, type ApiOptions, build } from '../../src/api/app.js';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { hotApiKeyRepo, pgHotReads } from '../../src/db/hot-reads.js';
import { createPrisma, migrateDeploy, type PrismaClient } from '../../src/db/prisma.js';
import { PrismaRefreshTokenRepo } from '../../src/db/repos/index.js';
import { startRedisServer } from '../../src/infra/redis-server.js';
import { ProvisioningQueue } from '../../src/provisioning/queue.js';
import type { CfaGateway } from '../../src/api/context.js';
import type { ApiLimits } from '../../src/api/context.js';

export interface ApiWorld {
  readonly app: ApiApp;
  readonly db: PrismaClient;
  readonly url: string;
  readonly tokens: TokenService;
  readonly keyRing: KeyRing;
  readonly queue: ProvisioningQueue;
  readonly cfaSubmitted: string[];
  now(): number;
  advance(ms: number): void;
  /** The platform admin's credentials (created directly in the database). */
  readonly admin: { readonly email: string; readonly password: string };
  login(email: string, password: string): Promise<string>;
  call(method: string, url: string, token: string | null, payload?: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }>;
  createTenant(adminToken: string, name: string, o?: { plan?: 'shared' | 'dedicated' }): Promise<{ id: string; adminEmail: string; adminPassword: string; memberId: string; operationId: string }>;
}

export const PASSWORD = 'correct horse battery staple';

/** Build options a test may add (the portal, the gateway's limits). */
export type ApiWorldExtras = Pick<ApiOptions, 'portalDir' | 'gateway' | 'nodeHealthTimeoutMs'>;

export async function startApiWorld(t: Test, o: { limits?: Partial<ApiLimits>; extras?: ApiWorldExtras } = {}): Promise<ApiWorld> {
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-api-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false });
  t.teardown(() => pg.stop());
  const url = await pg.database('konsortium_api');
  await migrateDeploy(url);
  const db = createPrisma(url);
  t.teardown(() => db.$disconnect());
  const redis = await startRedisServer({ persistent: false, dataDir: path.join(base, 'redis') });
  t.teardown(() => redis.stop());
  const queue = new ProvisioningQueue({ redisUrl: redis.url });
  t.teardown(() => queue.close());

  let now = Date.now();
  const clock = () => now;
  const keyRing = await KeyRing.generate({ now: clock });
  const tokens = new TokenService({ keys: keyRing, now: clock });
  const refresh = new RefreshTokenService({ repo: new PrismaRefreshTokenRepo(db), now: clock });
  const cfaSubmitted: string[] = [];
  const cfa: CfaGateway = { submit: async (id) => void cfaSubmitted.push(id) };
  const reads = pgHotReads(url);
  t.teardown(() => reads.close());
  const apiKeys = new ApiKeyService({ repo: hotApiKeyRepo(db, reads), now: clock });
  const app = await build({ db, reads, tokens, keyRing, refresh, apiKeys, now: clock, operations: queue, cfa, limits: o.limits, usageFlushMs: 60_000, ...o.extras });
  t.teardown(() => app.close());

  const admin = { email: 'root@platform.example', password: PASSWORD };
  await db.user.create({ data: { email: admin.email, passwordHash: await hashPassword(PASSWORD), role: 'platform_admin' } });

  const call: ApiWorld['call'] = async (method, url, token, payload) => {
    const res = await app.inject({ method: method as 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body === '' ? {} : (res.json() as Record<string, unknown>), headers: res.headers };
  };
  const login = async (email: string, password: string) => {
    const r = await call('POST', '/v1/auth/login', null, { email, password });
    if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.accessToken as string;
  };
  let n = 0;
  const createTenant: ApiWorld['createTenant'] = async (adminToken, name, opts = {}) => {
    const adminEmail = `admin${++n}@${name.toLowerCase().replace(/[^a-z]/g, '')}.example`;
    const r = await call('POST', '/v1/tenants', adminToken, { name, plan: opts.plan ?? 'shared', admin: { email: adminEmail, password: PASSWORD } });
    if (r.status !== 201) throw new Error(`create tenant ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    const tenant = r.body.tenant as { id: string; memberId: string };
    return { id: tenant.id, memberId: tenant.memberId, adminEmail, adminPassword: PASSWORD, operationId: (r.body.operation as { id: string }).id };
  };
  return { app, db, url, tokens, keyRing, queue, cfaSubmitted, now: clock, advance: (ms) => void (now += ms), admin, login, call, createTenant };
}
