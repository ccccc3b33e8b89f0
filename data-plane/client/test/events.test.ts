// The block event stream: resumes with Last-Event-ID after the server drops the connection,
// never delivers a block twice, gives up after bounded retries, and stops on abort or break.
import t from 'tap';
import { KonsortiumApiError, KonsortiumClient, KonsortiumNetworkError, type BlockEvent } from '../src/index.js';
import { buildChain, CHANNEL } from './helpers/chain.js';
import { FakeNode, sendError, sseBlock, sseHead, until } from './helpers/fake-node.js';
import { fetchOption } from './helpers/fetch-under-test.js';

const chain = buildChain(8);

async function collect(it: AsyncIterable<BlockEvent>, n: number): Promise<number[]> {
  const heights: number[] = [];
  for await (const ev of it) {
    heights.push(ev.height);
    if (heights.length >= n) break;
  }
  return heights;
}

t.test('replays from a height, then follows live blocks', async (t) => {
  const node = await FakeNode.start(chain, 4);
  t.teardown(() => node.close());
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const it = client.events(CHANNEL, { from: 2 });
  const first = await it.next();
  t.equal(first.value?.height, 2);
  t.equal(node.requests.at(-1)!.query.get('from'), '2');
  t.equal(node.requests.at(-1)!.headers['last-event-id'], undefined, 'no Last-Event-ID on the first connection');
  t.equal((await it.next()).value?.height, 3);
  t.equal((await it.next()).value?.height, 4);
  const live = it.next();
  node.advance();
  const ev = (await live).value!;
  t.equal(ev.height, 5);
  t.same(
    ev.txs.map((x) => x.code),
    chain.blocks[5]!.block.results,
  );
  await it.return();
  await until(() => node.openStreams === 0);
  t.pass('returning closes the connection');
});

t.test('without from: starts after the current head', async (t) => {
  const node = await FakeNode.start(chain, 3);
  t.teardown(() => node.close());
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const it = client.events(CHANNEL);
  const next = it.next();
  await until(() => node.openStreams === 1);
  t.equal(node.requests.find((r) => r.path.endsWith('/events'))?.query.get('from'), '4');
  node.advance();
  t.equal((await next).value?.height, 4);
  await it.return();
});

t.test('reconnects with Last-Event-ID after a drop mid-event, without duplicates', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  const connections: { lastEventId: string | undefined; from: string | null }[] = [];
  node.on('GET', /\/events$/, ({ req, res, url }) => {
    const lastId = req.headers['last-event-id'];
    connections.push({ lastEventId: typeof lastId === 'string' ? lastId : undefined, from: url.searchParams.get('from') });
    sseHead(res);
    if (connections.length === 1) {
      res.write(': ping\n\n');
      for (const h of [1, 2, 3]) res.write(sseBlock(node.blockEvent(h)));
      const partial = sseBlock(node.blockEvent(4));
      res.write(partial.slice(0, partial.length - 10)); // event 4 cut short
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (connections.length === 2) {
      // This server resumes one block early: the client must skip block 3.
      for (const h of [3, 4, 5]) res.write(sseBlock(node.blockEvent(h)));
      res.end(); // a clean end is a reason to reconnect too
    } else {
      for (const h of [6, 7, 8]) res.write(sseBlock(node.blockEvent(h)));
    }
  });
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const heights = await collect(client.events(CHANNEL, { from: 1, retryBaseMs: 10 }), 8);
  t.same(heights, [1, 2, 3, 4, 5, 6, 7, 8], 'each block once, in order');
  t.same(connections, [
    { lastEventId: undefined, from: '1' },
    { lastEventId: '3', from: '4' },
    { lastEventId: '5', from: '6' },
  ]);
});

t.test('bounded retries: a stream that keeps failing ends in a KonsortiumNetworkError', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  node.on('GET', /\/events$/, ({ res }) => void res.socket?.destroy());
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const started = Date.now();
  const err = await collect(client.events(CHANNEL, { from: 1, maxRetries: 3, retryBaseMs: 5, retryCapMs: 20 }), 1).catch((e: unknown) => e);
  t.type(err, KonsortiumNetworkError);
  t.match((err as Error).message, /4 connections in a row failed/);
  t.equal(node.count('GET', /\/events$/), 4, 'one try and three retries');
  t.ok(Date.now() - started < 3000);
});

t.test('progress resets the retry budget', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  let n = 0;
  node.on('GET', /\/events$/, ({ res }) => {
    n++;
    sseHead(res);
    res.write(sseBlock(node.blockEvent(n))); // one block per connection, then a drop
    setTimeout(() => res.socket?.destroy(), 5);
  });
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  t.same(await collect(client.events(CHANNEL, { from: 1, maxRetries: 1, retryBaseMs: 5 }), 6), [1, 2, 3, 4, 5, 6]);
});

t.test('a refusal is not retried; 5xx is', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  node.on('GET', /\/events$/, ({ res }) => sendError(res, 403, 'FORBIDDEN', 'not a member'));
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  await t.rejects(collect(client.events(CHANNEL, { from: 1, retryBaseMs: 5 }), 1), { name: 'KonsortiumApiError', code: 'FORBIDDEN' });
  t.equal(node.count('GET', /\/events$/), 1);

  let calls = 0;
  node.on('GET', /\/events$/, (ctx) => {
    if (++calls < 3) return sendError(ctx.res, 503, 'UNAVAILABLE');
    sseHead(ctx.res);
    ctx.res.write(sseBlock(node.blockEvent(1)));
  });
  t.same(await collect(client.events(CHANNEL, { from: 1, retryBaseMs: 5 }), 1), [1]);
  t.equal(calls, 3);

  node.on('GET', /\/events$/, ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await t.rejects(collect(client.events(CHANNEL, { from: 1 }), 1), { name: 'KonsortiumResponseError' }, 'not an event stream');
  t.notOk(KonsortiumApiError === undefined);
});

t.test('abort ends the iterator promptly and closes the connection', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const ac = new AbortController();
  const heights: number[] = [];
  let abortedAt = 0;
  await t.rejects(
    (async () => {
      for await (const ev of client.events(CHANNEL, { from: 7, signal: ac.signal })) {
        heights.push(ev.height);
        if (ev.height === 8) {
          // waiting for block 9, which never comes
          setTimeout(() => {
            abortedAt = Date.now();
            ac.abort();
          }, 20);
        }
      }
    })(),
    { name: 'AbortError' },
  );
  t.same(heights, [7, 8]);
  t.ok(Date.now() - abortedAt < 1000, 'promptly');
  await until(() => node.openStreams === 0);
  t.pass('the connection is closed');
});
