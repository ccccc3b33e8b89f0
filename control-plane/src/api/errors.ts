/**
 * API errors and the root error handler: every failure is `{code, message}` with its status.
 * Auth errors keep their codes; Prisma's unique and not-found errors become CONFLICT and
 * NOT_FOUND; request validation is INVALID_REQUEST; anything unexpected is a 500 whose details
 * are logged, never returned.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../auth/errors.js';
import { Prisma } from '../db/prisma.js';

export type ApiErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'CONFLICT'
  | 'INVALID_REQUEST'
  | 'QUOTA_EXCEEDED'
  | 'TENANT_SUSPENDED'
  | 'INVALID_CREDENTIALS'
  | 'RATE_LIMITED'
  | 'NOT_CONFIGURED'
  | 'UPSTREAM_FAILED'
  | 'INVALID_STATE'
  | 'GATEWAY_FORBIDDEN'
  | 'NODE_UNAVAILABLE'
  | 'NODE_UNREACHABLE'
  | 'BODY_TOO_LARGE';

const STATUS: Record<ApiErrorCode, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  CONFLICT: 409,
  INVALID_REQUEST: 400,
  QUOTA_EXCEEDED: 409,
  TENANT_SUSPENDED: 403,
  INVALID_CREDENTIALS: 401,
  RATE_LIMITED: 429,
  NOT_CONFIGURED: 501,
  UPSTREAM_FAILED: 502,
  INVALID_STATE: 409,
  /** A node path the ledger gateway does not forward (node administration). */
  GATEWAY_FORBIDDEN: 403,
  /** The node is known but has no address (not provisioned yet). */
  NODE_UNAVAILABLE: 503,
  /** The node did not answer the gateway (down, refused, timed out). */
  NODE_UNREACHABLE: 502,
  BODY_TOO_LARGE: 413,
};

export class ApiError extends Error {
  readonly httpStatus: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.httpStatus = STATUS[code];
  }
}

/** The one answer for "absent" and "not yours": a tenant must not learn another's ids exist. */
export function notFound(kind: string, id: string): ApiError {
  return new ApiError('NOT_FOUND', `no ${kind} ${id}`);
}

export interface ErrorReply {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

export function toErrorReply(err: Error): { status: number; body: ErrorReply } {
  if (err instanceof ApiError) return { status: err.httpStatus, body: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  if (err instanceof AuthError) return { status: err.httpStatus, body: { code: err.code, message: err.message } };
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2002') return { status: 409, body: { code: 'CONFLICT', message: `already exists (${String((err.meta as { target?: unknown } | undefined)?.target ?? 'unique key')})` } };
    if (err.code === 'P2025') return { status: 404, body: { code: 'NOT_FOUND', message: 'no such object' } };
    if (err.code === 'P2003') return { status: 409, body: { code: 'CONFLICT', message: 'the object is still referenced' } };
  }
  const fe = err as FastifyError;
  if (fe.validation) return { status: 400, body: { code: 'INVALID_REQUEST', message: fe.message } };
  if (fe.statusCode === 429) return { status: 429, body: { code: 'RATE_LIMITED', message: fe.message } };
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  const status = fe.statusCode ?? 500;
  if (mapped) return { status, body: { code: mapped, message: fe.message } };
  if (status >= 400 && status < 500) return { status, body: { code: 'BAD_REQUEST', message: fe.message } };
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' } };
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorReply(err);
  if (status >= 500) req.log.error({ err, method: req.method, url: req.url }, 'request failed');
  void reply.code(status).send(body);
}
