/** The probe and metrics endpoint: metrics text, /healthz, /readyz (leader vs standby), /metrics, 404. */
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { metricsText, startHealthServer } from '../src/health.js';
import type { OperatorStats } from '../src/operator.js';

const STATS: OperatorStats = { reconciles: 42, failures: 3, apiRequests: 1234, apiRequestsByKind: { 'PATCH statefulsets': 7 }, queueDepth: 5, leader: true, synced: true };

const METRICS = [
  ['konsortium_operator_reconciles_total', 'counter', '42'],
  ['konsortium_operator_reconcile_failures_total', 'counter', '3'],
  ['konsortium_operator_api_requests_total', 'counter', '1234'],
  ['konsortium_operator_queue_depth', 'gauge', '5'],
  ['konsortium_operator_leader', 'gauge', '1'],
] as const;

t.test('requests by kind are a labelled counter', async (t) => {
  t.match(metricsText(STATS), /\nkonsortium_operator_api_requests_by_kind_total\{request="PATCH statefulsets"\} 7\n/);
});

t.test('metricsText: each metric with HELP, TYPE and its value', async (t) => {
  const text = metricsText(STATS);
  const lines = text.split('\n');
  t.equal(lines.at(-1), '', 'ends with a newline');
  for (const [name, type, value] of METRICS) {
    const help = lines.findIndex((l) => l.startsWith(`# HELP ${name} `));
    t.ok(help >= 0, `${name} has HELP`);
    t.ok(lines[help]!.length > `# HELP ${name} `.length, `${name}: HELP has text`);
    t.equal(lines[help + 1], `# TYPE ${name} ${type}`, `${name} is a ${type}`);
    t.equal(lines[help + 2], `${name} ${value}`, `${name} = ${value}`);
  }
  t.equal(lines.filter((l) => l !== '' && !l.startsWith('#')).length, METRICS.length + 1, 'no other samples (one labelled by kind)');
  t.match(metricsText({ ...STATS, leader: false }), /^konsortium_operator_leader 0$/m, 'standby: leader 0');
  for (const l of lines.filter((x) => x !== '' && !x.startsWith('#'))) t.match(l, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"\\\n]*"\})? -?[0-9.e+]+$/, `valid sample line: ${l}`);
});

t.test('the health server', async (t) => {
  let stats: OperatorStats = { ...STATS, leader: true, synced: false };
  const server = await startHealthServer(0, '127.0.0.1', () => stats);
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const addr = server.address() as AddressInfo;
  t.equal(addr.address, '127.0.0.1', 'listens on loopback as asked');
  t.ok(addr.port > 0);
  const get = async (path: string): Promise<{ status: number; body: string; type: string | null }> => {
    const res = await fetch(`http://127.0.0.1:${addr.port}${path}`);
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };

  t.equal((await get('/healthz')).status, 200);
  const notSynced = await get('/readyz');
  t.equal(notSynced.status, 503, 'a leader with unfilled caches is not ready');
  t.match(notSynced.body, /not synced/);
  stats = { ...stats, synced: true };
  t.equal((await get('/readyz')).status, 200, 'a synced leader is ready');
  stats = { ...stats, leader: false, synced: false };
  t.equal((await get('/readyz')).status, 200, 'a standby is ready');
  t.equal((await get('/healthz')).status, 200);

  stats = { ...STATS };
  const m = await get('/metrics');
  t.equal(m.status, 200);
  t.match(m.type, /^text\/plain; version=0\.0\.4/);
  t.equal(m.body, metricsText(STATS), 'the metrics text of the current stats');
  stats = { ...STATS, reconciles: 43 };
  t.match((await get('/metrics')).body, /^konsortium_operator_reconciles_total 43$/m, 'read on every request');

  for (const p of ['/', '/nope', '/metricsx', '/healthz/x']) t.equal((await get(p)).status, 404, `${p}: 404`);
});

t.test('a port in use is an error', async (t) => {
  const a = await startHealthServer(0, '127.0.0.1', () => STATS);
  const port = (a.address() as AddressInfo).port;
  await t.rejects(startHealthServer(port, '127.0.0.1', () => STATS), { code: 'EADDRINUSE' });
  await new Promise<void>((resolve) => a.close(() => resolve()));
});
