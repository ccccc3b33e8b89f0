/**
 * `konsortium-operator run`: flags
 *   --kubeconfig PATH        default $KUBECONFIG, else in-cluster (service account), else ~/.kube/config
 *   --namespace NS           watch only NS (repeatable); default all namespaces
 *   --leader-elect           hold a Lease before reconciling (run several replicas safely)
 *   --lease-name NAME        default konsortium-operator
 *   --lease-namespace NS     default $POD_NAMESPACE, else "default"
 *   --node-image IMAGE       ledger node image when neither node nor network names one
 *   --cluster-domain D       e.g. cluster.local: node addresses end in .svc.D (default: .svc)
 *   --concurrency N          objects reconciled at once (default 16)
 *   --health-port N          /healthz /readyz /metrics (default 8081; 0: none)
 *   --health-host H          default 0.0.0.0
 *   --log-level L            info (default), warn, error, silent
 * SIGTERM/SIGINT: stop reconciling, release the lease, exit 0.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { startHealthServer } from '../health.js';
import { startOperator } from '../operator.js';
import type { Logger } from '../reconcile/context.js';

const LEVELS = ['info', 'warn', 'error', 'silent'] as const;

export function jsonLogger(level: (typeof LEVELS)[number]): Logger {
  const rank = LEVELS.indexOf(level);
  const write = (lvl: number, name: string) => (obj: object, msg: string) => {
    if (lvl >= rank && level !== 'silent') process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: name, msg, ...obj })}\n`);
  };
  return { info: write(0, 'info'), warn: write(1, 'warn'), error: write(2, 'error') };
}

function positiveInt(v: string | undefined, name: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 65535) throw new TypeError(`option --${name} must be an integer ${min}..65535, got "${v}"`);
  return n;
}

export async function runOperator(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string', multiple: true },
      'leader-elect': { type: 'boolean' },
      'lease-name': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'node-image': { type: 'string' },
      'cluster-domain': { type: 'string' },
      concurrency: { type: 'string' },
      'health-port': { type: 'string' },
      'health-host': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const level = (values['log-level'] ?? 'info') as (typeof LEVELS)[number];
  if (!LEVELS.includes(level)) throw new TypeError(`option --log-level must be one of ${LEVELS.join('|')}`);
  const log = jsonLogger(level);
  const kc = new KubeConfig();
  const file = values.kubeconfig ?? process.env.KUBECONFIG;
  if (file !== undefined && file !== '') kc.loadFromFile(file);
  else kc.loadFromDefault();
  const healthPort = positiveInt(values['health-port'], 'health-port', 8081, 0);
  const identity = `${process.env.POD_NAME ?? hostname()}-${process.pid}`;

  const op = startOperator({
    kubeConfig: kc,
    namespaces: values.namespace,
    defaults: { nodeImage: values['node-image'], clusterDomain: values['cluster-domain'] },
    concurrency: positiveInt(values.concurrency, 'concurrency', 16),
    leaderElection: values['leader-elect']
      ? { namespace: values['lease-namespace'] ?? process.env.POD_NAMESPACE ?? 'default', name: values['lease-name'] ?? 'konsortium-operator', identity }
      : null,
    onLostLeadership: () => {
      log.error({}, 'lost the lease: exiting so that a restart begins clean');
      process.exit(1);
    },
    log,
  });
  const health = healthPort === 0 ? null : await startHealthServer(healthPort, values['health-host'] ?? '0.0.0.0', op.stats);
  log.info({ identity, healthPort, leaderElection: values['leader-elect'] ?? false }, 'operator started');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'stopping');
      void op
        .stop()
        .then(() => health?.close())
        .finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
