/**
 * Serves the component-test pages (built by `npm run build:harness` into
 * web-portal/test/.harness-dist) on a free loopback port for the length of a test.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK } from './ports.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web-portal/test/.harness-dist');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** Starts the static server; returns its base URL. Closed at teardown. */
export async function serveHarness(t: { teardown(fn: () => unknown): void }): Promise<string> {
  if (!existsSync(path.join(DIST, 'forms.html'))) throw new Error('the component-test pages are not built: run `npm run build:harness`');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = path.join(DIST, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
}
