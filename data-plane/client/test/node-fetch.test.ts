// The SDK's Node transport (@konsortium/client/node) against real HTTP servers on 127.0.0.1:
// its own contract first (bodies, headers, null-body statuses, keep-alive, aborts, refused
// connections, streams), then the client, event and wait suites run again on top of it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { nodeFetch } from '../src/node-fetch.js';
import { NODE_FETCH_ENV } from './helpers/fetch-under-test.js';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

async function serve(t: Test, handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('a JSON round trip: method, headers, body and status come through', async (t) => {
  const seen: { method?: string; type?: string; length?: string; body?: string; custom?: string }[] = [];
  const url = await serve(t, (req, body, res) => {
    seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body: body.toString(), custom: req.headers['x-custom'] as string });
    res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-reply': 'yes' });
    res.end(JSON.stringify({ ok: true, echo: body.toString() }));
  });
  const f = nodeFetch();
  t.teardown(() => f.close());
  const r = await f(`${url}/things?a=1`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Custom': 'c' }, body: '{"x":"é"}' });
  t.equal(r.status, 201);
  t.equal(r.ok, true);
  t.equal(r.statusText, 'Made');
  t.equal(r.headers.get('x-reply'), 'yes');
  t.same(await r.json(), { ok: true, echo: '{"x":"é"}' });
  t.same(seen[0], { method: 'POST', type: 'application/json', length: String(Buffer.byteLength('{"x":"é"}')), body: '{"x":"é"}', custom: 'c' }, 'content-length counts bytes, not characters');

  const bytes = Uint8Array.from([0, 1, 2, 255]);
  await f(url, { method: 'PUT', headers: new Headers({ 'content-type': 'application/octet-stream' }), body: bytes });
  t.same(seen[1], { method: 'PUT', type: 'application/octet-stream', length: '4', body: Buffer.from(bytes).toString(), custom: undefined }, 'Headers objects and byte bodies');
  await f(url, { method: 'GET', headers: [['X-Custom', 'from-array']] });
  t.equal(seen[2]!.custom, 'from-array', 'header pairs');
  t.equal(seen[2]!.length, undefined, 'no body, no content-length');
  await t.rejects(f(url, { method: 'POST', body: new Blob(['x']) }), TypeError, 'an unsupported body type is refused');
  await t.rejects(f('ftp://127.0.0.1/x', {}), /unsupported protocol/);
});

t.test('error statuses and null-body statuses are responses, not failures', async (t) => {
  const url = await serve(t, (req, _b, res) => {
    if (req.url === '/none') {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"NOT_FOUND","message":"no"}}');
  });
  const f = nodeFetch();
  t.teardown(() => f.close());
  const missing = await f(`${url}/x`, {});
  t.equal(missing.status, 404);
  t.equal(missing.ok, false);
  t.match(await missing.text(), /NOT_FOUND/);
  const none = await f(`${url}/none`, {});
  t.equal(none.status, 204);
  t.equal(await none.text(), '');
});

t.test('keep-alive: sequential requests reuse one connection', async (t) => {
  const ports = new Set<number>();
  const url = await serve(t, (req, _b, res) => {
    ports.add(req.socket.remotePort!);
    res.end('ok');
  });
  const f = nodeFetch();
  t.teardown(() => f.close());
  for (let i = 0; i < 20; i++) t.equal(await (await f(url, {})).text(), 'ok');
  t.equal(ports.size, 1, 'one client socket for 20 requests');
});

t.test('aborts: before sending, while waiting, and during a stream', async (t) => {
  let hold: ServerResponse | undefined;
  let reached!: () => void;
  // Resolved when the server holds the request: the abort below must land while it waits for
  // an answer (a fixed pause was not always long enough on a busy machine).
  const atServer = new Promise<void>((r) => (reached = r));
  const url = await serve(t, (req, _b, res) => {
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      return;
    }
    hold = res; // never answered
    reached();
  });
  const f = nodeFetch();
  t.teardown(() => f.close());
  const reason = new Error('caller gave up');
  await t.rejects(f(url, { signal: AbortSignal.abort(reason) }), reason, 'an aborted signal sends nothing');
  const ac = new AbortController();
  const pending = f(url, { signal: ac.signal });
  await atServer;
  t.ok(hold !== undefined, 'the request reached the server');
  ac.abort(reason);
  await t.rejects(pending, reason, 'aborting a request in flight rejects with the reason');

  const sc = new AbortController();
  const stream = await f(`${url}/stream`, { signal: sc.signal });
  t.equal(stream.headers.get('content-type'), 'text/event-stream');
  const reader = stream.body!.getReader();
  const first = await reader.read();
  t.equal(new TextDecoder().decode(first.value), 'data: one\n\n', 'the first event arrives before the response ends');
  sc.abort(reason);
  await t.rejects(reader.read(), 'aborting ends the stream');
});

t.test('a refused connection is a TypeError with the socket error as cause', async (t) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const f = nodeFetch();
  t.teardown(() => f.close());
  const err = await f(`http://127.0.0.1:${port}/`, {}).then(
    () => null,
    (e: unknown) => e as TypeError & { cause?: { code?: string } },
  );
  t.type(err, TypeError);
  t.equal(err?.cause?.code, 'ECONNREFUSED');
});

t.test('a response cut off mid-body is a failure, not a short body', async (t) => {
  const url = await serve(t, (_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"partial":');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const f = nodeFetch();
  t.teardown(() => f.close());
  await t.rejects(f(url, {}), TypeError);
});

// The SDK's suites again, every request through nodeFetch.
process.env[NODE_FETCH_ENV] = '1';
await import('./client.test.js');
await import('./events.test.js');
await import('./wait.test.js');
