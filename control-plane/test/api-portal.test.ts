/**
 * The web portal served by the API (`portalDir`), from a tiny stand-in build in a temporary
 * directory (not the real portal): index.html and hashed assets with their cache headers, the
 * portal's own CSP (the API keeps `default-src 'none'`), single-page fallback for browser
 * navigations only, API 404s unchanged; and without a build the API works alone.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { IMMUTABLE, PORTAL_CSP } from '../src/api/portal.js';
import { startApiWorld } from './support/api-world.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/x.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("portal");\n';
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function portalBuild(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'konsortium-portal-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), INDEX);
  await writeFile(path.join(dir, 'assets', 'x.js'), SCRIPT);
  await writeFile(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

t.test('the portal is served beside the API', async (t) => {
  const dir = await portalBuild(t);
  const w = await startApiWorld(t, { extras: { portalDir: dir } });
  const get = (url: string, accept?: string) => w.app.inject({ method: 'GET', url, headers: accept === undefined ? {} : { accept } });

  await t.test('index.html at /: no-cache and the portal CSP', async (t) => {
    const r = await get('/', HTML);
    t.equal(r.statusCode, 200);
    t.equal(r.body, INDEX);
    t.match(r.headers['content-type'], /^text\/html/);
    t.equal(r.headers['cache-control'], 'no-cache');
    t.equal(r.headers['content-security-policy'], PORTAL_CSP, 'its own policy, not the API one');
    t.equal(r.headers['x-content-type-options'], 'nosniff', 'helmet\'s other headers stay');
    const direct = await get('/index.html');
    t.equal(direct.statusCode, 200);
    t.equal(direct.headers['cache-control'], 'no-cache', 'also when asked by name');
  });

  await t.test('hashed assets are immutable for a year', async (t) => {
    const r = await get('/assets/x.js');
    t.equal(r.statusCode, 200);
    t.equal(r.body, SCRIPT);
    t.match(r.headers['content-type'], /javascript/);
    t.equal(r.headers['cache-control'], IMMUTABLE);
    t.equal(r.headers['content-security-policy'], PORTAL_CSP);
    const icon = await get('/favicon.svg');
    t.equal(icon.statusCode, 200);
    t.equal(icon.headers['cache-control'], 'no-cache', 'a top-level file keeps its name across builds');
  });

  await t.test('single-page routes get index.html, for browser navigations only', async (t) => {
    for (const url of ['/tenants/42', '/operator/nodes?tab=health', '/auditor/blocks/7']) {
      const r = await get(url, HTML);
      t.equal(r.statusCode, 200, url);
      t.equal(r.body, INDEX, url);
      t.equal(r.headers['cache-control'], 'no-cache', url);
      t.equal(r.headers['content-security-policy'], PORTAL_CSP, url);
    }
    const head = await w.app.inject({ method: 'HEAD', url: '/tenants/42', headers: { accept: HTML } });
    t.equal(head.statusCode, 200, 'HEAD too');
    const json = await get('/tenants/42', 'application/json');
    t.equal(json.statusCode, 404, 'not a navigation: the JSON 404');
    t.match(json.json(), { code: 'NOT_FOUND' });
    const asset = await get('/assets/missing.js', '*/*');
    t.equal(asset.statusCode, 404, 'a missing asset is a 404, not index.html');
    const post = await w.app.inject({ method: 'POST', url: '/tenants/42', headers: { accept: HTML } });
    t.equal(post.statusCode, 404, 'only GET and HEAD');
  });

  await t.test('API paths keep their JSON answers and the API CSP', async (t) => {
    for (const url of ['/v1/nothing-here', '/v1', '/ledger/abc', '/.well-known/nothing']) {
      const r = await get(url, HTML);
      t.equal(r.statusCode, 404, url);
      t.match(r.json(), { code: 'NOT_FOUND' }, url);
      t.match(r.headers['content-security-policy'], /default-src 'none'/, `${url}: the API policy`);
    }
    const me = await get('/v1/me', HTML);
    t.equal(me.statusCode, 401, 'an API route still needs its token');
    t.match(me.headers['content-security-policy'], /default-src 'none'/);
    const health = await get('/healthz', HTML);
    t.same(health.json(), { status: 'ok' });
    const openapi = await get('/openapi.json');
    t.equal(openapi.statusCode, 200);
    const paths = Object.keys((openapi.json() as { paths: Record<string, unknown> }).paths);
    t.notOk(paths.some((p) => p === '/*' || p.startsWith('/assets')), 'the files are not in the OpenAPI document');
    t.ok(paths.includes('/v1/auth/node-token'), 'the new API routes are');
  });

  await t.test('a rebuild is served without a restart', async (t) => {
    const next = INDEX.replace('x.js', 'y.js');
    await writeFile(path.join(dir, 'index.html'), next);
    await writeFile(path.join(dir, 'assets', 'y.js'), SCRIPT);
    t.equal((await get('/', HTML)).body, next);
    t.equal((await get('/some/route', HTML)).body, next);
    t.equal((await get('/assets/y.js')).statusCode, 200);
  });
});

t.test('without a portal build the API works alone', async (t) => {
  const empty = await mkdtemp(path.join(tmpdir(), 'konsortium-noportal-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  const w = await startApiWorld(t, { extras: { portalDir: path.join(empty, 'dist') } });
  const root = await w.app.inject({ method: 'GET', url: '/', headers: { accept: HTML } });
  t.equal(root.statusCode, 404);
  t.match(root.json(), { code: 'NOT_FOUND' });
  t.match(root.headers['content-security-policy'], /default-src 'none'/);
  t.equal((await w.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  t.ok(await w.login(w.admin.email, 'correct horse battery staple'), 'logins work');
});
