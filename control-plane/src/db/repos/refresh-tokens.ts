/**
 * RefreshTokenRepo (src/auth/refresh-tokens.ts) over PostgreSQL through Prisma: the
 * `refresh_tokens` table. It keeps the contract of MemoryRefreshTokenRepo:
 *
 * - `markUsed` is one conditional UPDATE (`… WHERE used_at IS NULL`): PostgreSQL's row lock
 *   makes it a compare-and-set, so of two concurrent uses exactly one wins.
 * - `revokeFamily` and `insert` serialise per family on a transaction-scoped advisory lock. A
 *   token inserted into a revoked family takes the family's first revocation time, and a
 *   rotation racing a revocation cannot leave a live token behind: whichever runs second sees
 *   the other's commit.
 *
 * One difference: the memory repo remembers a revocation of a family that has no tokens yet;
 * here a family exists only through its rows, so revoking an empty family does nothing. Families
 * are created by their first token (RefreshTokenService.issue), so this does not arise in use.
 *
 * `subject` is a user id and `tenant` a tenant id (UUIDs, foreign keys): the user and the tenant
 * must exist.
 */
import { randomUUID } from 'node:crypto';
import type { RefreshTokenRecord, RefreshTokenRepo } from '../../auth/refresh-tokens.js';
import type { PrismaClient, RefreshTokenModel } from '../prisma.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PrismaRefreshTokenRepo implements RefreshTokenRepo {
  constructor(private readonly db: PrismaClient) {}

  async insert(r: RefreshTokenRecord): Promise<void> {
    checkUuid('subject (a user id)', r.subject);
    checkUuid('familyId', r.familyId);
    if (r.tenant !== null) checkUuid('tenant (a tenant id)', r.tenant);
    // The lock is a statement of its own: in READ COMMITTED the INSERT's snapshot is taken
    // after it is granted, so it sees a revocation that committed while we waited.
    await this.db.$transaction([
      this.lockFamily(r.familyId),
      this.db.$executeRaw`
        INSERT INTO "refresh_tokens" ("id", "user_id", "tenant_id", "family_id", "token_hash", "created_at", "expires_at", "used_at", "revoked_at")
        VALUES (${randomUUID()}::uuid, ${r.subject}::uuid, ${r.tenant}::uuid, ${r.familyId}::uuid, ${r.hash},
                ${iso(r.issuedAtMs)}::timestamptz, ${iso(r.expiresAtMs)}::timestamptz, ${isoOrNull(r.usedAtMs)}::timestamptz,
                COALESCE(${isoOrNull(r.revokedAtMs)}::timestamptz,
                         (SELECT min("revoked_at") FROM "refresh_tokens" WHERE "family_id" = ${r.familyId}::uuid)))`,
    ]);
  }

  async findByHash(hash: string): Promise<RefreshTokenRecord | null> {
    const row = await this.db.refreshToken.findUnique({ where: { tokenHash: hash } });
    return row === null ? null : toRecord(row);
  }

  async markUsed(hash: string, atMs: number): Promise<boolean> {
    const { count } = await this.db.refreshToken.updateMany({ where: { tokenHash: hash, usedAt: null }, data: { usedAt: new Date(atMs) } });
    return count === 1;
  }

  async revokeFamily(familyId: string, atMs: number): Promise<void> {
    if (!UUID.test(familyId)) return; // no such family can exist
    await this.db.$transaction([this.lockFamily(familyId), this.db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date(atMs) } })]);
  }

  private lockFamily(familyId: string) {
    return this.db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`konsortium/refresh-family/${familyId.toLowerCase()}`}, 0))`;
  }
}

function toRecord(row: RefreshTokenModel): RefreshTokenRecord {
  return {
    hash: row.tokenHash,
    familyId: row.familyId,
    subject: row.userId,
    tenant: row.tenantId,
    issuedAtMs: row.createdAt.getTime(),
    expiresAtMs: row.expiresAt.getTime(),
    usedAtMs: row.usedAt?.getTime() ?? null,
    revokedAtMs: row.revokedAt?.getTime() ?? null,
  };
}

function checkUuid(what: string, v: string): void {
  if (typeof v !== 'string' || !UUID.test(v)) throw new TypeError(`${what} must be a UUID to be stored in PostgreSQL`);
}

/** ISO 8601 in UTC with milliseconds: the columns are timestamptz(3), so nothing is lost. */
function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
