/**
 * The reads on every request's path (a tenant, a user, a tenant's users), behind one small
 * interface with two implementations: through Prisma, and straight through a `pg` pool with
 * prepared statements. Prisma 6's JavaScript engine compiles each query on the event loop
 * (about 1.2–2 ms of CPU per call here, against 0.1–0.2 ms for the same query through pg; see
 * docs/BENCHMARKS.md), so the API's hot reads use the pool; everything else, and every write,
 * stays on Prisma. Both return the Prisma model shapes; a test checks they agree.
 */
import pg from 'pg';
import type { ApiKeyRecord, ApiKeyRepo } from '../auth/api-keys.js';
import type { PrismaClient, Tenant, User } from './prisma.js';
import { PrismaApiKeyRepo } from './repos/api-keys.js';

export interface HotReads {
  tenant(id: string): Promise<Tenant | null>;
  /** An API key's record by its public prefix (every API-key request looks one up). */
  apiKey(prefix: string): Promise<ApiKeyRecord | null>;
  user(id: string): Promise<User | null>;
  /** Ordered by id; `after` is the last id of the previous page. */
  users(tenantId: string, after: string | undefined, limit: number): Promise<User[]>;
  close(): Promise<void>;
}

export function prismaHotReads(db: PrismaClient): HotReads {
  return {
    tenant: (id) => db.tenant.findUnique({ where: { id } }),
    apiKey: (prefix) => new PrismaApiKeyRepo(db).findByPrefix(prefix),
    user: (id) => db.user.findUnique({ where: { id } }),
    users: (tenantId, after, limit) => db.user.findMany({ where: { tenantId, ...(after ? { id: { gt: after } } : {}) }, orderBy: { id: 'asc' }, take: limit }),
    close: async () => undefined,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PREFIX = /^[0-9a-f]{12}$/;

const apiKeyOf = (r: Row): ApiKeyRecord => ({
  prefix: r.prefix as string,
  secretHash: r.secret_hash as string,
  name: r.name as string,
  tenant: r.tenant_id as string | null,
  scopes: [...(r.scopes as string[])],
  createdAtMs: (r.created_at as Date).getTime(),
  expiresAtMs: r.expires_at === null ? null : (r.expires_at as Date).getTime(),
  revokedAtMs: r.revoked_at === null ? null : (r.revoked_at as Date).getTime(),
});

const TENANT_COLUMNS = 'id, name, plan, status, member_id, max_users, max_api_keys, max_tx_per_day, created_at, updated_at';
const USER_COLUMNS = 'id, email, password_hash, role, tenant_id, created_at, updated_at';

type Row = Record<string, unknown>;

const tenantOf = (r: Row): Tenant => ({
  id: r.id as string,
  name: r.name as string,
  plan: r.plan as Tenant['plan'],
  status: r.status as Tenant['status'],
  memberId: r.member_id as string,
  maxUsers: r.max_users as number,
  maxApiKeys: r.max_api_keys as number,
  maxTxPerDay: r.max_tx_per_day as number,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

const userOf = (r: Row): User => ({
  id: r.id as string,
  email: r.email as string,
  passwordHash: r.password_hash as string,
  role: r.role as User['role'],
  tenantId: r.tenant_id as string | null,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

export function pgHotReads(connectionString: string, o: { max?: number } = {}): HotReads {
  const pool = new pg.Pool({ connectionString, max: o.max ?? 8, idleTimeoutMillis: 30_000 });
  // An idle client that errors (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const one = async <T>(name: string, text: string, values: unknown[], map: (r: Row) => T): Promise<T | null> => {
    const res = await pool.query({ name, text, values });
    return res.rows.length === 0 ? null : map(res.rows[0] as Row);
  };
  return {
    // A malformed id cannot name a row; PostgreSQL would refuse the cast with an error instead.
    tenant: (id) => (UUID.test(id) ? one('hot_tenant', `SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [id], tenantOf) : Promise.resolve(null)),
    apiKey: (prefix) =>
      PREFIX.test(prefix)
        ? one('hot_api_key', 'SELECT prefix, secret_hash, name, tenant_id, scopes, created_at, expires_at, revoked_at FROM api_keys WHERE prefix = $1', [prefix], apiKeyOf)
        : Promise.resolve(null),
    user: (id) => (UUID.test(id) ? one('hot_user', `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id], userOf) : Promise.resolve(null)),
    users: async (tenantId, after, limit) => {
      if (!UUID.test(tenantId) || (after !== undefined && !UUID.test(after))) return [];
      const res = after === undefined
        ? await pool.query({ name: 'hot_users', text: `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY id LIMIT $2`, values: [tenantId, limit] })
        : await pool.query({ name: 'hot_users_after', text: `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`, values: [tenantId, after, limit] });
      return (res.rows as Row[]).map(userOf);
    },
    close: () => pool.end(),
  };
}

/** API keys written through Prisma and looked up through the hot reads (the verify path of every API-key request). */
export function hotApiKeyRepo(db: PrismaClient, reads: HotReads): ApiKeyRepo {
  const writes = new PrismaApiKeyRepo(db);
  return { insert: (r) => writes.insert(r), revoke: (p, at) => writes.revoke(p, at), findByPrefix: (p) => reads.apiKey(p) };
}
