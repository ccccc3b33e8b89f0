/**
 * Access tokens: short-lived EdDSA-signed JWTs. One issuer, two audiences: the control-plane
 * API (`konsortium-api`) and the ledger nodes (`konsortium-node`). A token names exactly one
 * audience and each verifier checks its own, so a token a node accepts is useless against the
 * API and the other way round.
 *
 * Claims: `sub`, `roles` (string[]), optional `tenant`, `iss`, `aud`, `iat`, `exp`, `jti`;
 * header `alg: EdDSA`, `kid`, `typ: at+jwt` (RFC 9068, so a future JWT of another kind signed
 * by the same keys is never taken for an access token). Nodes verify these with their own
 * verifier (data-plane/node/src/http/auth.ts): EdDSA pinned, issuer, audience, expiry.
 *
 * Verification pins the algorithm before any key is chosen (`none`, HS256 keyed with the public
 * key bytes and every other alg are refused by jose's allowlist), looks the key up by `kid` in
 * the ring (never "try every key"), and maps every failure to TOKEN_EXPIRED (a genuine token
 * past its time: refresh) or TOKEN_INVALID (everything else).
 */
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTHeaderParameters, SignJWT } from 'jose';
import { type Clock, systemClock } from './clock.js';
import { AuthError } from './errors.js';
import { type KeyRing, SIGNING_ALG } from './keys.js';

export const DEFAULT_ISSUER = 'konsortium';
/** The control plane's own API. */
export const API_AUDIENCE = 'konsortium-api';
/** The ledger nodes' API (the default audience of their verifier). */
export const NODE_AUDIENCE = 'konsortium-node';
export const ACCESS_TOKEN_TYP = 'at+jwt';

const DEFAULT_TTL_SECONDS = 15 * 60;
/** Longer than this is not an access token any more; use refresh tokens. */
const TTL_SECONDS_MAX = 24 * 60 * 60;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
const CLOCK_TOLERANCE_SECONDS_MAX = 60;
/** Longer strings are refused before any parsing. */
const TOKEN_CHARS_MAX = 8192;
const ROLES_MAX = 32;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._@-]{0,127}$/;

export interface TokenServiceOptions {
  readonly keys: KeyRing;
  /** Default `konsortium` (the nodes' default). */
  readonly issuer?: string;
  /** Default 900 (15 minutes). */
  readonly accessTokenTtlSeconds?: number;
  /** Default 5, at most 60. */
  readonly clockToleranceSeconds?: number;
  readonly now?: Clock;
}

export interface AccessTokenRequest {
  /** The user or client id. */
  readonly subject: string;
  readonly roles: readonly string[];
  readonly tenant?: string | null;
  /** Default API_AUDIENCE. */
  readonly audience?: string;
  /** Default the service's accessTokenTtlSeconds. */
  readonly ttlSeconds?: number;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly jti: string;
  readonly audience: string;
  readonly expiresAtMs: number;
}

export interface AccessTokenClaims {
  readonly subject: string;
  readonly roles: readonly string[];
  readonly tenant: string | null;
  readonly issuer: string;
  readonly audience: string;
  readonly jti: string;
  readonly kid: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export class TokenService {
  readonly issuer: string;
  private readonly keys: KeyRing;
  private readonly ttlSeconds: number;
  private readonly clockToleranceSeconds: number;
  private readonly now: Clock;

  constructor(o: TokenServiceOptions) {
    this.keys = o.keys;
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.ttlSeconds = checkTtl(o.accessTokenTtlSeconds ?? DEFAULT_TTL_SECONDS);
    this.clockToleranceSeconds = o.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    this.now = o.now ?? systemClock;
    if (!Number.isInteger(this.clockToleranceSeconds) || this.clockToleranceSeconds < 0 || this.clockToleranceSeconds > CLOCK_TOLERANCE_SECONDS_MAX) {
      throw new AuthError('INVALID_ARGUMENT', `clockToleranceSeconds must be an integer in [0, ${CLOCK_TOLERANCE_SECONDS_MAX}]`);
    }
    if (this.issuer.length === 0) throw new AuthError('INVALID_ARGUMENT', 'the issuer is empty');
  }

  /** Signs an access token with the ring's active key. */
  async issueAccessToken(req: AccessTokenRequest): Promise<IssuedAccessToken> {
    const audience = req.audience ?? API_AUDIENCE;
    checkName('subject', req.subject);
    checkName('audience', audience);
    if (req.tenant !== undefined && req.tenant !== null) checkName('tenant', req.tenant);
    if (!Array.isArray(req.roles) || req.roles.length > ROLES_MAX) throw new AuthError('INVALID_ARGUMENT', `roles must be an array of at most ${ROLES_MAX}`);
    for (const role of req.roles) checkName('role', role);
    const ttlSeconds = checkTtl(req.ttlSeconds ?? this.ttlSeconds);

    const key = this.keys.active;
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + ttlSeconds;
    const jti = randomUUID();
    const claims: Record<string, unknown> = { roles: [...new Set(req.roles)] };
    if (req.tenant !== undefined && req.tenant !== null) claims.tenant = req.tenant;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: ACCESS_TOKEN_TYP })
      .setSubject(req.subject)
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, audience, expiresAtMs: exp * 1000 };
  }

  /** Verifies a token for one audience (default API_AUDIENCE) and returns its claims. */
  async verifyAccessToken(token: string, o: { audience?: string } = {}): Promise<AccessTokenClaims> {
    const audience = o.audience ?? API_AUDIENCE;
    if (typeof token !== 'string' || token.length === 0 || token.length > TOKEN_CHARS_MAX) throw invalid('not a token of sensible length');
    let verified: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      verified = await jwtVerify(token, (header: JWTHeaderParameters) => this.publicKeyFor(header), {
        algorithms: [SIGNING_ALG],
        issuer: this.issuer,
        audience,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['sub', 'iat', 'exp', 'jti'],
        clockTolerance: this.clockToleranceSeconds,
        currentDate: new Date(this.now()),
      });
    } catch (err) {
      if (err instanceof AuthError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new AuthError('TOKEN_EXPIRED', 'the access token has expired', { cause: err });
      throw invalid((err as Error).message, err);
    }
    return this.claimsOf(verified.payload, verified.protectedHeader, audience);
  }

  private publicKeyFor(header: JWTHeaderParameters) {
    // jose has already refused any alg but EdDSA; the kid picks the one key that may verify.
    if (typeof header.kid !== 'string') throw invalid('the token has no kid');
    const key = this.keys.find(header.kid);
    if (key === undefined) throw invalid('the token was signed by a key this service does not hold (unknown or retired kid)');
    return key.publicKey;
  }

  private claimsOf(payload: Record<string, unknown>, header: JWTHeaderParameters, audience: string): AccessTokenClaims {
    // jose accepts an `aud` array that contains ours; we mint single-audience tokens only, and
    // one that names several audiences is not one of ours.
    if (payload.aud !== audience) throw invalid('the token must name exactly one audience');
    const { sub, roles, tenant, jti, iat, exp } = payload;
    if (typeof sub !== 'string' || sub.length === 0) throw invalid('no subject');
    if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string')) throw invalid('roles must be an array of strings');
    if (tenant !== undefined && typeof tenant !== 'string') throw invalid('tenant must be a string');
    if (typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') throw invalid('missing jti, iat or exp');
    return {
      subject: sub,
      roles,
      tenant: tenant ?? null,
      issuer: this.issuer,
      audience,
      jti,
      kid: header.kid ?? '',
      issuedAtMs: iat * 1000,
      expiresAtMs: exp * 1000,
    };
  }
}

function invalid(why: string, cause?: unknown): AuthError {
  return new AuthError('TOKEN_INVALID', `invalid access token: ${why}`, { cause });
}

function checkName(what: string, value: unknown): void {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new AuthError('INVALID_ARGUMENT', `${what} must be 1 to 128 characters of [A-Za-z0-9:._@-], starting with a letter or digit`);
  }
}

function checkTtl(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > TTL_SECONDS_MAX) {
    throw new AuthError('INVALID_ARGUMENT', `an access token lives 1 to ${TTL_SECONDS_MAX} seconds`);
  }
  return ttlSeconds;
}
