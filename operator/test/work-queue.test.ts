/**
 * WorkQueue: one serial lane per key, a concurrency limit across keys, FIFO order, collapsing of
 * repeated adds, capped exponential backoff on failure (timers injected, so no real waiting),
 * requeue after a delay, stop and idle.
 */
import t from 'tap';
import { type ReconcileResult, WorkQueue } from '../src/kube/work-queue.js';

/** Lets every pending promise continuation (and the queue's pump) run. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A reconcile function whose every call blocks until the test finishes it, and which records
 * the order of starts, how many runs of each key are in flight, and the largest such numbers.
 */
class Controlled {
  readonly starts: string[] = [];
  readonly calls: { key: string; d: Deferred<ReconcileResult> }[] = [];
  private readonly inFlight = new Map<string, number>();
  maxPerKey = 0;
  active = 0;
  maxActive = 0;

  readonly fn = async (key: string): Promise<ReconcileResult> => {
    this.starts.push(key);
    const n = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, n);
    this.maxPerKey = Math.max(this.maxPerKey, n);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const d = deferred<ReconcileResult>();
    this.calls.push({ key, d });
    try {
      return await d.promise;
    } finally {
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
      this.active--;
    }
  };

  /** Finishes the oldest unfinished run of `key`. */
  finish(key: string, result?: ReconcileResult | Error): void {
    const i = this.calls.findIndex((c) => c.key === key);
    if (i < 0) throw new Error(`no run of ${key} in flight`);
    const [c] = this.calls.splice(i, 1);
    if (result instanceof Error) c!.d.reject(result);
    else c!.d.resolve(result);
  }

  count(key: string): number {
    return this.starts.filter((k) => k === key).length;
  }
}

interface FakeTimer {
  readonly fn: () => void;
  readonly ms: number;
  cancelled: boolean;
  fired: boolean;
}
class FakeTimers {
  readonly all: FakeTimer[] = [];
  readonly setTimer = (fn: () => void, ms: number): { cancel(): void } => {
    const timer: FakeTimer = { fn, ms, cancelled: false, fired: false };
    this.all.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  };
  live(): FakeTimer[] {
    return this.all.filter((x) => !x.cancelled && !x.fired);
  }
  fire(timer: FakeTimer): void {
    if (timer.cancelled || timer.fired) throw new Error('firing a dead timer');
    timer.fired = true;
    timer.fn();
  }
}

t.test('one key never runs twice at once; adds during a run collapse into exactly one more run', async (t) => {
  const r = new Controlled();
  const q = new WorkQueue(r.fn, { concurrency: 4 });
  q.add('ns/a');
  await flush();
  t.equal(r.count('ns/a'), 1, 'first run started');
  for (let i = 0; i < 50; i++) q.add('ns/a');
  await flush();
  t.equal(r.count('ns/a'), 1, 'no second run while the first is in flight');
  r.finish('ns/a');
  await flush();
  t.equal(r.count('ns/a'), 2, 'the burst of 50 adds costs exactly one more run');
  for (let i = 0; i < 10; i++) q.add('ns/a');
  r.finish('ns/a');
  await flush();
  t.equal(r.count('ns/a'), 3, 'adds during the second run: one more');
  r.finish('ns/a');
  await q.idle();
  t.equal(r.count('ns/a'), 3, 'nothing more without new adds');
  t.equal(r.maxPerKey, 1, 'never two runs of one key in flight');
  t.equal(q.stats.reconciles, 3);
  t.equal(q.depth, 0);
});

t.test('adds of a key that is queued (not running) collapse too', async (t) => {
  const r = new Controlled();
  const q = new WorkQueue(r.fn, { concurrency: 1 });
  q.add('a');
  q.add('b');
  q.add('b');
  q.add('b');
  t.equal(q.depth, 2, 'a running, b queued once');
  r.finish('a');
  await flush();
  r.finish('b');
  await q.idle();
  t.same(r.starts, ['a', 'b']);
});

t.test('at most `concurrency` keys run at once, in FIFO order of their first add', async (t) => {
  const r = new Controlled();
  const q = new WorkQueue(r.fn, { concurrency: 2 });
  const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
  for (const k of keys) q.add(k);
  q.add('k4'); // already queued: keeps its place
  await flush();
  t.same(r.starts, ['k1', 'k2'], 'two start, the rest wait');
  t.equal(q.depth, 6);
  r.finish('k2');
  await flush();
  t.same(r.starts, ['k1', 'k2', 'k3']);
  r.finish('k1');
  r.finish('k3');
  await flush();
  t.same(r.starts, ['k1', 'k2', 'k3', 'k4', 'k5']);
  r.finish('k4');
  r.finish('k5');
  await flush();
  r.finish('k6');
  await q.idle();
  t.same(r.starts, keys, 'FIFO, each once');
  t.equal(r.maxActive, 2, 'the limit was reached and never exceeded');
});

t.test('a key added again while running goes to the back of the line', async (t) => {
  const r = new Controlled();
  const q = new WorkQueue(r.fn, { concurrency: 1 });
  q.add('a');
  q.add('b');
  q.add('a'); // dirty: runs again after b, which was queued first
  r.finish('a');
  await flush();
  r.finish('b');
  await flush();
  r.finish('a');
  await q.idle();
  t.same(r.starts, ['a', 'b', 'a']);
});

t.test('failures are retried with capped exponential backoff; success resets it', async (t) => {
  const timers = new FakeTimers();
  const errors: { key: string; retryInMs: number; err: unknown }[] = [];
  let fail = true;
  let runs = 0;
  const q = new WorkQueue(
    async () => {
      runs++;
      if (fail) throw new Error('boom');
    },
    { concurrency: 1, backoffCapMs: 3000, setTimer: timers.setTimer, onError: (key, err, retryInMs) => errors.push({ key, err, retryInMs }) },
  );
  const delays: number[] = [];
  q.add('k');
  for (let i = 0; i < 7; i++) {
    await q.idle();
    const live = timers.live();
    t.equal(live.length, 1, `one retry timer after failure ${i + 1}`);
    delays.push(live[0]!.ms);
    timers.fire(live[0]!);
  }
  t.same(delays, [200, 400, 800, 1600, 3000, 3000, 3000], 'doubling from 200 ms, capped at backoffCapMs');
  t.same(
    errors.map((e) => e.retryInMs),
    delays,
    'onError gets the same delays',
  );
  t.ok(errors.every((e) => e.key === 'k' && e.err instanceof Error && e.err.message === 'boom'), 'onError gets the key and the error');
  // The 8th run (started by the last fire) fails too; now let the next one succeed.
  await q.idle();
  fail = false;
  timers.fire(timers.live()[0]!);
  await q.idle();
  t.equal(timers.live().length, 0, 'no retry after success');
  const before = runs;
  fail = true;
  q.add('k');
  await q.idle();
  t.equal(runs, before + 1);
  t.same(
    timers.live().map((x) => x.ms),
    [200],
    'after a success the backoff starts over at 200 ms',
  );
  t.equal(q.stats.failures, 9);
  t.equal(q.stats.reconciles, 10);
  q.stop();
});

t.test('backoff is per key', async (t) => {
  const timers = new FakeTimers();
  const q = new WorkQueue(
    async (key) => {
      if (key === 'bad') throw new Error('no');
    },
    { concurrency: 2, backoffStartMs: 50, setTimer: timers.setTimer },
  );
  q.add('bad');
  await q.idle();
  timers.fire(timers.live()[0]!);
  await q.idle();
  t.same(
    timers.live().map((x) => x.ms),
    [100],
    'second failure of bad: 100',
  );
  q.add('good');
  await q.idle();
  t.same(
    timers.live().map((x) => x.ms),
    [100],
    'a good key sets no timer',
  );
  q.stop();
});

t.test('requeueAfterMs schedules one more run after that delay', async (t) => {
  const timers = new FakeTimers();
  let runs = 0;
  const q = new WorkQueue(
    async () => {
      runs++;
      return runs === 1 ? { requeueAfterMs: 5000 } : undefined;
    },
    { concurrency: 1, setTimer: timers.setTimer },
  );
  q.add('k');
  await q.idle();
  t.equal(runs, 1);
  const live = timers.live();
  t.same(
    live.map((x) => x.ms),
    [5000],
    'a timer of 5000 ms',
  );
  timers.fire(live[0]!);
  await q.idle();
  t.equal(runs, 2, 'the timer ran the key');
  t.equal(timers.live().length, 0, 'no further timer');
  t.equal(q.stats.failures, 0);
});

t.test('addAfter keeps the earliest timer of a key', async (t) => {
  const timers = new FakeTimers();
  const r = new Controlled();
  const q = new WorkQueue(r.fn, { concurrency: 1, setTimer: timers.setTimer });
  q.addAfter('k', 1000);
  q.addAfter('k', 5000);
  t.same(
    timers.all.map((x) => x.ms),
    [1000],
    'a later timer is not set',
  );
  q.addAfter('k', 100);
  t.same(
    timers.all.map((x) => [x.ms, x.cancelled]),
    [
      [1000, true],
      [100, false],
    ],
    'an earlier one replaces it (the old is cancelled)',
  );
  q.addAfter('other', 7000);
  t.equal(timers.live().length, 2, 'timers of different keys are separate');
  timers.fire(timers.live().find((x) => x.ms === 100)!);
  await flush();
  t.same(r.starts, ['k'], 'the timer runs the key once');
  r.finish('k');
  await q.idle();
  q.addAfter('k', 9000);
  t.equal(timers.live().filter((x) => x.ms === 9000).length, 1, 'after firing, a new timer can be set');
  q.stop();
});

t.test('stop() cancels timers, drops pending work and ignores new adds', async (t) => {
  const timers = new FakeTimers();
  const r = new Controlled();
  const q = new WorkQueue(r.fn, { concurrency: 1, setTimer: timers.setTimer });
  q.add('running');
  q.add('pending1');
  q.add('pending2');
  q.addAfter('later', 1000);
  await flush();
  q.add('running'); // dirty: would run again
  q.stop();
  t.ok(
    timers.all.every((x) => x.cancelled),
    'every timer cancelled',
  );
  q.add('new');
  q.addAfter('new', 10);
  t.equal(timers.all.length, 1, 'no timer set after stop');
  r.finish('running', new Error('fails after stop'));
  await q.idle();
  await flush();
  t.same(r.starts, ['running'], 'pending, dirty and new keys never ran');
  t.equal(timers.all.length, 1, 'no retry timer for a failure after stop');
  t.equal(q.depth, 0);
});

t.test('idle() resolves only once everything queued has run', async (t) => {
  const r = new Controlled();
  const q = new WorkQueue(r.fn, { concurrency: 2 });
  await q.idle(); // nothing queued: at once
  q.add('a');
  q.add('b');
  q.add('c');
  let idle = false;
  const p = q.idle().then(() => void (idle = true));
  await flush();
  r.finish('a');
  await flush();
  r.finish('b');
  await flush();
  t.notOk(idle, 'c still running');
  r.finish('c');
  await p;
  t.ok(idle);
  t.equal(q.depth, 0);
});

t.test('a reconcile that throws synchronously is treated as a failure', async (t) => {
  const timers = new FakeTimers();
  const q = new WorkQueue(
    ((): never => {
      throw new Error('sync');
    }) as unknown as (key: string) => Promise<ReconcileResult>,
    { concurrency: 1, setTimer: timers.setTimer },
  );
  q.add('k');
  await q.idle();
  t.equal(q.stats.failures, 1);
  t.same(
    timers.live().map((x) => x.ms),
    [200],
  );
  q.stop();
});

t.test('invalid concurrency throws', async (t) => {
  const fn = async (): Promise<void> => undefined;
  for (const c of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) t.throws(() => new WorkQueue(fn, { concurrency: c }), RangeError, `concurrency ${c}`);
  t.doesNotThrow(() => new WorkQueue(fn, { concurrency: 1 }));
});
