/**
 * The Kubernetes runtime as main.ts and worker-main.ts set it up (src/platform/kubernetes.ts),
 * without a cluster: the namespace (given, the pod's own, the kube config context's,
 * `default`), each node's profile from its database row (a dedicated node names its tenant,
 * the image applies to all), and the kube config refusing to guess a server. The same against
 * a real API server: test/k8s/runtime.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import type { PrismaClient } from '../src/db/prisma.js';
import { databaseProfile, kubernetesRuntime, loadKubeConfig, resolveNamespace } from '../src/platform/kubernetes.js';
import { buildLedgerNode } from '../src/runtime/index.js';

function kubeConfig(namespace?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u', ...(namespace ? { namespace } : {}) }],
    currentContext: 'x',
  });
  return kc;
}

t.test('the namespace', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'konsortium-sa-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const none = path.join(dir, 'absent');
  t.equal(resolveNamespace(kubeConfig('ctx-ns'), 'given', dir), 'given', 'given wins');
  t.equal(resolveNamespace(kubeConfig('ctx-ns'), undefined, none), 'ctx-ns', "the kube config context's");
  t.equal(resolveNamespace(kubeConfig(), undefined, none), 'default', 'else default');
  await writeFile(path.join(dir, 'namespace'), 'konsortium\n');
  t.equal(resolveNamespace(kubeConfig('ctx-ns'), undefined, dir), 'konsortium', "in a pod: its service account's");
  t.equal(kubernetesRuntime({ kubeConfig: kubeConfig('ctx-ns'), namespace: 'ledger' }).namespace, 'ledger');
});

t.test('the kube config: KUBECONFIG, else nothing to guess', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'konsortium-kc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'kubeconfig');
  await writeFile(file, kubeConfig('from-file').exportConfig());
  const saved = process.env.KUBECONFIG;
  t.teardown(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });
  process.env.KUBECONFIG = file;
  t.equal(loadKubeConfig({ KUBECONFIG: file }).getCurrentCluster()?.server, 'https://127.0.0.1:6443');
  const home = process.env.HOME;
  t.teardown(() => void (process.env.HOME = home));
  process.env.HOME = dir;
  t.throws(() => loadKubeConfig({}), /no Kubernetes configuration: not in a pod/, 'no silent http://localhost:8080');
});

t.test("each node's profile from its row", async (t) => {
  const rows = new Map<string, { kind: 'shared' | 'dedicated'; tenantId: string | null }>([
    ['acme/1', { kind: 'shared', tenantId: null }],
    ['acme/4', { kind: 'dedicated', tenantId: '0b5c2a8e-3f1d-4c7a-9e2b-6d8f0a1c2e3f' }],
  ]);
  const seen: unknown[] = [];
  const db = {
    ledgerNode: {
      findFirst: async (q: { where: { nodeId: number; network: { name: string } } }) => {
        seen.push(q.where);
        return rows.get(`${q.where.network.name}/${q.where.nodeId}`) ?? null;
      },
    },
  } as unknown as PrismaClient;
  const profile = databaseProfile(db, 'ghcr.io/konsortium/ledger-node:0.2.0');
  t.same(await profile('acme', 1), { kind: 'shared', image: 'ghcr.io/konsortium/ledger-node:0.2.0' });
  const dedicated = await profile('acme', 4);
  t.same(dedicated, { kind: 'dedicated', tenant: '0b5c2a8e-3f1d-4c7a-9e2b-6d8f0a1c2e3f', image: 'ghcr.io/konsortium/ledger-node:0.2.0' }, 'a dedicated node names its tenant (its id)');
  t.same(await databaseProfile(db)('acme', 9), { kind: 'shared' }, 'no row (yet): shared, no image: the operator default');
  t.same(seen[0], { nodeId: 1, network: { name: 'acme' } });
  const spec = { network: 'acme', nodeId: 4, channels: [{ channel: 'consortium' }], keys: { intl: 'aa' }, peers: [], join: true };
  t.match(buildLedgerNode(spec, { namespace: 'k', profile: dedicated }).spec, { kind: 'dedicated', tenant: '0b5c2a8e-3f1d-4c7a-9e2b-6d8f0a1c2e3f' }, 'a tenant id is a valid spec.tenant');
});
