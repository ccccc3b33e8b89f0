/**
 * LeaderElector against a fake Lease API with the API server's optimistic concurrency (a write
 * with a stale resourceVersion gets 409, a missing lease 404, creating an existing one 409).
 * Small periods (retry 20 ms) and bounded waits; the fake answers within microtasks, so a tick
 * never straddles test code unless a test holds requests on purpose.
 */
import t from 'tap';
import { LeaderElector } from '../src/kube/leader-election.js';
import { KubeApiError, type KubeRest, type RequestOptions } from '../src/kube/rest.js';

const NS = 'konsortium-system';
const NAME = 'konsortium-operator';
const COLLECTION = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const ITEM = `${COLLECTION}/${NAME}`;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

interface Held {
  readonly method: string;
  readonly body: Lease | undefined;
  release(): void;
}

class FakeLeaseApi {
  lease: Lease | null = null;
  private rv = 0;
  /** Every request with its outcome. */
  readonly log: { method: string; holder?: string; status: number; at: number; durationSeconds?: number }[] = [];
  /** When set, every request fails with it. */
  failWith: Error | null = null;
  /** When true, requests wait in `held` until released one by one. */
  hold = false;
  readonly held: Held[] = [];

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const body = o.body as Lease | undefined;
    if (this.hold) await new Promise<void>((resolve) => this.held.push({ method, body, release: resolve }));
    else await Promise.resolve();
    try {
      const out = this.handle(method, path, body);
      this.log.push({ method, holder: body?.spec.holderIdentity, status: 200, at: Date.now(), durationSeconds: body?.spec.leaseDurationSeconds });
      return structuredClone(out) as T;
    } catch (err) {
      this.log.push({ method, holder: body?.spec.holderIdentity, status: err instanceof KubeApiError ? err.status : 0, at: Date.now() });
      throw err;
    }
  }

  /** Writes the lease behind the electors' backs (a new resourceVersion). */
  set(spec: LeaseSpec): void {
    this.lease = { metadata: { name: NAME, namespace: NS, resourceVersion: String(++this.rv) }, spec };
  }

  writes(holder: string): number {
    return this.log.filter((l) => (l.method === 'PUT' || l.method === 'POST') && l.status === 200 && l.holder === holder).length;
  }

  private handle(method: string, path: string, body: Lease | undefined): Lease {
    if (this.failWith !== null) throw this.failWith;
    if (method === 'GET' && path === ITEM) {
      if (this.lease === null) throw new KubeApiError(404, 'NotFound', `leases "${NAME}" not found`);
      return this.lease;
    }
    if (method === 'POST' && path === COLLECTION) {
      if (body?.metadata.name !== NAME || body.metadata.namespace !== NS) throw new KubeApiError(422, 'Invalid', 'bad metadata');
      if (this.lease !== null) throw new KubeApiError(409, 'AlreadyExists', `leases "${NAME}" already exists`);
      this.lease = { ...structuredClone(body), metadata: { name: NAME, namespace: NS, resourceVersion: String(++this.rv) } };
      return this.lease;
    }
    if (method === 'PUT' && path === ITEM) {
      if (this.lease === null) throw new KubeApiError(404, 'NotFound', `leases "${NAME}" not found`);
      const rv = body?.metadata.resourceVersion;
      // Leases do not allow unconditional updates: the version must be given, and current.
      if (rv === undefined || rv === '') throw new KubeApiError(422, 'Invalid', 'metadata.resourceVersion: must be specified for an update');
      if (rv !== this.lease.metadata.resourceVersion) throw new KubeApiError(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
      this.lease = { ...structuredClone(body!), metadata: { name: NAME, namespace: NS, resourceVersion: String(++this.rv) } };
      return this.lease;
    }
    throw new KubeApiError(405, 'MethodNotAllowed', `${method} ${path}`);
  }
}

const RETRY = 20;

function elector(api: FakeLeaseApi, identity: string, over: Partial<{ leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }> = {}) {
  const events: string[] = [];
  const errors: unknown[] = [];
  const e = new LeaderElector(api as unknown as KubeRest, {
    namespace: NS,
    name: NAME,
    identity,
    leaseDurationMs: 100,
    renewDeadlineMs: 60,
    retryPeriodMs: RETRY,
    ...over,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
    onError: (err) => errors.push(err),
  });
  return { e, events, errors, identity };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(2);
  }
}

t.test('two candidates: exactly one leads, and it renews', async (t) => {
  const api = new FakeLeaseApi();
  const a = elector(api, 'op-a');
  const b = elector(api, 'op-b');
  t.teardown(async () => {
    await a.e.stop();
    await b.e.stop();
  });
  a.e.start();
  b.e.start();
  await until('a leader', () => a.e.isLeader || b.e.isLeader);
  t.equal(api.log.filter((l) => l.method === 'POST').length, 2, 'both tried to create the lease');
  t.equal(api.log.filter((l) => l.method === 'POST' && l.status === 409).length, 1, 'one lost the race with 409');
  const [leader, other] = a.e.isLeader ? [a, b] : [b, a];
  t.equal(api.lease?.spec.holderIdentity, leader.identity);
  const firstRenew = api.lease!.spec.renewTime!;
  const acquired = api.lease!.spec.acquireTime!;
  t.match(firstRenew, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime format');
  t.equal(api.lease?.spec.leaseDurationSeconds, 1, 'ceil(100 ms) = 1 s');
  t.equal(api.lease?.spec.leaseTransitions, 0);

  const writesBefore = api.writes(leader.identity);
  await sleep(RETRY * 6);
  t.ok(leader.e.isLeader, 'still leading');
  t.notOk(other.e.isLeader, 'the other never leads');
  t.same(leader.events, ['started'], 'started once, never stopped');
  t.same(other.events, [], 'the other got no callback');
  t.ok(api.writes(leader.identity) >= writesBefore + 3, `the holder renewed (${api.writes(leader.identity) - writesBefore} renewals in ${RETRY * 6} ms)`);
  t.equal(api.writes(other.identity), 0, 'the other never wrote the lease');
  t.ok(Date.parse(api.lease!.spec.renewTime!) > Date.parse(firstRenew), 'renewTime moves');
  t.equal(api.lease?.spec.acquireTime, acquired, 'acquireTime stays while the same holder renews');
  t.equal(api.lease?.spec.leaseTransitions, 0, 'no transitions while one holder renews');
  t.same(leader.errors, [], 'no errors on the leader');
  t.same(other.errors, [], 'a lost race is not an error');
});

t.test('a stopping leader releases the lease and the other takes over on its next tick', async (t) => {
  const api = new FakeLeaseApi();
  const a = elector(api, 'op-a');
  const b = elector(api, 'op-b');
  t.teardown(async () => {
    await a.e.stop();
    await b.e.stop();
  });
  a.e.start();
  await until('a leads', () => a.e.isLeader);
  b.e.start();
  await sleep(RETRY * 3);
  t.notOk(b.e.isLeader, 'b waits while a holds a fresh lease');

  const stoppedAt = Date.now();
  await a.e.stop();
  t.notOk(a.e.isLeader);
  const release = api.log.findLast((l) => l.method === 'PUT' && l.status === 200 && l.holder === '');
  t.ok(release, 'a wrote holderIdentity ""');
  t.equal(release?.durationSeconds, 1);
  t.same(a.errors, [], 'release without error');
  await until('b leads', () => b.e.isLeader, 900);
  t.ok(Date.now() - stoppedAt < 500, `b took over in ${Date.now() - stoppedAt} ms, long before the 1 s lease would expire`);
  t.equal(api.lease?.spec.holderIdentity, 'op-b');
  t.equal(api.lease?.spec.leaseTransitions, 1, 'one transition');
  t.same(b.events, ['started']);
  t.same(a.events, ['started'], 'stop() is not a lost lease: no onStoppedLeading');
  const aWrites = api.writes('op-a');
  await sleep(RETRY * 3);
  t.equal(api.writes('op-a'), aWrites, 'a stopped elector writes no more');
});

t.test('an expired lease is taken over; a fresh one is not', async (t) => {
  const api = new FakeLeaseApi();
  const old = new Date(Date.now() - 10_000).toISOString().replace('Z', '000Z');
  api.set({ holderIdentity: 'ghost', leaseDurationSeconds: 30, acquireTime: old, renewTime: new Date(Date.now()).toISOString().replace('Z', '000Z'), leaseTransitions: 4 });
  const c = elector(api, 'op-c');
  t.teardown(() => c.e.stop());
  c.e.start();
  await sleep(RETRY * 5);
  t.notOk(c.e.isLeader, 'a fresh lease of another holder is respected');
  t.equal(api.lease?.spec.holderIdentity, 'ghost');
  t.equal(api.writes('op-c'), 0);
  t.ok(api.log.filter((l) => l.method === 'GET').length >= 3, 'c kept checking');

  api.set({ holderIdentity: 'ghost', leaseDurationSeconds: 1, acquireTime: old, renewTime: old, leaseTransitions: 4 });
  const before = Date.now();
  await until('c leads', () => c.e.isLeader, 1000);
  t.equal(api.lease?.spec.holderIdentity, 'op-c');
  t.equal(api.lease?.spec.leaseTransitions, 5, 'leaseTransitions incremented');
  t.ok(Date.parse(api.lease!.spec.acquireTime!) >= before - 1, 'a new acquireTime');
  t.same(c.events, ['started']);
});

t.test('a leader that finds the lease taken steps down', async (t) => {
  const api = new FakeLeaseApi();
  const a = elector(api, 'op-a');
  t.teardown(() => a.e.stop());
  a.e.start();
  await until('a leads', () => a.e.isLeader);
  api.set({ holderIdentity: 'intruder', leaseDurationSeconds: 30, renewTime: new Date().toISOString().replace('Z', '000Z'), leaseTransitions: 9 });
  await until('a steps down', () => !a.e.isLeader, 500);
  t.same(a.events, ['started', 'stopped']);
  t.equal(api.lease?.spec.holderIdentity, 'intruder', 'a did not overwrite a fresh lease');
});

t.test('a leader that cannot renew within renewDeadline steps down', async (t) => {
  const api = new FakeLeaseApi();
  const a = elector(api, 'op-a');
  t.teardown(() => a.e.stop());
  a.e.start();
  await until('a leads', () => a.e.isLeader);
  api.failWith = new KubeApiError(500, 'InternalError', 'etcd unavailable');
  const lastRenew = api.log.findLast((l) => l.method === 'PUT' && l.status === 200)?.at ?? api.log.find((l) => l.method === 'POST')!.at;
  await until('a steps down', () => !a.e.isLeader, 1000);
  const steppedAfter = Date.now() - lastRenew;
  t.ok(steppedAfter >= 60, `stepped down ${steppedAfter} ms after the last renewal, not before the 60 ms deadline`);
  t.same(a.events, ['started', 'stopped']);
  t.ok(a.errors.length >= 2, 'failures reported');
  api.failWith = null;
  await until('a leads again', () => a.e.isLeader, 1000);
  t.same(a.events, ['started', 'stopped', 'started'], 'it may lead again once the API answers (its own lease)');
});

t.test('a lease write without resourceVersion would be refused: every update carries one', async (t) => {
  const api = new FakeLeaseApi();
  const a = elector(api, 'op-a');
  t.teardown(() => a.e.stop());
  a.e.start();
  await until('a leads', () => a.e.isLeader);
  await sleep(RETRY * 3);
  t.equal(api.log.filter((l) => l.status === 422).length, 0, 'no invalid writes');
  t.ok(api.log.filter((l) => l.method === 'PUT' && l.status === 200).length >= 1);
});

t.test('stop() leaves the lease free even when a renewal is in flight', async (t) => {
  // The next tick's GET is held at the server when stop() is called: stop() must wait for that
  // renewal to finish, then release — never race it (a 409 would leave the lease held, and a
  // renewal landing after the release would take it back).
  const api = new FakeLeaseApi();
  const a = elector(api, 'op-a');
  a.e.start();
  await until('a leads', () => a.e.isLeader);
  api.hold = true;
  await until('the next tick’s GET is in flight', () => api.held.length === 1, 1000);
  let stopped = false;
  const stopping = a.e.stop().then(() => {
    stopped = true;
  });
  await sleep(5);
  t.equal(api.held.length, 1, 'stop() sends nothing while the renewal is in flight');
  // Let the server answer everything, in order, until stop() is done.
  let answered = 0;
  while (!stopped) {
    if (api.held.length > answered) api.held[answered++]!.release();
    await sleep(1);
  }
  await stopping;
  api.hold = false;
  const writesAtStop = api.writes('op-a');
  await sleep(RETRY * 3);
  t.notOk(a.e.isLeader);
  t.equal(api.lease?.spec.holderIdentity, '', 'after stop() the lease is free (a successor need not wait for it to expire)');
  t.same(
    a.errors.map((e) => (e instanceof KubeApiError ? e.status : String(e))),
    [],
    'stop() reports no error (the release did not lose to its own renewal with 409)',
  );
  t.equal(api.writes('op-a'), writesAtStop, 'no write by op-a after stop()');
  t.same(a.events, ['started'], 'a clean stop is not reported as lost leadership');
});

t.test('the constructor refuses inconsistent periods', async (t) => {
  const api = new FakeLeaseApi() as unknown as KubeRest;
  const base = { namespace: NS, name: NAME, identity: 'x', onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
  t.throws(() => new LeaderElector(api, { ...base, leaseDurationMs: 100, renewDeadlineMs: 100, retryPeriodMs: 20 }), RangeError, 'leaseDuration == renewDeadline');
  t.throws(() => new LeaderElector(api, { ...base, leaseDurationMs: 50, renewDeadlineMs: 100, retryPeriodMs: 20 }), RangeError, 'leaseDuration < renewDeadline');
  t.throws(() => new LeaderElector(api, { ...base, leaseDurationMs: 100, renewDeadlineMs: 20, retryPeriodMs: 20 }), RangeError, 'renewDeadline == retryPeriod');
  t.throws(() => new LeaderElector(api, { ...base, renewDeadlineMs: 20_000 }), RangeError, 'a renewDeadline above the default lease duration');
  t.doesNotThrow(() => new LeaderElector(api, base), 'the defaults (15 s, 10 s, 2 s) are consistent');
  t.doesNotThrow(() => new LeaderElector(api, { ...base, leaseDurationMs: 100, renewDeadlineMs: 60, retryPeriodMs: 20 }));
});
