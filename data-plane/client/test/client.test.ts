// KonsortiumClient against a stand-in node on 127.0.0.1: every route, auth, error mapping,
// retries, timeouts and aborts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { toHex } from '@konsortium/protocol';
import { KonsortiumApiError, KonsortiumClient, KonsortiumNetworkError, KonsortiumResponseError, KonsortiumTimeoutError, Signer } from '../src/index.js';
import { buildChain, CHANNEL, recordOf, txProofOf } from './helpers/chain.js';
import { FakeNode, sendError, sendJson } from './helpers/fake-node.js';
import { fetchOption } from './helpers/fetch-under-test.js';

const chain = buildChain(4);

async function setup(t: Test, options: Partial<ConstructorParameters<typeof KonsortiumClient>[0]> = {}): Promise<{ node: FakeNode; client: KonsortiumClient }> {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  return { node, client: new KonsortiumClient({ ...fetchOption(), baseUrl: node.url, timeoutMs: 5000, ...options }) };
}

t.test('reads: channels, head, blocks, nodes, state (key URL-encoded)', async (t) => {
  const { node, client } = await setup(t);
  t.same(await client.channels(), [{ name: CHANNEL, suite: 'intl', height: 4 }]);
  const head = await client.head(CHANNEL);
  t.equal(head.height, 4);
  t.equal(head.hash, toHex(chain.blocks[4]!.block.hash));
  t.same(await client.block(CHANNEL, 2), recordOf(chain.blocks[2]!.block));
  const blocks = await client.blocks(CHANNEL, 1, 2);
  t.same(
    blocks.map((b) => b.height),
    [1, 2],
  );
  t.equal(node.requests.at(-1)!.query.get('limit'), '2');
  const nodes = await client.nodes(CHANNEL);
  t.same(
    nodes.map((n) => n.nodeId),
    [1, 2, 3],
  );
  node.on('GET', /\/state\//, ({ res, url }) => sendJson(res, 200, { echo: url.pathname, height: url.searchParams.get('height') }));
  await t.rejects(client.state(CHANNEL, 'a/b c?', { height: 3 }), KonsortiumResponseError, 'a body of the wrong shape is refused');
  t.equal(node.requests.at(-1)!.path, '/v1/channels/main/state/a%2Fb%20c%3F', 'key is one path segment');
  t.equal(node.requests.at(-1)!.query.get('height'), '3');
  await t.rejects(client.blocks(CHANNEL, 0, 101), RangeError);
  await t.rejects(client.block(CHANNEL, -1), RangeError);
});

t.test('submit: 202 new, 200 already known; status follows', async (t) => {
  const { node, client } = await setup(t);
  const signer = Signer.generate();
  const tx = signer.buildTx(CHANNEL, { contract: 'cfa', method: 'transfer', args: { to: 'bob', amount: 1 } });
  const first = await client.submit(tx);
  t.same(first, { txId: toHex(tx.id), status: 'received', alreadyKnown: false });
  const post = node.requests.at(-1)!;
  t.equal(post.headers['content-type'], 'application/json');
  t.equal(post.path, '/v1/channels/main/txs');
  const again = await client.submit(tx);
  t.same(again, { txId: toHex(tx.id), status: 'received', alreadyKnown: true }, 'idempotent');
  t.same(await client.status(CHANNEL, tx.id), { txId: toHex(tx.id), status: 'received' });
  node.statuses.set(toHex(tx.id), { txId: toHex(tx.id), status: 'rejected', code: 'INSUFFICIENT_FUNDS', message: 'balance 0', height: 9, index: 2 });
  t.same(await client.status(CHANNEL, toHex(tx.id)), { txId: toHex(tx.id), status: 'rejected', code: 'INSUFFICIENT_FUNDS', message: 'balance 0', height: 9, index: 2 });

  node.on('POST', /\/txs$/, ({ res }) => sendJson(res, 202, { txId: '00'.repeat(32), status: 'received' }));
  await t.rejects(client.submit(tx), KonsortiumResponseError, 'an acknowledgement of another tx id is refused');
});

t.test('error mapping: code, status, message, details', async (t) => {
  const { node, client } = await setup(t);
  const signer = Signer.generate();
  const tx = signer.buildTx(CHANNEL, { contract: 'cfa', method: 'transfer', args: {} });
  const forged = { ...tx, bytes: Uint8Array.from(tx.bytes) };
  forged.bytes[forged.bytes.length - 1]! ^= 1;
  const err = await client.submit(forged).catch((e: unknown) => e);
  t.type(err, KonsortiumApiError);
  const api = err as KonsortiumApiError;
  t.equal(api.status, 400);
  t.equal(api.code, 'BAD_SIGNATURE');
  t.equal(api.message, 'signature does not verify');
  t.same(api.details, { sender: signer.publicKeyHex });

  await t.rejects(client.status(CHANNEL, 'ab'.repeat(32)), { name: 'KonsortiumApiError', status: 404, code: 'TX_NOT_FOUND' });

  node.on('GET', /\/head$/, ({ res }) => sendJson(res, 409, { code: 'NOT_LEADER', message: 'ask node 2' }));
  await t.rejects(client.head(CHANNEL), { status: 409, code: 'NOT_LEADER', message: 'ask node 2' }, 'a flat error body is understood');

  node.on('GET', /\/nodes$/, ({ res }) => {
    res.writeHead(418, { 'content-type': 'text/html' });
    res.end('<h1>teapot</h1>');
  });
  await t.rejects(client.nodes(CHANNEL), { status: 418, code: 'HTTP_418', message: /teapot/ }, 'a non-API body keeps the status');

  node.on('GET', /\/channels$/, ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{not json');
  });
  await t.rejects(client.channels(), KonsortiumResponseError);
});

t.test('bearer token: a string, or an async provider called per request', async (t) => {
  const a = await setup(t, { token: 'static.jwt' });
  await a.client.head(CHANNEL);
  t.equal(a.node.requests.at(-1)!.headers.authorization, 'Bearer static.jwt');

  let n = 0;
  const b = await setup(t, { token: async () => `jwt-${++n}` });
  await b.client.head(CHANNEL);
  await b.client.head(CHANNEL);
  t.same(
    b.node.requests.map((r) => r.headers.authorization),
    ['Bearer jwt-1', 'Bearer jwt-2'],
  );
  const c = await setup(t);
  await c.client.head(CHANNEL);
  t.equal(c.node.requests.at(-1)!.headers.authorization, undefined, 'no token, no header');
});

t.test('retries: 503 then success; 502 until retries run out; 4xx never retried', async (t) => {
  const { node, client } = await setup(t, { retries: 2 });
  let calls = 0;
  node.on('GET', /\/head$/, ({ res }) => {
    if (++calls === 1) sendError(res, 503, 'UNAVAILABLE');
    else sendJson(res, 200, { height: 1, hash: 'aa', stateRoot: 'bb', timestamp: 5 });
  });
  t.equal((await client.head(CHANNEL)).height, 1);
  t.equal(calls, 2);
  node.on('GET', /\/nodes$/, ({ res }) => sendError(res, 502, 'BAD_GATEWAY'));
  await t.rejects(client.nodes(CHANNEL), { name: 'KonsortiumApiError', status: 502 });
  t.equal(node.count('GET', /\/nodes$/), 3, 'one try and two retries');
  await t.rejects(client.status(CHANNEL, 'cd'.repeat(32)), { name: 'KonsortiumApiError', status: 404 });
  t.equal(node.count('GET', /\/txs\//), 1);
});

t.test('network errors: nothing listening', async (t) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: `http://127.0.0.1:${port}`, retries: 1 });
  const err = await client.head(CHANNEL).catch((e: unknown) => e);
  t.type(err, KonsortiumNetworkError);
  t.notOk(err instanceof KonsortiumTimeoutError);
  t.match((err as Error).message, /GET \/v1\/channels\/main\/head/);
});

t.test('per-request timeout, and the connection is dropped', async (t) => {
  const { node, client } = await setup(t, { timeoutMs: 150 });
  node.on('GET', /\/head$/, () => undefined); // never answers
  const started = Date.now();
  const err = await client.head(CHANNEL).catch((e: unknown) => e);
  const elapsed = Date.now() - started;
  t.type(err, KonsortiumTimeoutError);
  t.equal((err as KonsortiumTimeoutError).timeoutMs, 150);
  t.ok(elapsed >= 140 && elapsed < 2000, `gave up after ${elapsed} ms`);
  t.equal(node.count('GET', /\/head$/), 1, 'a timeout is not retried');
  // per-call override
  await t.rejects(client.head(CHANNEL, { timeoutMs: 30 }), { name: 'KonsortiumTimeoutError', timeoutMs: 30 });
  // a body that stalls after the headers also times out
  node.on('GET', /\/nodes$/, ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"nodes":[');
  });
  await t.rejects(client.nodes(CHANNEL), KonsortiumTimeoutError);
});

t.test('abort: before and during a request, with the signal reason', async (t) => {
  const { node, client } = await setup(t);
  node.on('GET', /\/head$/, () => undefined);
  const before = new AbortController();
  before.abort();
  await t.rejects(client.head(CHANNEL, { signal: before.signal }), { name: 'AbortError' });
  const during = new AbortController();
  const started = Date.now();
  setTimeout(() => during.abort(), 50);
  await t.rejects(client.head(CHANNEL, { signal: during.signal }), { name: 'AbortError' });
  t.ok(Date.now() - started < 2000);
  const custom = new AbortController();
  const reason = new Error('user left the page');
  setTimeout(() => custom.abort(reason), 20);
  const err = await client.head(CHANNEL, { signal: custom.signal }).catch((e: unknown) => e);
  t.equal(err, reason, 'the abort reason itself');
});

t.test('tx proof route', async (t) => {
  const { client } = await setup(t);
  const tx = chain.blocks[2]!.txs[1]!; // block 2 holds three
  t.same(await client.txProof(CHANNEL, tx.id), txProofOf(chain, toHex(tx.id)));
});

t.test('constructor checks', (t) => {
  t.throws(() => new KonsortiumClient({ ...fetchOption(), baseUrl: 'not a url' }), TypeError);
  t.throws(() => new KonsortiumClient({ ...fetchOption(), baseUrl: 'ftp://x' }), TypeError);
  t.throws(() => new KonsortiumClient({ ...fetchOption(), baseUrl: 'http://x', timeoutMs: 0 }), RangeError);
  t.equal(new KonsortiumClient({ ...fetchOption(), baseUrl: 'http://x:1/prefix/' }).baseUrl, 'http://x:1/prefix');
  t.end();
});
