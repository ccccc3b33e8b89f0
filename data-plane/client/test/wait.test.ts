// waitForStatus: through the event stream, through polling when the stream is unavailable,
// the safety poll when the stream is silent, rejection, timeout and abort.
import t from 'tap';
import { toHex } from '@konsortium/protocol';
import { KonsortiumClient, KonsortiumTimeoutError, KonsortiumTxRejectedError, Signer, type TxStatus } from '../src/index.js';
import { buildChain, CHANNEL } from './helpers/chain.js';
import { FakeNode, sendError, sendJson, sseHead, until } from './helpers/fake-node.js';
import { fetchOption } from './helpers/fetch-under-test.js';

const chain = buildChain(6);
const committedTx = toHex(chain.blocks[5]!.txs[1]!.id); // block 5, index 1, OK
const rejectedTx = toHex(chain.blocks[2]!.txs[0]!.id); // block 2, index 0, INSUFFICIENT_FUNDS
const STATUS = /\/txs\/[0-9a-f]+$/;
const EVENTS = /\/events$/;

t.test('through the event stream: resolves when the block holding the tx arrives', async (t) => {
  const node = await FakeNode.start(chain, 3);
  t.teardown(() => node.close());
  node.statuses.set(committedTx, { txId: committedTx, status: 'ordered' });
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const started = Date.now();
  const waiting = client.waitForStatus(CHANNEL, committedTx, { timeoutMs: 5000 });
  await until(() => node.openStreams === 1);
  t.equal(node.requests.find((r) => EVENTS.test(r.path))!.query.get('from'), '4', 'listens after the head it read');
  node.advance(); // block 4: not ours
  await new Promise((r) => setTimeout(r, 50));
  node.statuses.delete(committedTx); // from now on the node reports it from the chain
  node.advance(); // block 5: ours
  const s = await waiting;
  t.same(s, { txId: committedTx, status: 'committed', height: 5, index: 1 });
  t.ok(Date.now() - started < 3000);
  t.equal(node.count('GET', STATUS), 2, 'one check before listening, one when the block came: no polling');
  await until(() => node.openStreams === 0);
  t.pass('the stream is closed once the wait is over');
});

t.test('a block committed between the head and the subscription is not missed', async (t) => {
  const node = await FakeNode.start(chain, 4);
  t.teardown(() => node.close());
  node.statuses.set(committedTx, { txId: committedTx, status: 'ordered' });
  node.on('GET', /\/head$/, ({ res }) => {
    sendJson(res, 200, { height: 4, hash: toHex(chain.blocks[4]!.block.hash), stateRoot: '00', timestamp: 1 });
    node.height = 5; // block 5 is made right after the head was read…
    node.statuses.delete(committedTx);
  });
  node.on('GET', STATUS, ({ res }) => sendJson(res, 200, { txId: committedTx, status: 'ordered' })); // …and the status lags
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const s = await client.waitForStatus(CHANNEL, committedTx, { timeoutMs: 3000 });
  t.same(s, { txId: committedTx, status: 'committed', height: 5 }, 'taken from the replayed block');
});

t.test('rejected: final returns it, committed throws KonsortiumTxRejectedError', async (t) => {
  const node = await FakeNode.start(chain, 1);
  t.teardown(() => node.close());
  node.statuses.set(rejectedTx, { txId: rejectedTx, status: 'ordered' });
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const final = client.waitForStatus(CHANNEL, rejectedTx, { timeoutMs: 5000 });
  const committed = client.waitForStatus(CHANNEL, rejectedTx, { until: 'committed', timeoutMs: 5000 }).catch((e: unknown) => e);
  await until(() => node.openStreams === 2);
  node.statuses.delete(rejectedTx);
  node.advance();
  t.same(await final, { txId: rejectedTx, status: 'rejected', code: 'INSUFFICIENT_FUNDS', message: 'execution failed', height: 2, index: 0 });
  const err = await committed;
  t.type(err, KonsortiumTxRejectedError);
  t.equal((err as KonsortiumTxRejectedError).txStatus.code, 'INSUFFICIENT_FUNDS');
  t.match((err as Error).message, /INSUFFICIENT_FUNDS/);
});

t.test('polling fallback when there is no event stream: received → ordered → committed', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  node.on('GET', EVENTS, ({ res }) => sendError(res, 404, 'NOT_FOUND', 'no events here'));
  const sequence: TxStatus[] = [
    { txId: committedTx, status: 'received' },
    { txId: committedTx, status: 'ordered' },
    { txId: committedTx, status: 'ordered' },
    { txId: committedTx, status: 'committed', height: 5, index: 0 },
  ];
  let polls = 0;
  node.on('GET', STATUS, ({ res }) => {
    if (polls === 0) {
      polls++;
      return sendError(res, 404, 'TX_NOT_FOUND', 'not yet'); // not known yet: keep waiting
    }
    sendJson(res, 200, sequence[Math.min(polls++ - 1, sequence.length - 1)]);
  });
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const s = await client.waitForStatus(CHANNEL, committedTx, { timeoutMs: 5000, pollIntervalMs: 10, maxPollIntervalMs: 40 });
  t.equal(s.status, 'committed');
  t.equal(polls, 5);
  t.equal(node.count('GET', EVENTS), 1, 'the stream was tried once');
});

t.test('until ordered only polls', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  let polls = 0;
  node.on('GET', STATUS, ({ res }) => sendJson(res, 200, { txId: committedTx, status: polls++ < 2 ? 'received' : 'ordered' }));
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  t.same(await client.waitForStatus(CHANNEL, committedTx, { until: 'ordered', pollIntervalMs: 10, timeoutMs: 3000 }), { txId: committedTx, status: 'ordered' });
  t.same(await client.waitForStatus(CHANNEL, committedTx, { until: 'received', timeoutMs: 3000 }), { txId: committedTx, status: 'ordered' }, 'past the target counts');
  t.equal(node.count('GET', EVENTS), 0);
  t.equal(node.count('GET', /\/head$/), 0);
});

t.test('a silent stream is backed by the safety poll', async (t) => {
  const node = await FakeNode.start(chain, 3);
  t.teardown(() => node.close());
  node.on('GET', EVENTS, ({ res }) => sseHead(res)); // accepts, then never sends anything
  node.statuses.set(committedTx, { txId: committedTx, status: 'ordered' });
  setTimeout(() => node.statuses.set(committedTx, { txId: committedTx, status: 'committed', height: 5, index: 0 }), 100);
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const s = await client.waitForStatus(CHANNEL, committedTx, { timeoutMs: 5000, streamPollIntervalMs: 150 });
  t.equal(s.status, 'committed');
});

t.test('timeout: KonsortiumTimeoutError naming the last status; nothing left open', async (t) => {
  const node = await FakeNode.start(chain, 3);
  t.teardown(() => node.close());
  node.statuses.set(committedTx, { txId: committedTx, status: 'ordered' });
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const started = Date.now();
  const err = await client.waitForStatus(CHANNEL, committedTx, { timeoutMs: 300 }).catch((e: unknown) => e);
  const elapsed = Date.now() - started;
  t.type(err, KonsortiumTimeoutError);
  t.match((err as Error).message, /within 300 ms \(last status "ordered"\)/);
  t.ok(elapsed >= 290 && elapsed < 2000, `${elapsed} ms`);
  await until(() => node.openStreams === 0);

  const unknown = 'ee'.repeat(32);
  const err2 = await client.waitForStatus(CHANNEL, unknown, { timeoutMs: 200, useEvents: false, pollIntervalMs: 20 }).catch((e: unknown) => e);
  t.match((err2 as Error).message, /never seen by the node; last error: unknown transaction/);
});

t.test('abort ends the wait with the signal reason', async (t) => {
  const node = await FakeNode.start(chain, 3);
  t.teardown(() => node.close());
  node.statuses.set(committedTx, { txId: committedTx, status: 'ordered' });
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 80);
  const started = Date.now();
  await t.rejects(client.waitForStatus(CHANNEL, committedTx, { signal: ac.signal }), { name: 'AbortError' });
  t.ok(Date.now() - started < 2000);
  await until(() => node.openStreams === 0);
});

t.test('an error that will not go away (401) ends the wait at once', async (t) => {
  const node = await FakeNode.start(chain);
  t.teardown(() => node.close());
  node.on('GET', STATUS, ({ res }) => sendError(res, 401, 'UNAUTHORIZED', 'token expired'));
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  await t.rejects(client.waitForStatus(CHANNEL, committedTx, { timeoutMs: 5000 }), { name: 'KonsortiumApiError', code: 'UNAUTHORIZED' });
});

t.test('submitAndWait', async (t) => {
  const node = await FakeNode.start(chain, 3);
  t.teardown(() => node.close());
  const client = new KonsortiumClient({ ...fetchOption(), baseUrl: node.url });
  const tx = Signer.generate().buildTx(CHANNEL, { contract: 'cfa', method: 'transfer', args: { n: 1 } });
  const id = toHex(tx.id);
  setTimeout(() => node.statuses.set(id, { txId: id, status: 'committed', height: 4, index: 0 }), 100);
  const s = await client.submitAndWait(tx, { timeoutMs: 5000, streamPollIntervalMs: 50 });
  t.same(s, { txId: id, status: 'committed', height: 4, index: 0 });
  t.equal(node.count('POST', /\/txs$/), 1);
});
