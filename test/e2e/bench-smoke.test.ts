/**
 * Correctness smoke test of the benchmark's load generator (test/bench/load.ts) against a real
 * 3-member etcd cluster: it completes requests, counts errors as errors, reports ordered
 * percentiles and keeps one connection per client. No timing thresholds.
 */
import t from 'tap';
import { EtcdCluster } from '../lib/etcd-cluster.js';
import { freePort } from '../lib/ports.js';
import { Histogram } from '../bench/histogram.js';
import { runLoad, type LoadResult, type LoadTarget } from '../bench/load.js';

interface Asserts {
  ok(v: unknown, msg: string): unknown;
  equal(a: unknown, b: unknown, msg: string): unknown;
}

function assertOrdered(t: Asserts, r: LoadResult): void {
  const l = r.latencyMs;
  t.ok(l.min > 0, `min ${l.min} > 0`);
  t.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, `ordered: ${JSON.stringify(l)}`);
  t.equal(r.histogram.count, r.ok, 'one latency per success');
}

t.test('histogram percentiles are within 1/128 of exact nearest-rank values', async (t) => {
  const h = new Histogram();
  const xs: number[] = [];
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20_000; i++) {
    const v = Math.round(Math.exp(rnd() * Math.log(5e7))); // 1 µs .. 50 s, log-uniform
    xs.push(v);
    h.record(v);
  }
  xs.sort((a, b) => a - b);
  for (const q of [0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1]) {
    const exact = xs[Math.max(0, Math.ceil(q * xs.length) - 1)]!;
    const got = h.quantile(q);
    t.ok(got >= exact && got <= exact * (1 + 1 / 128) + 1, `q=${q}: ${got} vs exact ${exact}`);
  }
  t.equal(h.min, xs[0]);
  t.equal(h.max, xs[xs.length - 1]);
  t.equal(new Histogram().quantile(0.5), 0, 'empty histogram');
});

t.test('load generator against a 3-member etcd cluster', async (t) => {
  const cluster = await EtcdCluster.start({ readyTimeoutMs: 30_000 });
  t.teardown(() => cluster.stop());
  const leader = await cluster.findLeader();
  const value = Buffer.from('v'.repeat(200)).toString('base64');
  const bodies = Array.from({ length: 100 }, (_, i) => Buffer.from(JSON.stringify({ key: Buffer.from(`smoke-${String(i).padStart(3, '0')}`).toString('base64'), value })));
  const put: LoadTarget = { origin: leader.clientUrl, path: () => '/v3/kv/put', body: (i) => bodies[i % bodies.length]! };

  for (const engine of ['raw', 'http'] as const) {
    t.test(`${engine} engine, time mode`, async (t) => {
      const before = await cluster.status(leader);
      const r = await runLoad(put, { clients: 8, seconds: 1.5, warmupSeconds: 0.3, engine });
      const after = await cluster.status(leader);
      t.ok(r.ok > 0, `ops ${r.ok} > 0 (${r.opsPerSec.toFixed(0)}/s)`);
      t.equal(r.errors, 0, `no errors ${JSON.stringify(r.errorKinds)}`);
      t.equal(r.elapsedSec, 1.5);
      t.equal(r.connections, 8, 'one keep-alive connection per client');
      assertOrdered(t, r);
      t.ok(after.revision - before.revision >= r.ok + r.warmup.ok, 'etcd applied at least every acknowledged put');
    });
  }

  t.test('ops mode issues exactly N measured requests', async (t) => {
    const r = await runLoad(put, { clients: 4, ops: 50 });
    t.equal(r.ok + r.errors, 50);
    t.equal(r.errors, 0);
    assertOrdered(t, r);
  });

  t.test('non-2xx answers are errors, not latencies', async (t) => {
    const bad: LoadTarget = { ...put, body: () => Buffer.from('"not an object"') };
    const r = await runLoad(bad, { clients: 2, ops: 10, errorBackoffMs: 1 });
    t.equal(r.ok, 0);
    t.equal(r.errors, 10);
    t.same(r.errorKinds, { 'HTTP 400': 10 });
    t.equal(r.histogram.count, 0);
    t.match(r.errorSamples[0], /^HTTP 400: \{"error"/);
  });
});

t.test('socket errors are counted and bounded', async (t) => {
  const port = await freePort(); // nothing listens there
  const r = await runLoad({ origin: `http://127.0.0.1:${port}`, path: () => '/', body: () => Buffer.alloc(0) }, { clients: 2, ops: 6, errorBackoffMs: 1 });
  t.equal(r.ok, 0);
  t.equal(r.errors, 6);
  t.same(r.errorKinds, { ECONNREFUSED: 6 });
});
