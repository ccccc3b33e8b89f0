/**
 * Caller identity from bearer JWTs, checked with `jose` against a JWKS (the control plane
 * publishes one): signature with a pinned algorithm, issuer, audience, expiry. The token's
 * `roles` claim (array of strings) grants admin routes ("admin" or "operator"); any valid token
 * may read and submit (a transaction carries its own signature, checked by the ledger).
 *
 * Without a configured JWKS the API is open: the process logs that at startup. That mode is
 * for a node on a private network behind the control plane, and for tests.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { NodeError } from '../errors.js';

export interface Caller {
  readonly subject: string;
  readonly roles: readonly string[];
  readonly tenant: string | null;
}

export interface AuthOptions {
  /** An https/http URL of a JWKS, or a path to a JWKS JSON file. */
  readonly jwks: string;
  readonly issuer: string;
  readonly audience: string;
  /** Default EdDSA (what the control plane signs with). */
  readonly algorithms?: readonly string[];
}

export interface AuthVerifier {
  verify(token: string): Promise<Caller>;
}

export const ADMIN_ROLES: readonly string[] = ['admin', 'operator'];

export async function createAuthVerifier(o: AuthOptions): Promise<AuthVerifier> {
  let keys: JWTVerifyGetKey;
  if (/^https?:\/\//.test(o.jwks)) keys = createRemoteJWKSet(new URL(o.jwks), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  else keys = createLocalJWKSet(JSON.parse(await readFile(o.jwks, 'utf8')) as JSONWebKeySet);
  const algorithms = [...(o.algorithms ?? ['EdDSA'])];
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, { issuer: o.issuer, audience: o.audience, algorithms, clockTolerance: 5 });
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
        return { subject: payload.sub ?? '', roles, tenant: typeof payload.tenant === 'string' ? payload.tenant : null };
      } catch (err) {
        throw new NodeError('UNAUTHORIZED', `invalid token: ${(err as Error).message}`);
      }
    },
  };
}

/** An onRequest hook: requires a valid bearer token (and one of `roles`, if given). Open when verifier is null. */
export function requireCaller(verifier: AuthVerifier | null, roles?: readonly string[]) {
  return async (req: FastifyRequest): Promise<void> => {
    if (verifier === null) return;
    const h = req.headers.authorization;
    if (h === undefined || !h.startsWith('Bearer ')) throw new NodeError('UNAUTHORIZED', 'a bearer token is required');
    const caller = await verifier.verify(h.slice(7).trim());
    if (roles !== undefined && !caller.roles.some((r) => roles.includes(r))) {
      throw new NodeError('FORBIDDEN', `this needs one of the roles ${roles.join(', ')}`);
    }
  };
}
