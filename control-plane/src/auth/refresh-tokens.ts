/**
 * Rotating refresh tokens (OAuth 2.0 Security BCP, "refresh token rotation"). A token is 32
 * random bytes, base64url; only its SHA-256 is stored. Each use returns a new token in the same
 * family and marks the used one; a second use of any token means two parties hold it (one of
 * them a thief), so the whole family is revoked and both must log in again.
 *
 * The order of checks: unknown → REFRESH_INVALID; already used → revoke the family,
 * REFRESH_REUSED (even when it has also expired or was revoked: it is still a sign of theft);
 * family revoked → REFRESH_REVOKED; expired → REFRESH_EXPIRED. Only a caller who holds a real
 * token learns its state.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from './clock.js';
import { AuthError } from './errors.js';
import { randomSecret, SECRET_PATTERN, secretDigest } from './secrets.js';

export interface RefreshTokenRecord {
  /** Hex SHA-256 of the token: the lookup key. */
  readonly hash: string;
  readonly familyId: string;
  readonly subject: string;
  readonly tenant: string | null;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  /** When it was exchanged for its successor; null while unused. */
  readonly usedAtMs: number | null;
  /** When its family was revoked; null while live. */
  readonly revokedAtMs: number | null;
}

/**
 * Where refresh tokens live (PostgreSQL via Prisma in production; memory-repos.ts for tests).
 * Contract:
 * - `markUsed` is an atomic compare-and-set: it sets usedAtMs only if it is null and returns
 *   whether it did, so of two concurrent uses of one token exactly one wins.
 * - `revokeFamily` sets revokedAtMs on every token of the family, and on any token inserted
 *   into that family later (a rotation racing a revocation must not produce a live token).
 */
export interface RefreshTokenRepo {
  insert(record: RefreshTokenRecord): Promise<void>;
  findByHash(hash: string): Promise<RefreshTokenRecord | null>;
  markUsed(hash: string, atMs: number): Promise<boolean>;
  revokeFamily(familyId: string, atMs: number): Promise<void>;
}

export interface RefreshTokenServiceOptions {
  readonly repo: RefreshTokenRepo;
  /** Default 30 days; counted from each rotation (a sliding session). */
  readonly ttlMs?: number;
  readonly now?: Clock;
}

export interface IssuedRefreshToken {
  /** The bearer secret: hand it to the client once, never store or log it. */
  readonly token: string;
  readonly familyId: string;
  readonly subject: string;
  readonly tenant: string | null;
  readonly expiresAtMs: number;
}

const DEFAULT_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const TTL_MS_MAX = 365 * 24 * 60 * 60 * 1000;

export class RefreshTokenService {
  private readonly repo: RefreshTokenRepo;
  private readonly ttlMs: number;
  private readonly now: Clock;

  constructor(o: RefreshTokenServiceOptions) {
    this.repo = o.repo;
    this.ttlMs = o.ttlMs ?? DEFAULT_TTL_MS;
    this.now = o.now ?? systemClock;
    if (!Number.isInteger(this.ttlMs) || this.ttlMs <= 0 || this.ttlMs > TTL_MS_MAX) throw new AuthError('INVALID_ARGUMENT', 'ttlMs must be a positive integer of at most a year');
  }

  /** Starts a new family (a login). */
  async issue(o: { subject: string; tenant?: string | null }): Promise<IssuedRefreshToken> {
    if (typeof o.subject !== 'string' || o.subject.length === 0) throw new AuthError('INVALID_ARGUMENT', 'a refresh token needs a subject');
    return this.mint(randomUUID(), o.subject, o.tenant ?? null);
  }

  /** Exchanges a token for its successor in the same family. */
  async rotate(token: string): Promise<IssuedRefreshToken> {
    const record = await this.live(token);
    const now = this.now();
    if (!(await this.repo.markUsed(record.hash, now))) {
      // Someone else exchanged it between our read and our write: that is a reuse too.
      await this.repo.revokeFamily(record.familyId, now);
      throw reused();
    }
    return this.mint(record.familyId, record.subject, record.tenant);
  }

  /** Revokes the family of a token (logout). Unknown tokens are REFRESH_INVALID. */
  async revoke(token: string): Promise<void> {
    const record = await this.find(token);
    await this.repo.revokeFamily(record.familyId, this.now());
  }

  /** Revokes a whole family by id (logout everywhere for one session, admin action). */
  async revokeFamily(familyId: string): Promise<void> {
    await this.repo.revokeFamily(familyId, this.now());
  }

  private async live(token: string): Promise<RefreshTokenRecord> {
    const record = await this.find(token);
    if (record.usedAtMs !== null) {
      if (record.revokedAtMs === null) await this.repo.revokeFamily(record.familyId, this.now());
      throw reused();
    }
    if (record.revokedAtMs !== null) throw new AuthError('REFRESH_REVOKED', 'this refresh token\'s session was revoked; log in again');
    if (this.now() >= record.expiresAtMs) throw new AuthError('REFRESH_EXPIRED', 'the refresh token has expired; log in again');
    return record;
  }

  private async find(token: string): Promise<RefreshTokenRecord> {
    const unknown = new AuthError('REFRESH_INVALID', 'not a valid refresh token');
    if (typeof token !== 'string' || !SECRET_PATTERN.test(token)) throw unknown;
    const record = await this.repo.findByHash(secretDigest(token));
    if (record === null) throw unknown;
    return record;
  }

  private async mint(familyId: string, subject: string, tenant: string | null): Promise<IssuedRefreshToken> {
    const token = randomSecret();
    const issuedAtMs = this.now();
    const expiresAtMs = issuedAtMs + this.ttlMs;
    await this.repo.insert({ hash: secretDigest(token), familyId, subject, tenant, issuedAtMs, expiresAtMs, usedAtMs: null, revokedAtMs: null });
    return { token, familyId, subject, tenant, expiresAtMs };
  }
}

function reused(): AuthError {
  return new AuthError('REFRESH_REUSED', 'this refresh token was already used: its session is revoked; log in again');
}
