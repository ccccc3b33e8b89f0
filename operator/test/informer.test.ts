/**
 * Informer against a scripted fake of KubeRest: list pages (`request`) and watch streams
 * (`stream`), each watch call taking the next script. Deterministic: the backoff sleep is
 * injected and every wait is a bounded loop of event-loop turns, never a timer.
 */
import { getEventListeners } from 'node:events';
import t from 'tap';
import type { KubeObject } from '../src/api-types.js';
import { Informer, type InformerEvent } from '../src/kube/informer.js';
import { R } from '../src/kube/resources.js';
import { KubeApiError, type KubeRest, type RequestOptions } from '../src/kube/rest.js';

type Query = RequestOptions['query'];

interface ListPage {
  items: KubeObject[];
  metadata: { resourceVersion: string; continue?: string };
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

/** One watch call: events delivered in order, then the stream ends, fails or stays open. */
type WatchScript = { events?: WatchEvent[]; end: 'normal' | 'open' } | { events?: WatchEvent[]; end: 'fail'; error: unknown };

class FakeRest {
  readonly lists: { path: string; query: Query }[] = [];
  readonly watches: { path: string; query: Query }[] = [];
  /** Pages answered in order; an Error entry is thrown instead. */
  pages: (ListPage | Error | (() => Promise<ListPage>))[] = [];
  scripts: WatchScript[] = [];

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    if (method !== 'GET') throw new Error(`unexpected ${method} ${path}`);
    this.lists.push({ path, query: o.query });
    const next = this.pages.shift();
    if (next === undefined) throw new Error('test: no list page scripted');
    if (next instanceof Error) throw next;
    const page = typeof next === 'function' ? await next() : next;
    return structuredClone(page) as T;
  }

  async stream(path: string, query: Query, onEvent: (e: unknown) => void, signal: AbortSignal): Promise<void> {
    this.watches.push({ path, query });
    await Promise.resolve();
    const s: WatchScript = this.scripts.shift() ?? { end: 'open' };
    // Like KubeRest.stream: a throw from onEvent ends the stream with that error.
    for (const e of s.events ?? []) {
      if (signal.aborted) return;
      onEvent(structuredClone(e));
    }
    if (s.end === 'fail') throw s.error;
    if (s.end === 'open') {
      if (signal.aborted) return;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    }
  }
}

const obj = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'konsortium.dev/v1alpha1',
  kind: 'LedgerNode',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  ...extra,
});
const page = (rv: string, items: KubeObject[], cont?: string): ListPage => ({ items, metadata: { resourceVersion: rv, ...(cont !== undefined ? { continue: cont } : {}) } });
const econnreset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

function setup(o: { namespace?: string; labelSelector?: string } = {}) {
  const rest = new FakeRest();
  const sleeps: number[] = [];
  const errors: unknown[] = [];
  const informer = new Informer(rest as unknown as KubeRest, R.ledgerNode, {
    ...o,
    watchTimeoutSeconds: 60,
    onError: (e) => errors.push(e),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const events: [InformerEvent, string, string | undefined][] = [];
  informer.on((ev, x) => events.push([ev, x.metadata.name, x.metadata.resourceVersion]));
  return { rest, informer, sleeps, errors, events, names: () => informer.list().map((x) => x.metadata.name).sort() };
}

t.test('first list: pages through `continue`, fills the cache, emits upserts, then syncs', async (t) => {
  const { rest, informer, events, names } = setup({ namespace: 'ns', labelSelector: 'a=b' });
  let releaseSecond!: () => void;
  const second = new Promise<void>((resolve) => (releaseSecond = resolve));
  rest.pages = [page('10', [obj('a', '5'), obj('b', '6')], 'tok-1'), async () => (await second, page('11', [obj('c', '7')]))];
  let synced = false;
  const sync = informer.waitForSync().then(() => void (synced = true));
  informer.start();
  informer.start(); // idempotent
  await until('second page requested', () => rest.lists.length === 2);
  t.notOk(synced, 'not synced before the last page');
  t.notOk(informer.hasSynced);
  t.same(events, [], 'nothing emitted from a partial list');
  releaseSecond();
  await sync;
  t.ok(informer.hasSynced);
  t.equal(rest.lists[0]!.path, '/apis/konsortium.dev/v1alpha1/namespaces/ns/ledgernodes');
  t.match(rest.lists[0]!.query, { limit: 500, continue: undefined, labelSelector: 'a=b' }, 'first page: no continue token');
  t.match(rest.lists[1]!.query, { limit: 500, continue: 'tok-1', labelSelector: 'a=b' }, 'second page: the token of the first');
  t.same(names(), ['a', 'b', 'c']);
  t.same(events, [
    ['upsert', 'a', '5'],
    ['upsert', 'b', '6'],
    ['upsert', 'c', '7'],
  ]);
  t.equal(informer.get('ns', 'b')?.metadata.resourceVersion, '6');
  t.equal(informer.get('other', 'b'), undefined);
  t.equal(informer.lists, 1);
  await until('watch started', () => rest.watches.length === 1);
  t.match(rest.watches[0]!.query, { watch: 1, resourceVersion: '11', allowWatchBookmarks: true, timeoutSeconds: 60, labelSelector: 'a=b' }, 'the watch starts at the list version');
  await informer.stop();
  await informer.waitForSync(); // after sync: at once
});

t.test('watch events update the cache and are emitted; a normal end resumes without relisting', async (t) => {
  const { rest, informer, events, names, sleeps } = setup();
  rest.pages = [page('10', [obj('a', '1'), obj('b', '2')])];
  rest.scripts = [
    {
      events: [
        { type: 'ADDED', object: obj('c', '11') },
        { type: 'MODIFIED', object: obj('a', '12', { spec: { x: 1 } }) },
        { type: 'DELETED', object: obj('b', '13') },
      ],
      end: 'normal',
    },
  ];
  informer.start();
  await until('second watch', () => rest.watches.length === 2);
  t.equal(rest.watches[0]!.path, '/apis/konsortium.dev/v1alpha1/ledgernodes', 'all namespaces without a namespace option');
  t.same(names(), ['a', 'c']);
  t.same(informer.get('ns', 'a')?.spec, { x: 1 }, 'MODIFIED replaced the cached object');
  t.same(events.slice(2), [
    ['upsert', 'c', '11'],
    ['upsert', 'a', '12'],
    ['delete', 'b', '13'],
  ]);
  t.equal(rest.watches[1]!.query?.resourceVersion, '13', 'resumes from the last version seen');
  t.equal(rest.lists.length, 1, 'no relist');
  t.equal(informer.lists, 1);
  t.same(sleeps, [], 'no backoff after a normal end');
  await informer.stop();
});

t.test('BOOKMARK moves the resume version without emitting', async (t) => {
  const { rest, informer, events } = setup();
  rest.pages = [page('10', [obj('a', '1')])];
  rest.scripts = [{ events: [{ type: 'BOOKMARK', object: { kind: 'LedgerNode', metadata: { resourceVersion: '20' } } }], end: 'normal' }];
  informer.start();
  await until('second watch', () => rest.watches.length === 2);
  t.same(events, [['upsert', 'a', '1']], 'only the list upsert');
  t.equal(rest.watches[1]!.query?.resourceVersion, '20');
  t.equal(informer.list().length, 1, 'the bookmark object is not cached');
  t.equal(rest.lists.length, 1);
  await informer.stop();
});

for (const how of ['thrown 410 from stream', 'watch ERROR event with code 410'] as const) {
  t.test(`410 Gone (${how}): lists again and reports objects missing from the new list as deleted`, async (t) => {
    const { rest, informer, events, names, sleeps, errors } = setup();
    rest.pages = [page('10', [obj('a', '1'), obj('b', '2'), obj('c', '3')]), page('50', [obj('a', '40'), obj('d', '41')])];
    const gone: WatchScript =
      how === 'thrown 410 from stream'
        ? { events: [{ type: 'MODIFIED', object: obj('c', '15') }], end: 'fail', error: new KubeApiError(410, 'Expired', 'too old resource version') }
        : {
            events: [
              { type: 'MODIFIED', object: obj('c', '15') },
              { type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version: 15 (30)' } },
              { type: 'ADDED', object: obj('zzz', '16') }, // never delivered: the error ends the stream
            ],
            end: 'normal',
          };
    rest.scripts = [gone];
    informer.start();
    await until('watch after relist', () => rest.watches.length === 2);
    t.equal(rest.lists.length, 2, 'listed again');
    t.equal(informer.lists, 2);
    t.equal(rest.lists[1]!.query?.continue, undefined, 'a fresh list');
    t.same(names(), ['a', 'd'], 'the cache is the new list');
    const after = events.slice(4); // 3 list upserts + the MODIFIED
    t.same(events[3], ['upsert', 'c', '15']);
    t.same(
      after.filter((e) => e[0] === 'delete').map((e) => e[1]).sort(),
      ['b', 'c'],
      'b and c were deleted while we were not watching: both reported',
    );
    t.same(
      after.filter((e) => e[0] === 'upsert').map((e) => `${e[1]}@${e[2]}`).sort(),
      ['a@40', 'd@41'],
      'every object of the new list is upserted',
    );
    t.equal(rest.watches[1]!.query?.resourceVersion, '50', 'watch from the new list version');
    t.same(sleeps, [], 'no backoff for 410');
    t.same(errors, [], 'a 410 is not reported as an error');
    t.equal(informer.get('ns', 'zzz'), undefined);
    await informer.stop();
  });
}

t.test('other failures are retried after a backoff that doubles up to 30 s and resets after a good watch', async (t) => {
  const { rest, informer, sleeps, errors, events } = setup();
  rest.pages = [page('10', [obj('a', '1')])];
  const fail: WatchScript = { end: 'fail', error: econnreset() };
  rest.scripts = [
    ...Array.from({ length: 8 }, () => fail),
    { events: [{ type: 'MODIFIED', object: obj('a', '12') }], end: 'normal' },
    fail,
    { end: 'fail', error: new KubeApiError(500, 'InternalError', 'etcd leader changed') },
    { events: [{ type: 'ERROR', object: { kind: 'Status', code: 500, message: 'internal' } }], end: 'normal' },
  ];
  informer.start();
  await until('all scripts used', () => rest.watches.length === 13);
  t.same(sleeps, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 500, 1000, 2000], 'doubling, capped, reset after a watch that ended normally');
  t.equal(errors.length, 11, 'each failure reported');
  t.match(errors[0], { code: 'ECONNRESET' });
  t.match(errors[10], { status: 500 });
  t.equal(rest.lists.length, 1, 'no relist for a connection failure');
  t.same(
    rest.watches.map((w) => w.query?.resourceVersion),
    ['10', '10', '10', '10', '10', '10', '10', '10', '10', '12', '12', '12', '12'],
    'every retry resumes from the last version',
  );
  t.same(events, [
    ['upsert', 'a', '1'],
    ['upsert', 'a', '12'],
  ]);
  await informer.stop();
});

t.test('a failed first list is retried with backoff; waitForSync waits for the good one', async (t) => {
  const { rest, informer, sleeps, errors } = setup();
  rest.pages = [econnreset(), new KubeApiError(503, 'ServiceUnavailable', 'starting'), page('7', [obj('a', '1')])];
  let synced = false;
  const sync = informer.waitForSync().then(() => void (synced = true));
  informer.start();
  await sync;
  t.ok(synced);
  t.equal(rest.lists.length, 3);
  t.same(sleeps, [500, 1000]);
  t.equal(errors.length, 2);
  t.equal(informer.lists, 1, 'only complete lists count');
  await informer.stop();
});

t.test('stop() ends an open watch and the loop', async (t) => {
  const { rest, informer } = setup();
  rest.pages = [page('10', [])];
  informer.start();
  await until('watching', () => rest.watches.length === 1);
  await informer.stop();
  const n = rest.watches.length;
  await until('a few turns', () => true);
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  t.equal(rest.watches.length, n, 'no watch after stop');
  t.equal(rest.lists.length, 1);
});

t.test('stop() during backoff ends the loop (default sleep)', async (t) => {
  const rest = new FakeRest();
  rest.pages = [page('1', [])];
  rest.scripts = [{ end: 'fail', error: econnreset() }];
  const informer = new Informer(rest as unknown as KubeRest, R.ledgerNode, { watchTimeoutSeconds: 60 });
  informer.start();
  await until('first watch failed', () => rest.watches.length === 1);
  const started = Date.now();
  await informer.stop(); // the 500 ms sleep is cut short
  t.ok(Date.now() - started < 400, 'stop did not wait for the backoff');
  t.equal(rest.watches.length, 1);
});

t.test('the default backoff sleep leaves no abort listener behind once it has elapsed', async (t) => {
  // Real timers, shortened: the informer's own backoff delays (500 ms .. 30 s) become 0 ms.
  const realSetTimeout = globalThis.setTimeout;
  const shortened = ((fn: () => void, ms?: number) => realSetTimeout(fn, ms !== undefined && ms >= 500 && ms <= 30_000 ? 0 : ms)) as unknown as typeof setTimeout;
  globalThis.setTimeout = shortened;
  const rest = new FakeRest();
  rest.pages = [page('1', [])];
  rest.scripts = Array.from({ length: 12 }, (): WatchScript => ({ end: 'fail', error: econnreset() }));
  const informer = new Informer(rest as unknown as KubeRest, R.ledgerNode, { watchTimeoutSeconds: 60, onError: () => undefined });
  try {
    informer.start();
    for (let i = 0; i < 2000 && rest.watches.length < 13; i++) await new Promise<void>((resolve) => realSetTimeout(resolve, 1));
    t.equal(rest.watches.length, 13, '12 failed watches, each after a (shortened) backoff sleep');
    const signal = (informer as unknown as { abort: AbortController }).abort.signal;
    // The one open watch (the fake stream) listens; every finished sleep must have removed its listener.
    t.ok(
      getEventListeners(signal, 'abort').length <= 1,
      `abort listeners after 12 elapsed sleeps: ${getEventListeners(signal, 'abort').length} (each Informer.sleep adds one and never removes it when the timer fires; Node warns "Possible EventTarget memory leak" after 10)`,
    );
  } finally {
    globalThis.setTimeout = realSetTimeout;
    await informer.stop();
  }
});
