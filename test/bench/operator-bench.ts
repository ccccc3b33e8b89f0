/**
 * Operator benchmark: how long until N LedgerNodes (spread over networks of 5) are Ready, and
 * how many reconciles a second the operator runs meanwhile, against the real control plane of
 * scripts/k8s (etcd, kube-apiserver, kube-controller-manager, kube-scheduler; kwok makes the
 * pods Ready without containers). The networks do not manage Raft membership: no ledger
 * processes run, so "Ready" means every object made and the node's pod Ready on its revision.
 *
 *   npm run bench:operator -- [--nodes 500] [--concurrency 16] [--create-concurrency 32] [--no-peer] [--json]
 *
 * The peer, in the same run and the same fresh cluster: the same N StatefulSets (the operator's
 * own pod template and volume claim) and headless Services created directly, without the
 * operator — the floor that the API server, the StatefulSet controller, the scheduler and kwok
 * set on this machine. The operator's figure includes everything it adds on top: finalizers,
 * generated keys, ConfigMaps, Services, PDBs, NetworkPolicies and status writes.
 *
 * With --json the last line of stdout is
 * {"nodes","seconds_to_ready","reconciles_per_s","peer_seconds_to_ready","api_requests"}.
 */
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { buildStatefulSet, Informer, KubeRest, type LedgerNode, pathOf, R, resolveNodeSettings, startOperator } from '@konsortium/operator';

// test/dist/bench/ → the repository root.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const GOAL_NODES = 500;
const GOAL_SECONDS = 60;
const NODES_PER_NETWORK = 5;
const TIMEOUT_MS = 600_000;
const log = (msg: string): void => void process.stderr.write(`[bench:operator] ${msg}\n`);
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: String(GOAL_NODES) },
    concurrency: { type: 'string', default: '16' },
    'create-concurrency': { type: 'string', default: '32' },
    'no-peer': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});
const N = Number(values.nodes);
const CONC = Number(values.concurrency);
const CREATE_CONC = Number(values['create-concurrency']);
for (const [k, v] of [['nodes', N], ['concurrency', CONC], ['create-concurrency', CREATE_CONC]] as const) {
  if (!Number.isInteger(v) || v < 1 || v > 10_000) {
    process.stderr.write(`--${k} must be an integer 1..10000\n`);
    process.exit(2);
  }
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Polls (bounded) until `count()` reaches `want`; returns the seconds since `t0`. */
async function until(what: string, t0: number, want: number, count: () => number): Promise<number> {
  let last = -1;
  for (;;) {
    const n = count();
    if (n !== last) {
      last = n;
      log(`${what}: ${n}/${want} Ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (n >= want) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`${what}: only ${n}/${want} Ready after ${TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const nodeOf = (ns: string, i: number): LedgerNode => {
  const net = `net${Math.floor(i / NODES_PER_NETWORK)}`;
  return {
    apiVersion: 'konsortium.dev/v1alpha1',
    kind: 'LedgerNode',
    metadata: { name: `${net}-node-${(i % NODES_PER_NETWORK) + 1}`, namespace: ns, uid: '00000000-0000-0000-0000-000000000000' },
    spec: { network: net, nodeId: (i % NODES_PER_NETWORK) + 1, kind: 'shared', role: 'voter', channels: { configMapRef: { name: `${net}-genesis` }, names: ['main'] } },
  };
};

async function createNamespace(rest: KubeRest, ns: string): Promise<void> {
  await rest.request('POST', pathOf(R.namespace, undefined), { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
}

async function peerRun(rest: KubeRest): Promise<number> {
  const ns = 'bench-peer';
  await createNamespace(rest, ns);
  const ready = new Informer(rest, R.statefulSet, { namespace: ns });
  ready.start();
  await ready.waitForSync();
  const t0 = performance.now();
  await pool([...Array(N).keys()], CREATE_CONC, async (i) => {
    const node = nodeOf(ns, i);
    const sts = buildStatefulSet(node, resolveNodeSettings(node, null, [], {}));
    delete (sts.metadata as { ownerReferences?: unknown }).ownerReferences;
    await rest.request('POST', pathOf(R.service, ns), {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: node.metadata.name }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'konsortium.dev/ledger-node': node.metadata.name }, ports: [{ name: 'http', port: 8080 }] } },
    });
    await rest.request('POST', pathOf(R.statefulSet, ns), { body: sts });
  });
  const s = await until('peer (plain StatefulSets)', t0, N, () => ready.list().filter((o) => ((o.status ?? {}) as { readyReplicas?: number }).readyReplicas === 1).length);
  await ready.stop();
  log(`peer: ${N} StatefulSets Ready in ${s.toFixed(1)} s; deleting them (and waiting, so the operator's run starts on an idle cluster)`);
  await rest.request('DELETE', pathOf(R.namespace, undefined, ns));
  const t1 = performance.now();
  for (;;) {
    const gone = await rest.request('GET', pathOf(R.namespace, undefined, ns)).then(
      () => false,
      (err: unknown) => (err as { status?: number }).status === 404,
    );
    if (gone) break;
    if (performance.now() - t1 > TIMEOUT_MS) throw new Error(`namespace ${ns} still there after ${TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  log(`peer namespace gone after ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  return s;
}

async function operatorRun(kc: KubeConfig, rest: KubeRest): Promise<{ seconds: number; reconcilesPerS: number; requests: number }> {
  const ns = 'bench-operator';
  await createNamespace(rest, ns);
  const networks = Math.ceil(N / NODES_PER_NETWORK);
  await pool([...Array(networks).keys()], CREATE_CONC, async (k) => {
    await rest.request('POST', pathOf(R.configMap, ns), { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `net${k}-genesis` }, data: { 'main.genesis.json': '{}' } } });
    await rest.request('POST', pathOf(R.network, ns), {
      body: { apiVersion: 'konsortium.dev/v1alpha1', kind: 'KonsortiumNetwork', metadata: { name: `net${k}` }, spec: { suite: 'intl', channels: [{ name: 'main' }], manageMembership: false } },
    });
  });
  const op = startOperator({ kubeConfig: kc, namespaces: [ns], concurrency: CONC });
  await op.started;
  const nodes = new Informer(rest, R.ledgerNode, { namespace: ns });
  nodes.start();
  await nodes.waitForSync();
  const before = op.stats();
  const t0 = performance.now();
  await pool([...Array(N).keys()], CREATE_CONC, async (i) => {
    const { metadata, ...rest2 } = nodeOf(ns, i);
    await rest.request('POST', pathOf(R.ledgerNode, ns), { body: { ...rest2, metadata: { name: metadata.name } } });
  });
  log(`created ${N} LedgerNodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const isReady = (o: { status?: unknown }): boolean => ((o.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const seconds = await until('operator (LedgerNodes)', t0, N, () => nodes.list().filter(isReady).length);
  const after = op.stats();
  await nodes.stop();
  await op.stop();
  const kinds = Object.entries(after.apiRequestsByKind)
    .map(([k, v]) => [k, v - (before.apiRequestsByKind[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
  log(`operator API requests by kind: ${kinds.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return { seconds, reconcilesPerS: (after.reconciles - before.reconciles) / seconds, requests: after.apiRequests - before.apiRequests };
}

async function main(): Promise<void> {
  execFileSync('bash', [path.join(REPO, 'scripts/k8s/tools.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = mkdtempSync(path.join(tmpdir(), 'konsortium-bench-k8s-'));
  const cluster = (cmd: string): Promise<{ stdout: string }> => run('bash', [path.join(REPO, 'scripts/k8s/cluster.sh'), cmd, dir], { maxBuffer: 16 << 20 });
  try {
    log('starting the Kubernetes control plane (scripts/k8s/cluster.sh)');
    await cluster('start');
    const env = (await cluster('env')).stdout;
    const kubeconfig = /KUBECONFIG=(\S+)/.exec(env)![1]!;
    const bin = /PATH=([^:]+):/.exec(env)![1]!;
    execFileSync(path.join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', path.join(REPO, 'helm/konsortium/crds')], { stdio: 'ignore' });
    execFileSync(path.join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/ledgernodes.konsortium.dev', 'crd/konsortiumnetworks.konsortium.dev'], { stdio: 'ignore' });
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const rest = new KubeRest(kc);
    const peer = values['no-peer'] ? null : await peerRun(rest);
    const r = await operatorRun(kc, rest);
    rest.close();

    const lines = [
      `machine: ${(await import('node:os')).cpus().length} vCPU; ${N} LedgerNodes in ${Math.ceil(N / NODES_PER_NETWORK)} networks; operator concurrency ${CONC}`,
      `operator: all Ready in ${r.seconds.toFixed(1)} s; ${r.reconcilesPerS.toFixed(1)} reconciles/s; ${r.requests} API requests (${(r.requests / N).toFixed(1)} per node)`,
      peer === null ? 'peer: skipped (--no-peer)' : `peer (the same StatefulSets and Services created directly): all Ready in ${peer.toFixed(1)} s (operator / peer = ${(r.seconds / peer).toFixed(2)})`,
      `goal (${GOAL_NODES} nodes Ready within ${GOAL_SECONDS} s): ${N >= GOAL_NODES && r.seconds <= GOAL_SECONDS ? 'met' : N < GOAL_NODES ? `not measured at ${GOAL_NODES}` : 'NOT met'}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (values.json) {
      process.stdout.write(
        JSON.stringify({ nodes: N, seconds_to_ready: +r.seconds.toFixed(2), reconciles_per_s: +r.reconcilesPerS.toFixed(1), peer_seconds_to_ready: peer === null ? null : +peer.toFixed(2), api_requests: r.requests }) + '\n',
      );
    }
  } finally {
    await cluster('stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:operator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
