/**
 * In-memory repositories: the implementation for tests and for an embedded single-process
 * control plane. They keep the same contracts as the PostgreSQL ones (atomic markUsed,
 * family revocation that also covers later inserts, unique API key prefixes) so that tests
 * written against them hold for the real store. Everything is lost on restart.
 */
import type { ApiKeyRecord, ApiKeyRepo } from './api-keys.js';
import type { RefreshTokenRecord, RefreshTokenRepo } from './refresh-tokens.js';

export class MemoryRefreshTokenRepo implements RefreshTokenRepo {
  private readonly byHash = new Map<string, RefreshTokenRecord>();
  private readonly revokedFamilies = new Map<string, number>();

  async insert(record: RefreshTokenRecord): Promise<void> {
    if (this.byHash.has(record.hash)) throw new Error('refresh token hash already stored');
    const revokedAtMs = this.revokedFamilies.get(record.familyId);
    this.byHash.set(record.hash, { ...record, revokedAtMs: record.revokedAtMs ?? revokedAtMs ?? null });
  }

  async findByHash(hash: string): Promise<RefreshTokenRecord | null> {
    const r = this.byHash.get(hash);
    return r === undefined ? null : { ...r };
  }

  async markUsed(hash: string, atMs: number): Promise<boolean> {
    const r = this.byHash.get(hash);
    if (r === undefined || r.usedAtMs !== null) return false;
    this.byHash.set(hash, { ...r, usedAtMs: atMs });
    return true;
  }

  async revokeFamily(familyId: string, atMs: number): Promise<void> {
    if (!this.revokedFamilies.has(familyId)) this.revokedFamilies.set(familyId, atMs);
    for (const [hash, r] of this.byHash) {
      if (r.familyId === familyId && r.revokedAtMs === null) this.byHash.set(hash, { ...r, revokedAtMs: atMs });
    }
  }

  /** For tests and diagnostics: every record, in insertion order. */
  all(): RefreshTokenRecord[] {
    return [...this.byHash.values()].map((r) => ({ ...r }));
  }
}

export class MemoryApiKeyRepo implements ApiKeyRepo {
  private readonly byPrefix = new Map<string, ApiKeyRecord>();

  async insert(record: ApiKeyRecord): Promise<boolean> {
    if (this.byPrefix.has(record.prefix)) return false;
    this.byPrefix.set(record.prefix, { ...record, scopes: [...record.scopes] });
    return true;
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const r = this.byPrefix.get(prefix);
    return r === undefined ? null : { ...r, scopes: [...r.scopes] };
  }

  async revoke(prefix: string, atMs: number): Promise<boolean> {
    const r = this.byPrefix.get(prefix);
    if (r === undefined) return false;
    if (r.revokedAtMs === null) this.byPrefix.set(prefix, { ...r, revokedAtMs: atMs });
    return true;
  }

  /** For tests and diagnostics: every record, in insertion order. */
  all(): ApiKeyRecord[] {
    return [...this.byPrefix.values()].map((r) => ({ ...r, scopes: [...r.scopes] }));
  }
}
