/**
 * The root error handler: every error becomes `{code, message}` with its HTTP status. Node
 * errors carry their own code and status; request errors (validation, bad JSON, body too
 * large, wrong media type) get codes of their own; anything else is a 500 whose details are
 * logged, not returned.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { NodeError } from '../errors.js';

export interface ErrorReply {
  code: string;
  message: string;
  leaderId?: number;
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
};

export function toErrorReply(err: FastifyError | NodeError | Error): { status: number; body: ErrorReply } {
  if (err instanceof NodeError) {
    const body: ErrorReply = { code: err.code, message: err.message };
    if (err.leaderId !== undefined) body.leaderId = err.leaderId;
    return { status: err.httpStatus, body };
  }
  const fe = err as FastifyError;
  if (fe.validation) return { status: 400, body: { code: 'INVALID_REQUEST', message: fe.message } };
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  const status = fe.statusCode ?? 500;
  if (mapped) return { status, body: { code: mapped, message: fe.message } };
  if (status >= 400 && status < 500) return { status, body: { code: 'BAD_REQUEST', message: fe.message } };
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' } };
}

export function errorHandler(logger: Logger) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    const { status, body } = toErrorReply(err);
    if (status >= 500 && !(err instanceof NodeError)) logger.error({ err, method: req.method, url: req.url }, 'request failed');
    void reply.code(status).send(body);
  };
}
