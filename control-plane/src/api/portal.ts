/**
 * The web portal (web-portal/, a Vite build) served from the API's own origin, so the browser
 * talks to the API and, through the ledger gateway, to the nodes without CORS.
 *
 * - Vite names everything under `assets/` by content hash: cached for a year, immutable.
 *   `index.html` and the other top-level files keep their names across builds: `no-cache`
 *   (revalidated every time, so a new build is picked up at once).
 * - Single-page routing: a browser navigation (GET, `Accept: text/html`) to a path that is not
 *   the API's gets index.html; everything else keeps the API's JSON 404.
 * - Its own Content-Security-Policy: the API's global `default-src 'none'` would stop the app
 *   from running at all; this one allows exactly same-origin scripts, styles and requests (and
 *   blob/data images and workers the SDK's crypto and downloads use), nothing inline, no frames.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Paths that belong to the API: never answered with the portal's index.html. */
const API_PREFIXES = ['/v1', '/ledger', '/.well-known'];
const API_PATHS = new Set(['/openapi.json', '/healthz', '/readyz', '/metrics']);

/** The portal's index.html when `dir` holds a build, else null. */
export function portalIndex(dir: string): string | null {
  const index = path.join(dir, 'index.html');
  return existsSync(index) ? index : null;
}

/** A browser navigation the single-page app answers (and not a call of the API's). */
export function isPortalNavigation(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const p = req.url.split('?')[0]!;
  if (API_PATHS.has(p) || API_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`))) return false;
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

export interface Portal {
  /** Answers a not-found request with index.html when it is a portal navigation; false: not ours. */
  fallback(req: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

/** Registers the static files; the portal's CSP goes on the files it serves, never on the API's answers. */
export async function registerPortal(app: FastifyInstance, dir: string): Promise<Portal> {
  const index = path.join(dir, 'index.html');
  const assets = path.join(dir, 'assets') + path.sep;
  await app.register(async (portal) => {
    await portal.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      index: 'index.html',
      cacheControl: false,
      // Hidden from the OpenAPI document: these are files, not API routes.
      schemaHide: true,
      // Called only for a file actually served (a miss goes to the API's 404 with the API's headers).
      setHeaders: (res, file) => {
        res.setHeader('cache-control', file.startsWith(assets) ? IMMUTABLE : 'no-cache');
        res.setHeader('content-security-policy', PORTAL_CSP);
      },
    });
  });
  return {
    async fallback(req, reply) {
      if (!isPortalNavigation(req)) return false;
      // Read per request (it is small): a rebuild while the API runs is served at once.
      const html = await readFile(index).catch(() => null);
      if (html === null) return false;
      void reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').header('content-security-policy', PORTAL_CSP).send(html);
      return true;
    },
  };
}
