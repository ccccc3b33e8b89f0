/**
 * The root error handler: every error becomes `{code, message}` with its HTTP status. Node
 * errors carry their own code and status; request errors (validation, bad JSON, body too
 * large, wrong media type) get codes of their own; anything else is a 500 whose details are
 * logged, not returned.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ContractError, LedgerError } from '@konsortium/ledger';
import { ProtocolError } from '@konsortium/protocol';
import { NodeError } from '../errors.js';

export interface ErrorReply {
  code: string;
  message: string;
  leaderId?: number;
  details?: Record<string, unknown>;
}

/** HTTP status of a transaction refused before ordering, by its code (ledger and contracts). */
const TX_REFUSAL_STATUS: Record<string, number> = {
  MALFORMED: 400,
  TOO_LARGE: 413,
  WRONG_CHANNEL: 400,
  WRONG_SUITE: 400,
  INVALID_ARGS: 400,
  UNKNOWN_CONTRACT: 400,
  UNKNOWN_METHOD: 400,
  BAD_SIGNATURE: 401,
  UNKNOWN_SENDER: 403,
  SENDER_SUSPENDED: 403,
  FORBIDDEN: 403,
  NONCE_REPLAYED: 409,
};

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
  if (err instanceof LedgerError || err instanceof ContractError) {
    const body: ErrorReply = { code: err.code, message: err.message };
    if (err.details !== undefined) body.details = err.details;
    return { status: TX_REFUSAL_STATUS[err.code] ?? 422, body };
  }
  if (err instanceof ProtocolError) return { status: err.code === 'TOO_LARGE' ? 413 : 400, body: { code: err.code === 'INVALID_FIELD' ? 'MALFORMED' : err.code, message: err.message } };
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
