/**
 * The ledger gateway: `/ledger/:nodeId/*` forwards to the node's HTTP API (`ledger_nodes.http_url`,
 * `:nodeId` the row's uuid), so a browser that only reaches the control plane's origin can use
 * the SDK against `<origin>/ledger/<id>` as a node base URL.
 *
 * - Callers present a node-audience token (`POST /v1/auth/node-token`), which the gateway
 *   verifies itself and forwards unchanged: the node checks it again against the JWKS. The
 *   gateway needs the token for one thing of its own, the tenant, to apply the same visibility
 *   rule as `GET /v1/nodes/:id`: shared nodes and the caller's own dedicated nodes; another
 *   tenant's node answers exactly like an unknown id (404). A token without a tenant (platform
 *   admins, auditors) sees every node. A suspended tenant is refused at once, not when its
 *   short-lived token runs out.
 * - Only the paths of `ledger-paths.ts` are forwarded (403 GATEWAY_FORBIDDEN otherwise).
 * - Bodies are streamed through unparsed (blobs are megabytes of octet-stream), up to
 *   `maxBodyBytes`; responses are streamed back as they come, which is what keeps Server-Sent
 *   Events (`/v1/channels/:ch/events`) live through the gateway.
 * - No retries: a node's 503 (e.g. /readyz) is an answer to pass on, and submits are the
 *   client's to retry (they are idempotent by tx id).
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import replyFrom from '@fastify/reply-from';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { AuthError } from '../../auth/errors.js';
import { NODE_AUDIENCE } from '../../auth/token-service.js';
import type { LedgerNode } from '../../db/prisma.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound, toErrorReply } from '../errors.js';
import { checkNodePath } from '../ledger-paths.js';

export const DEFAULT_GATEWAY_MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface LedgerGatewayOptions {
  readonly ctx: ApiContext;
  /** Largest request body forwarded (default 64 MiB; the node applies its own, smaller limits). */
  readonly maxBodyBytes?: number;
  /** How long a node row is reused between requests (default 2000 ms; 0: read every time). */
  readonly nodeCacheMs?: number;
  /** Until the node's response headers arrive (default 30 s). */
  readonly headersTimeoutMs?: number;
  /** Longest silence inside a response body (default 60 s; event streams ping every 15 s). */
  readonly bodyTimeoutMs?: number;
}

interface Target {
  readonly url: string;
  readonly node: LedgerNode;
}

declare module 'fastify' {
  interface FastifyRequest {
    ledgerTarget: Target | null;
    ledgerBodyTooLarge: boolean;
  }
}

const BEARER = /^Bearer ([\x21-\x7e]{1,8192})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `/ledger/<id>` and the rest of the path, still percent-encoded, from the raw URL. */
const GATEWAY_URL = /^\/ledger\/([^/?#]*)([^?#]*)(\?[^#]*)?/;

/** Counts a streamed body and fails it past the limit (a chunked body has no Content-Length to check first). */
function limited(body: IncomingMessage, max: number, onTooLarge: () => void): Transform {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > max) {
        onTooLarge();
        done(new ApiError('BODY_TOO_LARGE', `request bodies through the gateway are limited to ${max} bytes`));
        return;
      }
      done(null, chunk);
    },
  });
  body.on('error', (err) => counter.destroy(err));
  return body.pipe(counter);
}

/** The kind of failure, for the caller: the details (the node's internal address) are only logged. */
function failureOf(error: Error): string {
  const codes = [(error as { code?: unknown }).code, (error.cause as { code?: unknown } | undefined)?.code].map(String);
  if (codes.includes('ECONNREFUSED')) return 'connection refused';
  if (codes.some((c) => /TIMEOUT/i.test(c))) return 'timed out';
  if (codes.some((c) => c === 'ECONNRESET' || c === 'UND_ERR_SOCKET')) return 'connection reset';
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return 'name not resolved';
  return 'no answer';
}

/** Short-lived cache of node rows: a page fires many node calls, and a row changes rarely. */
function nodeCache(ctx: ApiContext, ttlMs: number) {
  const rows = new Map<string, { node: LedgerNode | null; until: number }>();
  return async (id: string): Promise<LedgerNode | null> => {
    const now = Date.now();
    const hit = rows.get(id);
    if (hit !== undefined && hit.until > now) return hit.node;
    const node = await ctx.db.ledgerNode.findUnique({ where: { id } });
    if (ttlMs > 0) {
      if (rows.size >= 1000) rows.clear();
      rows.set(id, { node, until: now + ttlMs });
    }
    return node;
  };
}

export const ledgerGatewayRoutes: FastifyPluginAsyncTypebox<LedgerGatewayOptions> = async (app, o) => {
  const { ctx } = o;
  const maxBody = o.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY_BYTES;
  const loadNode = nodeCache(ctx, o.nodeCacheMs ?? 2000);
  /** Open event streams: ended when the app closes, or close() would wait for them for ever. */
  const streams = new Set<{ destroy(): unknown }>();

  await app.register(replyFrom, {
    disableCache: true,
    disableRequestLogging: true,
    undici: { headersTimeout: o.headersTimeoutMs ?? 30_000, bodyTimeout: o.bodyTimeoutMs ?? 60_000, connect: { rejectUnauthorized: true } },
  });
  app.addHook('preClose', (done) => {
    for (const res of streams) res.destroy();
    streams.clear();
    done();
  });

  // Bodies stay streams: nothing is parsed or buffered here, whatever the content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => {
    done(null, limited(payload, maxBody, () => void (req.ledgerBodyTooLarge = true)));
  });
  app.decorateRequest('ledgerTarget', null);
  app.decorateRequest('ledgerBodyTooLarge', false);

  /** Everything that can be refused is refused here, before any body is read. */
  async function resolveTarget(req: FastifyRequest): Promise<void> {
    const header = req.headers.authorization;
    const bearer = header === undefined ? null : BEARER.exec(header);
    if (bearer === null) throw new ApiError('UNAUTHENTICATED', 'an Authorization: Bearer <node token> header is required (POST /v1/auth/node-token)');
    const credential = bearer[1]!;
    if (credential.startsWith('ksk_')) throw new ApiError('UNAUTHENTICATED', 'the ledger gateway takes node tokens (POST /v1/auth/node-token), not API keys');
    let tenant: string | null;
    try {
      tenant = (await ctx.tokens.verifyAccessToken(credential, { audience: NODE_AUDIENCE })).tenant;
    } catch (err) {
      if (err instanceof AuthError && err.code === 'TOKEN_INVALID') throw new AuthError('TOKEN_INVALID', `${err.message} (the gateway takes node tokens: POST /v1/auth/node-token)`);
      throw err;
    }

    const m = GATEWAY_URL.exec(req.url);
    const id = m?.[1] ?? '';
    const path = m?.[2] ?? '';
    const verdict = checkNodePath(req.method, path);
    if (!verdict.ok) throw verdict.status === 403 ? new ApiError('GATEWAY_FORBIDDEN', verdict.reason) : new ApiError('INVALID_REQUEST', verdict.reason);

    if (tenant !== null) {
      const t = await ctx.reads.tenant(tenant);
      if (t === null) throw new ApiError('UNAUTHENTICATED', 'the tenant no longer exists');
      if (t.status !== 'active') throw new ApiError('TENANT_SUSPENDED', `tenant ${t.id} is suspended`);
    }
    const node = UUID.test(id) ? await loadNode(id.toLowerCase()) : null;
    if (node === null || (tenant !== null && node.kind !== 'shared' && node.tenantId !== tenant)) throw notFound('node', id);
    if (node.httpUrl === null) throw new ApiError('NODE_UNAVAILABLE', `node ${node.nodeId} has no address yet (status ${node.status})`);

    const length = Number(req.headers['content-length'] ?? 0);
    if (length > maxBody) throw new ApiError('BODY_TOO_LARGE', `request bodies through the gateway are limited to ${maxBody} bytes`);
    req.ledgerTarget = { url: `${node.httpUrl.replace(/\/+$/, '')}${path}${m?.[3] ?? ''}`, node };
  }

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/ledger/:nodeId/*',
    schema: { hide: true },
    onRequest: resolveTarget,
    handler: (req, reply) => {
      const target = req.ledgerTarget!;
      void reply.from(target.url, {
        retryDelay: () => null,
        // Cookies are the control plane's business, never a node's.
        rewriteRequestHeaders: (_req, headers) => {
          delete headers.cookie;
          return headers;
        },
        onResponse: (_req, rep, res) => {
          // reply-from hands over {statusCode, headers, stream}, whatever its typings say.
          const upstream = res as unknown as { headers: Record<string, unknown>; stream: IncomingMessage };
          if (String(upstream.headers['content-type'] ?? '').startsWith('text/event-stream')) {
            const raw = rep.raw;
            streams.add(raw);
            raw.once('close', () => streams.delete(raw));
          }
          void rep.send(upstream.stream);
        },
        onError: (rep, { error }) => {
          const why = (error.cause as Error | undefined)?.message ?? error.message;
          const err = req.ledgerBodyTooLarge
            ? new ApiError('BODY_TOO_LARGE', `request bodies through the gateway are limited to ${maxBody} bytes`)
            : new ApiError('NODE_UNREACHABLE', `node ${target.node.nodeId} did not answer (${failureOf(error)})`);
          const { status, body } = toErrorReply(err);
          if (status === 502) req.log.warn({ node: target.node.id, err: why }, 'ledger gateway: node unreachable');
          void rep.code(status).send(body);
        },
      });
    },
  });
};
