/**
 * The chart against the real API server that `npm run test:k8s` starts: the rendered objects
 * pass a server-side dry run, and a release installs into a namespace that enforces the
 * restricted Pod Security Standard (the apiserver's admission checks every pod; kwok makes
 * them Ready without pulling images), upgrades, and uninstalls leaving only what is
 * documented to stay: the Secrets annotated helm.sh/resource-policy=keep, the PostgreSQL
 * volume, and the CRDs.
 */
import t, { type Test } from 'tap';
import { applyCrds, kubeConfig, kubectl, testNamespace } from '../../test/lib/k8s.js';
import { waitFor } from '../../test/lib/process.js';
import { CHART_DIR, EXTERNAL_VALUES, helm, helmOk, type KubeObject, run, templateArgs } from './helm.js';

const kc = kubeConfig();
let releases = 0;
/** A release name of its own per install (releases are namespaced, the ClusterRole is not). */
const releaseName = (): string => `k${process.pid}-${++releases}`;

const NAMESPACED_KINDS = 'deployments,statefulsets,replicasets,pods,services,jobs,serviceaccounts,roles,rolebindings,configmaps,secrets,persistentvolumeclaims,poddisruptionbudgets,networkpolicies,ingresses';

async function list(kinds: string, args: readonly string[]): Promise<KubeObject[]> {
  return (JSON.parse(await kubectl(['get', kinds, '-o', 'json', ...args])) as { items: KubeObject[] }).items;
}

const names = (objects: readonly KubeObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

/** A restricted namespace that also warns: a server-side dry run then reports pod templates that would be refused. */
async function restrictedNamespace(t: Test, prefix: string): Promise<string> {
  const ns = await testNamespace(kc, t, prefix);
  await kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/warn=restricted', 'pod-security.kubernetes.io/warn-version=latest']);
  return ns;
}

/** Every object names its namespace (the operator's Roles go to the watched ones), so kubectl gets no --namespace. */
async function dryRun(t: Test, args: string[]): Promise<void> {
  const yaml = await helmOk(args);
  const r = await run('kubectl', ['apply', '--dry-run=server', '-f', '-'], { input: yaml });
  t.equal(r.code, 0, `kubectl apply --dry-run=server: ${r.stderr.trim()}`);
  t.notMatch(r.stderr, /PodSecurity|violate/i, 'no Pod Security warning');
  const accepted = r.stdout.split('\n').filter((l) => l.endsWith('(server dry run)'));
  const documents = yaml.split(/^---$/m).filter((d) => /^kind:/m.test(d));
  t.equal(accepted.length, documents.length, `all ${documents.length} objects accepted`);
}

/** What is left of a release in a namespace, pods excluded once they are gone. */
async function leftovers(ns: string, release: string): Promise<KubeObject[]> {
  return list(NAMESPACED_KINDS, ['--namespace', ns, '-l', `app.kubernetes.io/instance=${release}`]);
}

t.before(async () => {
  await applyCrds();
});

t.test('the rendered chart passes a server-side dry run', { timeout: 120_000 }, async (t) => {
  const ns = await restrictedNamespace(t, 'helm-dry');
  await dryRun(t, templateArgs({ release: releaseName(), namespace: ns }));

  const watched = [await testNamespace(kc, t, 'helm-dry-a'), await testNamespace(kc, t, 'helm-dry-b')];
  await dryRun(t, templateArgs({ release: releaseName(), namespace: ns, valuesFiles: [EXTERNAL_VALUES], set: [`operator.watchNamespaces={${watched.join(',')}}`] }));
});

t.test('install, upgrade and uninstall with the in-chart PostgreSQL and Redis', { timeout: 300_000 }, async (t) => {
  const ns = await restrictedNamespace(t, 'helm-life');
  const rel = releaseName();
  const full = `${rel}-konsortium`;
  await helmOk(['install', rel, CHART_DIR, '--namespace', ns, '--wait', '--wait-for-jobs', '--timeout', '120s'], 150_000);

  // Admitted under restricted Pod Security, scheduled and Ready (kwok), the migration done.
  const deployments = await list('deployments', ['--namespace', ns, '-l', `app.kubernetes.io/instance=${rel}`]);
  t.same(names(deployments), ['control-plane', 'operator', 'portal', 'redis', 'workers'].map((c) => `Deployment/${full}-${c}`));
  for (const d of deployments as unknown as { metadata: { name: string }; status: { readyReplicas?: number; replicas?: number } }[]) {
    t.ok((d.status.readyReplicas ?? 0) >= 1 && d.status.readyReplicas === d.status.replicas, `${d.metadata.name} ready`);
  }
  t.match(JSON.parse(await kubectl(['get', 'statefulset', `${full}-postgresql`, '-n', ns, '-o', 'json'])), { status: { readyReplicas: 1 } });
  t.match(JSON.parse(await kubectl(['get', 'job', `${full}-migrate-1`, '-n', ns, '-o', 'json'])), { status: { succeeded: 1 } }, 'migration job completed');
  const secretData = async (name: string, key: string): Promise<string> => (await kubectl(['get', 'secret', name, '-n', ns, '-o', `jsonpath={.data.${key.replace('.', '\\.')}}`])).trim();
  const masterKey = await secretData(`${full}-master-key`, 'master.key');
  const dbPassword = await secretData(`${full}-postgresql`, 'password');
  t.equal(Buffer.from(masterKey, 'base64').length, 32, 'a 32-byte master key was generated');

  await helmOk(['upgrade', rel, CHART_DIR, '--namespace', ns, '--reuse-values', '--set', 'workers.replicas=2', '--wait', '--wait-for-jobs', '--timeout', '120s'], 150_000);
  const workers = JSON.parse(await kubectl(['get', 'deployment', `${full}-workers`, '-n', ns, '-o', 'json'])) as { spec: { replicas: number }; status: { readyReplicas?: number } };
  t.equal(workers.spec.replicas, 2, 'workers scaled to 2');
  t.equal(workers.status.readyReplicas, 2, 'both workers ready');
  const status = JSON.parse(await helmOk(['status', rel, '--namespace', ns, '--output', 'json'])) as { version: number; info: { status: string } };
  t.equal(status.version, 2, 'release revision 2');
  t.equal(status.info.status, 'deployed');
  t.equal(await secretData(`${full}-master-key`, 'master.key'), masterKey, 'the upgrade kept the master key (lookup)');
  t.equal(await secretData(`${full}-postgresql`, 'password'), dbPassword, 'and the database password');
  const jobs = await list('jobs', ['--namespace', ns, '-l', `app.kubernetes.io/instance=${rel}`]);
  t.same(names(jobs), [`Job/${full}-migrate-2`], 'the upgrade ran a new migration job and dropped the old one');

  await helmOk(['uninstall', rel, '--namespace', ns, '--wait', '--timeout', '120s'], 150_000);
  // Documented to stay: the kept Secrets (master key; database password, which belongs to the
  // kept volume) and the StatefulSet's volume claim. Pods go asynchronously (garbage collector).
  const expected = [`PersistentVolumeClaim/data-${full}-postgresql-0`, `Secret/${full}-master-key`, `Secret/${full}-postgresql`];
  const left = await waitFor(
    async () => {
      const l = await leftovers(ns, rel);
      return names(l).join(' ') === expected.join(' ') ? l : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `only ${expected.join(', ')} left of ${rel}` },
  ).catch(async (err: unknown) => {
    t.fail(`${(err as Error).message}; left: ${names(await leftovers(ns, rel)).join(', ')}`);
    return [];
  });
  for (const s of left.filter((o) => o.kind === 'Secret')) {
    t.equal(s.metadata.annotations?.['helm.sh/resource-policy'], 'keep', `${s.metadata.name} is kept by its annotation`);
  }
  t.same(await list('clusterroles,clusterrolebindings', ['-l', `app.kubernetes.io/instance=${rel}`]), [], 'ClusterRole and ClusterRoleBinding gone');
  t.same(await list('secrets', ['--namespace', ns, '-l', `owner=helm,name=${rel}`]), [], 'release history gone');
  const crds = await list('customresourcedefinitions', ['-l', 'app.kubernetes.io/part-of=konsortium']);
  t.same(names(crds), ['CustomResourceDefinition/konsortiumnetworks.konsortium.dev', 'CustomResourceDefinition/ledgernodes.konsortium.dev'], 'CRDs stay (Helm never deletes them)');
});

t.test('install and uninstall with an external database: migration hook, per-namespace RBAC', { timeout: 300_000 }, async (t) => {
  const ns = await restrictedNamespace(t, 'helm-ext');
  const watched = [await testNamespace(kc, t, 'helm-ext-a'), await testNamespace(kc, t, 'helm-ext-b')];
  const rel = releaseName();
  const full = `${rel}-konsortium`;
  // The Secrets the values name (made by the user, not by the chart).
  await kubectl(['create', 'secret', 'generic', 'konsortium-master-key', '-n', ns, `--from-literal=key=${Buffer.alloc(32, 7).toString('base64url')}`]);
  await kubectl(['create', 'secret', 'generic', 'konsortium-redis', '-n', ns, '--from-literal=url=redis://redis.example:6379']);
  await helmOk(
    ['install', rel, CHART_DIR, '--namespace', ns, '--values', EXTERNAL_VALUES, '--set', `operator.watchNamespaces={${watched.join(',')}}`, '--wait', '--timeout', '120s'],
    150_000,
  );

  // The pre-install hook ran (kwok completes Job pods) and cleaned up after itself.
  t.same(names(await list('jobs,secrets', ['--namespace', ns, '-l', 'app.kubernetes.io/component=migration'])), [], 'hook Job and its Secret deleted after success');
  const manifest = await helmOk(['get', 'hooks', rel, '--namespace', ns]);
  t.match(manifest, new RegExp(`name: ${full}-migrate\\b`), 'the migration is a hook of the release');
  const ready = JSON.parse(await kubectl(['get', 'deployment', `${full}-control-plane`, '-n', ns, '-o', 'json'])) as { status: { readyReplicas?: number } };
  t.equal(ready.status.readyReplicas, 2, 'two API replicas ready');
  for (const w of watched) {
    t.same(names(await list('roles,rolebindings', ['--namespace', w, '-l', `app.kubernetes.io/instance=${rel}`])), [`Role/${full}-operator`, `RoleBinding/${full}-operator`], `operator RBAC in ${w}`);
  }
  t.same(await list('clusterroles', ['-l', `app.kubernetes.io/instance=${rel}`]), [], 'no ClusterRole');
  const asOperator = `--as=system:serviceaccount:${ns}:${full}-operator`;
  t.equal((await run('kubectl', ['auth', 'can-i', 'patch', 'statefulsets', '--namespace', watched[0]!, asOperator])).stdout.trim(), 'yes', 'the operator may patch StatefulSets in a watched namespace');
  t.equal((await run('kubectl', ['auth', 'can-i', 'patch', 'statefulsets', '--namespace', ns, asOperator])).stdout.trim(), 'no', 'but not elsewhere');
  t.equal((await run('kubectl', ['auth', 'can-i', 'create', 'pods', '--namespace', watched[0]!, asOperator])).stdout.trim(), 'no', 'and never creates pods');

  await helmOk(['uninstall', rel, '--namespace', ns, '--wait', '--timeout', '120s'], 150_000);
  for (const n of [ns, ...watched]) {
    await waitFor(async () => ((await leftovers(n, rel)).length === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500, what: `nothing of ${rel} left in ${n}` }).catch(async (err: unknown) => {
      t.fail(`${(err as Error).message}: ${names(await leftovers(n, rel)).join(', ')}`);
    });
    t.pass(`nothing of ${rel} left in ${n}`);
  }
  t.same(names(await list('secrets', ['--namespace', ns, '--field-selector', 'type=Opaque'])), ['Secret/konsortium-master-key', 'Secret/konsortium-redis'], "the user's own Secrets are untouched");
  const r = await helm(['status', rel, '--namespace', ns]);
  t.not(r.code, 0, 'release gone');
});
