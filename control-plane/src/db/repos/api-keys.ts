/**
 * ApiKeyRepo (src/auth/api-keys.ts) over PostgreSQL through Prisma: the `api_keys` table. It
 * keeps the contract of MemoryApiKeyRepo: `insert` is `INSERT … ON CONFLICT DO NOTHING` on the
 * unique prefix (false, and nothing stored, when it is taken; of two concurrent inserts of one
 * prefix exactly one wins), and `revoke` is one UPDATE that keeps an earlier revocation time.
 *
 * `tenant` is a tenant id (a UUID, a foreign key): the tenant must exist.
 */
import type { ApiKeyRecord, ApiKeyRepo } from '../../auth/api-keys.js';
import type { ApiKeyModel, Prisma, PrismaClient } from '../prisma.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PrismaApiKeyRepo implements ApiKeyRepo {
  /** Over the client, or over an interactive transaction (so a key and its audit entry commit together). */
  constructor(private readonly db: PrismaClient | Prisma.TransactionClient) {}

  async insert(r: ApiKeyRecord): Promise<boolean> {
    if (r.tenant !== null && (typeof r.tenant !== 'string' || !UUID.test(r.tenant))) throw new TypeError('tenant (a tenant id) must be a UUID to be stored in PostgreSQL');
    const { count } = await this.db.apiKey.createMany({
      data: [
        {
          prefix: r.prefix,
          secretHash: r.secretHash,
          name: r.name,
          tenantId: r.tenant,
          scopes: [...r.scopes],
          createdAt: new Date(r.createdAtMs),
          expiresAt: r.expiresAtMs === null ? null : new Date(r.expiresAtMs),
          revokedAt: r.revokedAtMs === null ? null : new Date(r.revokedAtMs),
        },
      ],
      skipDuplicates: true,
    });
    return count === 1;
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.apiKey.findUnique({ where: { prefix } });
    return row === null ? null : toRecord(row);
  }

  async revoke(prefix: string, atMs: number): Promise<boolean> {
    const n = await this.db.$executeRaw`UPDATE "api_keys" SET "revoked_at" = COALESCE("revoked_at", ${new Date(atMs).toISOString()}::timestamptz) WHERE "prefix" = ${prefix}`;
    return n === 1;
  }
}

function toRecord(row: ApiKeyModel): ApiKeyRecord {
  return {
    prefix: row.prefix,
    secretHash: row.secretHash,
    name: row.name,
    tenant: row.tenantId,
    scopes: [...row.scopes],
    createdAtMs: row.createdAt.getTime(),
    expiresAtMs: row.expiresAt?.getTime() ?? null,
    revokedAtMs: row.revokedAt?.getTime() ?? null,
  };
}
