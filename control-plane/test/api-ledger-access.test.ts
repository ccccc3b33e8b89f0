/**
 * The routes that let the portal reach the ledger, over a real PostgreSQL with `inject()` and,
 * where a node is needed, a stand-in node on a loopback socket that echoes what it got:
 *
 * - POST /v1/auth/node-token: who gets what roles (never the node admin roles), the tenant
 *   claim, a life of at most five minutes, refused for a suspended tenant; a node token is
 *   useless against the API and an API token useless at the gateway;
 * - GET /v1/ledger/endpoints: the default network's channels and the nodes the caller may see;
 * - GET /v1/networks/:id/nodes/health: platform and auditors only; unreachable nodes reported;
 * - the gateway's refusals (401, 403 GATEWAY_FORBIDDEN, 404 for another tenant's node exactly
 *   as for an unknown one, 503 NODE_UNAVAILABLE, 502 NODE_UNREACHABLE, 413) and what it
 *   forwards (method, path with its encoding, query, the Authorization header unchanged, no
 *   cookies, bodies byte for byte, a node's 503 once, without retries).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { NODE_AUDIENCE } from '../src/auth/token-service.js';
import { freePort } from '../../test/lib/ports.js';
import { PASSWORD, startApiWorld } from './support/api-world.js';

interface Echo {
  method: string;
  url: string;
  authorization: string | null;
  cookie: string | null;
  contentType: string | null;
  bytes: number;
  sha256: string;
}

/** A stand-in node: answers every request with what it received (and /readyz with 503). */
async function echoNode(t: Test): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    hits++;
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      if (req.url?.endsWith('/events')) {
        // An event stream that never ends by itself, as a node's does.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(': stand-in block stream\n\n');
        return;
      }
      if (req.url === '/readyz') {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not ready' }));
        return;
      }
      const echo: Echo = {
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization ?? null,
        cookie: req.headers.cookie ?? null,
        contentType: req.headers['content-type'] ?? null,
        bytes,
        sha256: hash.digest('hex'),
      };
      res.writeHead(200, { 'content-type': 'application/json', 'x-node': 'echo' }).end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

/** A raw request over a socket: `path` exactly as given (fetch and inject() would fold dot segments first). */
function rawGet(base: string, path: string, token: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('node tokens, endpoints, node health and the gateway', async (t) => {
  const w = await startApiWorld(t, { extras: { gateway: { maxBodyBytes: 8 * 1024 * 1024, nodeCacheMs: 0 }, nodeHealthTimeoutMs: 500 } });
  const { call, db } = w;
  const root = await w.login(w.admin.email, PASSWORD);
  const A = await w.createTenant(root, 'Alpha Bank');
  const B = await w.createTenant(root, 'Beta Bank', { plan: 'dedicated' });
  const aAdmin = await w.login(A.adminEmail, PASSWORD);
  const bAdmin = await w.login(B.adminEmail, PASSWORD);
  t.equal((await call('POST', `/v1/tenants/${A.id}/users`, aAdmin, { email: 'member@alpha.example', password: PASSWORD, role: 'tenant_member' })).status, 201);
  const aMember = await w.login('member@alpha.example', PASSWORD);
  const aReadKey = ((await call('POST', `/v1/tenants/${A.id}/api-keys`, aAdmin, { name: 'ro', scopes: ['read'] })).body as { key: string }).key;
  const aWriteKey = ((await call('POST', `/v1/tenants/${A.id}/api-keys`, aAdmin, { name: 'rw', scopes: ['read', 'write'] })).body as { key: string }).key;
  t.equal((await call('POST', '/v1/users', root, { email: 'auditor@regulator.example', password: PASSWORD, role: 'auditor' })).status, 201);
  const auditor = await w.login('auditor@regulator.example', PASSWORD);

  const nodeToken = async (bearer: string): Promise<string> => {
    const r = await call('POST', '/v1/auth/node-token', bearer);
    if (r.status !== 200) throw new Error(`node-token: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  };

  await t.test('POST /v1/auth/node-token', async (t) => {
    const cases = [
      ['the platform admin', root, null, ['ledger:read', 'ledger:submit']],
      ['an auditor', auditor, null, ['ledger:read']],
      ["A's admin", aAdmin, A.id, ['ledger:read', 'ledger:submit']],
      ["A's member", aMember, A.id, ['ledger:read', 'ledger:submit']],
      ["A's read-only API key", aReadKey, A.id, ['ledger:read']],
      ["A's read-write API key", aWriteKey, A.id, ['ledger:read', 'ledger:submit']],
    ] as const;
    for (const [who, bearer, tenant, roles] of cases) {
      const r = await call('POST', '/v1/auth/node-token', bearer);
      t.equal(r.status, 200, who);
      t.same(Object.keys(r.body).sort(), ['expiresAt', 'token'], `${who}: exactly {token, expiresAt}`);
      const claims = await w.tokens.verifyAccessToken(r.body.token as string, { audience: NODE_AUDIENCE });
      t.equal(claims.tenant, tenant, `${who}: tenant claim`);
      t.same([...claims.roles].sort(), [...roles].sort(), `${who}: roles`);
      t.notOk(claims.roles.some((x) => x === 'admin' || x === 'operator'), `${who}: never a node admin role`);
      t.ok(claims.expiresAtMs - claims.issuedAtMs <= 300_000, `${who}: lives at most 5 minutes`);
      t.equal(new Date(r.body.expiresAt as string).getTime(), claims.expiresAtMs, `${who}: expiresAt is the token's exp`);
    }
    const me = (await call('GET', '/v1/me', aMember)).body as { subject: string };
    t.equal((await w.tokens.verifyAccessToken(await nodeToken(aMember), { audience: NODE_AUDIENCE })).subject, me.subject, 'subject: the user id');
    t.match((await w.tokens.verifyAccessToken(await nodeToken(aReadKey), { audience: NODE_AUDIENCE })).subject, /^api-key:/, 'subject: the API key');
    t.equal((await call('POST', '/v1/auth/node-token', null)).status, 401, 'unauthenticated');
    const asApi = await call('GET', '/v1/me', await nodeToken(aAdmin));
    t.match(asApi, { status: 401, body: { code: 'TOKEN_INVALID' } }, 'a node token is not an API token');
  });

  // The default network ("consortium"), its channels and nodes: shared 1..2, B's dedicated 4, A's dedicated 5.
  const upstream = await echoNode(t);
  const deadPort = await freePort(); // below the ephemeral range: no parallel test takes it once freed
  await t.test('GET /v1/ledger/endpoints before the network exists', async (t) => {
    t.match(await call('GET', '/v1/ledger/endpoints', aAdmin), { status: 404, body: { code: 'NOT_FOUND' } });
  });
  const network = await db.network.create({ data: { name: 'consortium' } });
  for (const name of ['consortium', 'trade']) await db.channel.create({ data: { networkId: network.id, name, genesis: {} } });
  const shared = await db.ledgerNode.create({ data: { networkId: network.id, nodeId: 1, kind: 'shared', status: 'running', httpUrl: upstream.url, publicKey: 'aa', sealKey: 'bb' } });
  const sharedDown = await db.ledgerNode.create({ data: { networkId: network.id, nodeId: 2, kind: 'shared', status: 'running', httpUrl: `http://127.0.0.1:${deadPort}` } });
  const bNode = await db.ledgerNode.create({ data: { networkId: network.id, nodeId: 4, kind: 'dedicated', tenantId: B.id, status: 'running', httpUrl: upstream.url } });
  const aNode = await db.ledgerNode.create({ data: { networkId: network.id, nodeId: 5, kind: 'dedicated', tenantId: A.id, status: 'requested' } });

  await t.test('GET /v1/ledger/endpoints', async (t) => {
    const r = await call('GET', '/v1/ledger/endpoints', aMember);
    t.equal(r.status, 200);
    t.same(r.body, {
      network: { id: network.id, name: 'consortium', suite: 'intl' },
      channels: ['consortium', 'trade'],
      nodes: [
        { id: shared.id, nodeId: 1, kind: 'shared', status: 'running', gatewayPath: `/ledger/${shared.id}`, sealKey: 'bb', publicKey: 'aa' },
        { id: sharedDown.id, nodeId: 2, kind: 'shared', status: 'running', gatewayPath: `/ledger/${sharedDown.id}`, sealKey: null, publicKey: null },
        { id: aNode.id, nodeId: 5, kind: 'dedicated', status: 'requested', gatewayPath: `/ledger/${aNode.id}`, sealKey: null, publicKey: null },
      ],
    }, "A sees the shared nodes and its own, never B's");
    const ids = async (bearer: string) => ((await call('GET', '/v1/ledger/endpoints', bearer)).body.nodes as { nodeId: number }[]).map((n) => n.nodeId);
    t.same(await ids(bAdmin), [1, 2, 4], 'B: shared and its own');
    t.same(await ids(aReadKey), [1, 2, 5], 'an API key: its tenant\'s view');
    t.same(await ids(root), [1, 2, 4, 5], 'the platform: all');
    t.equal((await call('GET', '/v1/ledger/endpoints', null)).status, 401);
  });

  await t.test('GET /v1/networks/:id/nodes/health: access and unreachable nodes', async (t) => {
    for (const [who, bearer] of [["A's admin", aAdmin], ["A's API key", aWriteKey], ["B's admin", bAdmin]] as const) {
      t.match(await call('GET', `/v1/networks/${network.id}/nodes/health`, bearer), { status: 403, body: { code: 'FORBIDDEN' } }, `${who}: 403`);
      t.match(await call('GET', `/v1/networks/${randomUUID()}/nodes/health`, bearer), { status: 403, body: { code: 'FORBIDDEN' } }, `${who}: 403 whatever the id`);
    }
    t.match(await call('GET', `/v1/networks/${randomUUID()}/nodes/health`, root), { status: 404, body: { code: 'NOT_FOUND' } });
    const started = Date.now();
    const r = await call('GET', `/v1/networks/${network.id}/nodes/health`, auditor);
    t.equal(r.status, 200, 'auditors read it');
    t.ok(Date.now() - started < 5000, 'bounded by the per-node deadline');
    const items = r.body.items as Record<string, unknown>[];
    t.same(items.map((i) => i.nodeId), [1, 2, 4, 5], 'every node of the network');
    t.equal(r.body.primaryChannel, 'consortium');
    const down = items.find((i) => i.nodeId === 2)!;
    t.match(down, { id: sharedDown.id, kind: 'shared', status: 'running', reachable: false, role: null, term: null, height: { consortium: null, trade: null }, lag: { consortium: null, trade: null } });
    t.match(down.error, /consortium: .+; trade: .+/, 'the failure, per channel');
    t.match(items.find((i) => i.nodeId === 5), { reachable: false, error: 'the node has no address yet', latencyMs: null });
    t.match(items.find((i) => i.nodeId === 1), { reachable: false, role: null }, 'a stand-in that does not speak the node API is not reachable as a node');
  });

  const tokenA = await nodeToken(aMember);
  const tokenB = await nodeToken(bAdmin);
  const tokenRoot = await nodeToken(root);
  const gw = (method: string, url: string, token: string | null, o: { payload?: string | Buffer | Readable; headers?: Record<string, string> } = {}) =>
    w.app.inject({ method: method as 'GET', url, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...o.headers }, ...(o.payload === undefined ? {} : { payload: o.payload }) });

  await t.test('the gateway refuses', async (t) => {
    const hitsBefore = upstream.hits();
    const head = `/ledger/${shared.id}/v1/channels/consortium/head`;
    t.match((await gw('GET', head, null)).json(), { code: 'UNAUTHENTICATED' }, 'no token');
    t.equal((await gw('GET', head, null)).statusCode, 401);
    const apiToken = await gw('GET', head, aAdmin);
    t.equal(apiToken.statusCode, 401, 'an API token is not a node token');
    t.match(apiToken.json(), { code: 'TOKEN_INVALID', message: /node-token/ });
    t.match((await gw('GET', head, aWriteKey)).json(), { code: 'UNAUTHENTICATED', message: /node tokens/ }, 'an API key');
    t.match((await gw('GET', head, 'garbage')).json(), { code: 'TOKEN_INVALID' });

    const admin: [string, string][] = [
      ['POST', '/v1/channels/consortium/admin/members'],
      ['GET', '/v1/channels/consortium/admin/status'],
      ['POST', '/v1/channels/consortium/admin/members/3/promote'],
      ['POST', '/v1/channels/consortium/admin/leader/transfer'],
      ['POST', '/v1/channels/consortium/admin/snapshot'],
      ['GET', '/v1/channels/consortium/%61dmin/status'],
      ['GET', '/v1/channels/consortium/ADMIN/status'],
      ['POST', '/v1/members'],
      ['POST', '/v1/leader/transfer'],
      ['POST', '/v1/snapshot'],
      ['GET', '/metrics'],
      ['POST', '/members'],
      ['POST', '/leader/transfer'],
      ['POST', '/snapshot'],
      ['GET', '/other'],
      ['POST', '/status'],
      ['DELETE', '/v1/channels/consortium/admin/members/3'],
      ['DELETE', '/v1/kv/x'],
      ['PATCH', '/v1/channels/consortium/txs'],
    ];
    for (const [method, path] of admin) {
      const r = await gw(method, `/ledger/${shared.id}${path}`, tokenRoot);
      t.equal(r.statusCode, 403, `${method} ${path}`);
      t.equal(r.json<{ code: string }>().code, 'GATEWAY_FORBIDDEN', `${method} ${path}`);
    }
    const base = await w.app.listen({ host: '127.0.0.1', port: 0 });
    for (const path of ['/v1/channels/%2e%2e/admin/status', '/v1/channels/consortium/../admin/status', '/v1/channels/x/%2E./admin/status', '/v1//channels', '/v1/channels/a%5Cb', '/v1/%zz', '/v1/channels/']) {
      const r = await rawGet(base, `/ledger/${shared.id}${path}`, tokenRoot);
      t.equal(r.status, 400, `${path}: refused before any URL folding`);
      // fastify refuses malformed percent-encoding itself, before any route (FST_ERR_BAD_URL).
      t.match(JSON.parse(r.body), { code: path === '/v1/%zz' ? 'FST_ERR_BAD_URL' : 'INVALID_REQUEST' });
    }
    t.equal(upstream.hits(), hitsBefore, 'nothing reached the node');

    const ghost = randomUUID();
    const other = await gw('GET', `/ledger/${bNode.id}/v1/channels`, tokenA);
    const none = await gw('GET', `/ledger/${ghost}/v1/channels`, tokenA);
    t.equal(other.statusCode, 404, "B's dedicated node is not found for A");
    t.same(other.json(), { code: 'NOT_FOUND', message: `no node ${bNode.id}` });
    t.same(none.json(), { code: 'NOT_FOUND', message: `no node ${ghost}` }, 'exactly like an id that does not exist');
    t.equal((await gw('GET', '/ledger/not-a-uuid/v1/channels', tokenA)).statusCode, 404);
    t.match((await gw('GET', `/ledger/${aNode.id}/v1/channels`, tokenA)).json(), { code: 'NODE_UNAVAILABLE', message: /no address/ });
    t.equal((await gw('GET', `/ledger/${aNode.id}/v1/channels`, tokenA)).statusCode, 503);
    const dead = await gw('GET', `/ledger/${sharedDown.id}/v1/channels`, tokenA);
    t.equal(dead.statusCode, 502, 'a node that is down');
    t.same(dead.json(), { code: 'NODE_UNREACHABLE', message: 'node 2 did not answer (connection refused)' }, 'without the node\'s internal address');
    const big = await gw('PUT', `/ledger/${shared.id}/v1/channels/consortium/blobs/${'0'.repeat(64)}`, tokenA, { payload: Buffer.alloc(9 * 1024 * 1024), headers: { 'content-type': 'application/octet-stream' } });
    t.equal(big.statusCode, 413, 'a body over the limit');
    t.match(big.json(), { code: 'BODY_TOO_LARGE' });
    t.equal(upstream.hits(), hitsBefore, 'still nothing reached the node');
  });

  await t.test('the gateway forwards', async (t) => {
    const r = await gw('GET', `/ledger/${shared.id}/v1/channels/consortium/state/cfa%2Fowners%2FBOND1?height=3&x=a%20b`, tokenA, { headers: { cookie: 'session=secret' } });
    t.equal(r.statusCode, 200);
    t.equal(r.headers['x-node'], 'echo', "the node's headers come back");
    t.same(r.json(), { method: 'GET', url: '/v1/channels/consortium/state/cfa%2Fowners%2FBOND1?height=3&x=a%20b', authorization: `Bearer ${tokenA}`, cookie: null, contentType: null, bytes: 0, sha256: createHash('sha256').digest('hex') }, 'path encoding, query and token unchanged; no cookie');
    t.equal((await gw('GET', `/ledger/${bNode.id}/v1/channels`, tokenB)).statusCode, 200, 'B reaches its own node');
    t.equal((await gw('GET', `/ledger/${bNode.id}/v1/channels`, tokenRoot)).statusCode, 200, 'the platform reaches every node');
    t.equal((await gw('GET', `/ledger/${shared.id.toUpperCase()}/healthz`, tokenA)).statusCode, 200, 'the probes; an upper-case id');

    const json = JSON.stringify({ tx: 'ab'.repeat(100) });
    const post = await gw('POST', `/ledger/${shared.id}/v1/channels/consortium/txs`, tokenA, { payload: json, headers: { 'content-type': 'application/json' } });
    t.match(post.json(), { method: 'POST', contentType: 'application/json', bytes: json.length, sha256: createHash('sha256').update(json).digest('hex') }, 'a JSON body byte for byte');
    const blob = Buffer.alloc(6 * 1024 * 1024, 7);
    const put = await gw('PUT', `/ledger/${shared.id}/v1/channels/consortium/blobs/${'a'.repeat(64)}`, tokenA, { payload: blob, headers: { 'content-type': 'application/octet-stream' } });
    t.equal(put.statusCode, 200, 'a 6 MiB blob (over the API\'s 1 MiB body limit)');
    t.match(put.json(), { method: 'PUT', contentType: 'application/octet-stream', bytes: blob.length, sha256: createHash('sha256').update(blob).digest('hex') });

    const before = upstream.hits();
    const ready = await gw('GET', `/ledger/${shared.id}/readyz`, tokenA);
    t.equal(ready.statusCode, 503, "the node's 503 is passed on");
    t.same(ready.json(), { status: 'not ready' });
    t.equal(upstream.hits() - before, 1, 'once: no retries');
  });

  await t.test('a streamed body over the limit is cut', async (t) => {
    const chunks = function* () {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(1024 * 1024, i);
    };
    const r = await gw('PUT', `/ledger/${shared.id}/v1/channels/consortium/blobs/${'b'.repeat(64)}`, tokenA, { payload: Readable.from(chunks()), headers: { 'content-type': 'application/octet-stream' } });
    t.equal(r.statusCode, 413);
    t.match(r.json(), { code: 'BODY_TOO_LARGE' });
  });

  await t.test('suspension bites at once', async (t) => {
    t.equal((await call('PATCH', `/v1/tenants/${A.id}`, root, { status: 'suspended' })).status, 200);
    t.match(await call('POST', '/v1/auth/node-token', aMember), { status: 403, body: { code: 'TENANT_SUSPENDED' } }, 'no new node token');
    t.match(await call('POST', '/v1/auth/node-token', aReadKey), { status: 403, body: { code: 'TENANT_SUSPENDED' } }, 'not for its API keys either');
    const r = await gw('GET', `/ledger/${shared.id}/v1/channels`, tokenA);
    t.equal(r.statusCode, 403, 'a token issued before is refused by the gateway');
    t.match(r.json(), { code: 'TENANT_SUSPENDED' });
    t.equal((await gw('GET', `/ledger/${bNode.id}/v1/channels`, tokenB)).statusCode, 200, 'other tenants are not affected');
    t.equal((await call('PATCH', `/v1/tenants/${A.id}`, root, { status: 'active' })).status, 200);
    t.equal((await gw('GET', `/ledger/${shared.id}/v1/channels`, tokenA)).statusCode, 200, 'and back');
  });

  await t.test('an expired node token', async (t) => {
    w.advance(306_000); // 300 s of life and 5 s of clock tolerance
    const r = await gw('GET', `/ledger/${shared.id}/v1/channels`, tokenA);
    t.equal(r.statusCode, 401);
    t.match(r.json(), { code: 'TOKEN_EXPIRED' });
  });

  await t.test('an open event stream does not hold the app when it closes', async (t) => {
    const base = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
    const res = await fetch(`${base}/ledger/${shared.id}/v1/channels/consortium/events`, { headers: { authorization: `Bearer ${await nodeToken(aMember)}` } });
    t.equal(res.status, 200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    t.match(new TextDecoder().decode(first.value), /stand-in block stream/, 'the first event is passed on at once');
    const closed = await Promise.race([w.app.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
    t.equal(closed, 'closed', 'close() ends the stream instead of waiting for it');
    const rest = await reader.read().catch(() => ({ done: true }));
    t.equal(rest.done, true, 'the client sees the stream end');
  });
});
