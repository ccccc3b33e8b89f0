/**
 * API keys for machine clients (a tenant's core-banking integration, CI jobs):
 * `ksk_<prefix>_<secret>`. The prefix (12 lowercase hex characters) is public: it finds the
 * record, shows up in listings and logs, and lets a leaked key be recognised. The secret (32
 * random bytes, base64url) is shown once at creation; only its SHA-256 is stored and the
 * comparison is constant-time.
 *
 * The secret is checked before anything else about the record, so a caller without it learns
 * only "invalid", never whether a key is revoked or expired.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from './clock.js';
import { AuthError } from './errors.js';
import { randomSecret, SECRET_PATTERN, secretDigest } from './secrets.js';

export const API_KEY_PREFIX = 'ksk';

export interface ApiKeyRecord {
  /** Public id of the key: 12 lowercase hex characters. */
  readonly prefix: string;
  /** Hex SHA-256 of the secret part. */
  readonly secretHash: string;
  /** A label for people ("core banking, prod"). */
  readonly name: string;
  readonly tenant: string | null;
  readonly scopes: readonly string[];
  readonly createdAtMs: number;
  readonly expiresAtMs: number | null;
  readonly revokedAtMs: number | null;
}

/** What a verified key authenticates as. */
export interface ApiKeyPrincipal {
  readonly prefix: string;
  /** `api-key:<prefix>`: the subject for audit logs and access tokens. */
  readonly subject: string;
  readonly name: string;
  readonly tenant: string | null;
  readonly scopes: readonly string[];
  readonly expiresAtMs: number | null;
}

/** Where API keys live (PostgreSQL via Prisma in production; memory-repos.ts for tests). */
export interface ApiKeyRepo {
  /** Stores a new key; false (and nothing stored) if the prefix is taken. */
  insert(record: ApiKeyRecord): Promise<boolean>;
  findByPrefix(prefix: string): Promise<ApiKeyRecord | null>;
  /** Sets revokedAtMs if it is null; false if there is no such key. */
  revoke(prefix: string, atMs: number): Promise<boolean>;
}

export interface CreateApiKeyRequest {
  readonly name: string;
  readonly tenant?: string | null;
  readonly scopes: readonly string[];
  /** Absolute expiry; default never. */
  readonly expiresAtMs?: number | null;
}

export interface CreatedApiKey {
  /** The whole key: hand it to the client once, never store or log it. */
  readonly key: string;
  readonly principal: ApiKeyPrincipal;
}

const KEY_PATTERN = /^ksk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_BYTES = 6;
const SCOPE_PATTERN = /^[a-z][a-z0-9._:-]{0,63}$/;
const SCOPES_MAX = 64;
const NAME_CHARS_MAX = 128;
const INSERT_ATTEMPTS = 3;

export class ApiKeyService {
  private readonly repo: ApiKeyRepo;
  private readonly now: Clock;

  constructor(o: { repo: ApiKeyRepo; now?: Clock }) {
    this.repo = o.repo;
    this.now = o.now ?? systemClock;
  }

  async create(req: CreateApiKeyRequest): Promise<CreatedApiKey> {
    const name = checkName(req.name);
    const scopes = checkScopes(req.scopes);
    const tenant = req.tenant ?? null;
    if (tenant !== null && (typeof tenant !== 'string' || tenant.length === 0)) throw new AuthError('INVALID_ARGUMENT', 'tenant must be a non-empty string or null');
    const createdAtMs = this.now();
    const expiresAtMs = req.expiresAtMs ?? null;
    if (expiresAtMs !== null && (!Number.isSafeInteger(expiresAtMs) || expiresAtMs <= createdAtMs)) throw new AuthError('INVALID_ARGUMENT', 'expiresAtMs must be in the future');

    // 48 random bits of prefix: a collision is rare, and then we draw again.
    for (let attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
      const prefix = randomBytes(PREFIX_BYTES).toString('hex');
      const secret = randomSecret();
      const record: ApiKeyRecord = { prefix, secretHash: secretDigest(secret), name, tenant, scopes, createdAtMs, expiresAtMs, revokedAtMs: null };
      if (await this.repo.insert(record)) return { key: `${API_KEY_PREFIX}_${prefix}_${secret}`, principal: principalOf(record) };
    }
    throw new Error(`could not find a free API key prefix in ${INSERT_ATTEMPTS} attempts`);
  }

  /** The principal of a valid key; API_KEY_INVALID, API_KEY_REVOKED or API_KEY_EXPIRED otherwise. */
  async verify(key: string): Promise<ApiKeyPrincipal> {
    const invalid = new AuthError('API_KEY_INVALID', 'not a valid API key');
    const match = typeof key === 'string' ? KEY_PATTERN.exec(key) : null;
    const prefix = match?.[1];
    const secret = match?.[2];
    if (prefix === undefined || secret === undefined || !SECRET_PATTERN.test(secret)) throw invalid;
    const record = await this.repo.findByPrefix(prefix);
    if (record === null || !digestsEqual(secretDigest(secret), record.secretHash)) throw invalid;
    if (record.revokedAtMs !== null) throw new AuthError('API_KEY_REVOKED', `API key ${prefix} was revoked`);
    if (record.expiresAtMs !== null && this.now() >= record.expiresAtMs) throw new AuthError('API_KEY_EXPIRED', `API key ${prefix} has expired`);
    return principalOf(record);
  }

  /** Revokes a key by its public prefix; API_KEY_INVALID if there is none. */
  async revoke(prefix: string): Promise<void> {
    if (!(await this.repo.revoke(prefix, this.now()))) throw new AuthError('API_KEY_INVALID', `no API key ${prefix}`);
  }
}

function principalOf(r: ApiKeyRecord): ApiKeyPrincipal {
  return { prefix: r.prefix, subject: `api-key:${r.prefix}`, name: r.name, tenant: r.tenant, scopes: [...r.scopes], expiresAtMs: r.expiresAtMs };
}

/** Constant-time equality of two hex SHA-256 digests; a stored digest of the wrong shape never matches. */
function digestsEqual(candidateHex: string, storedHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(storedHex)) return false;
  return timingSafeEqual(Buffer.from(candidateHex, 'hex'), Buffer.from(storedHex, 'hex'));
}

function checkName(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > NAME_CHARS_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AuthError('INVALID_ARGUMENT', `an API key name is 1 to ${NAME_CHARS_MAX} printable characters`);
  }
  return name;
}

function checkScopes(scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes) || scopes.length > SCOPES_MAX) throw new AuthError('INVALID_ARGUMENT', `scopes must be an array of at most ${SCOPES_MAX}`);
  for (const s of scopes) {
    if (typeof s !== 'string' || !SCOPE_PATTERN.test(s)) throw new AuthError('INVALID_ARGUMENT', `scope ${JSON.stringify(s)} must match ${SCOPE_PATTERN.source}`);
  }
  return [...new Set(scopes)];
}
