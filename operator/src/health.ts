/**
 * The operator's probe and metrics endpoint: /healthz (the process serves), /readyz (a standby
 * replica is ready; a leader once its caches are filled), /metrics (Prometheus text).
 */
import http from 'node:http';
import type { OperatorStats } from './operator.js';

export function metricsText(s: OperatorStats): string {
  const lines = [
    ['konsortium_operator_reconciles_total', 'counter', 'Reconciles run (both kinds).', s.reconciles],
    ['konsortium_operator_reconcile_failures_total', 'counter', 'Reconciles that failed and were requeued with backoff.', s.failures],
    ['konsortium_operator_api_requests_total', 'counter', 'Requests made to the Kubernetes API server.', s.apiRequests],
    ['konsortium_operator_queue_depth', 'gauge', 'Objects queued or being reconciled.', s.queueDepth],
    ['konsortium_operator_leader', 'gauge', '1 if this replica holds the lease.', s.leader ? 1 : 0],
  ] as const;
  const byKind = Object.entries(s.apiRequestsByKind)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `konsortium_operator_api_requests_by_kind_total{request="${k.replace(/["\\\n]/g, '_')}"} ${v}\n`)
    .join('');
  return (
    lines.map(([name, type, help, v]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${v}\n`).join('') +
    `# HELP konsortium_operator_api_requests_by_kind_total Requests to the API server by method and resource.\n# TYPE konsortium_operator_api_requests_by_kind_total counter\n${byKind}`
  );
}

export function startHealthServer(port: number, host: string, stats: () => OperatorStats): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const s = stats();
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (req.url === '/healthz') return send(200, 'ok\n');
    if (req.url === '/readyz') return !s.leader || s.synced ? send(200, 'ok\n') : send(503, 'caches not synced\n');
    if (req.url === '/metrics') return send(200, metricsText(s), 'text/plain; version=0.0.4; charset=utf-8');
    send(404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
