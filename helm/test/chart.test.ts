/**
 * The chart without a cluster: `helm lint`, and what `helm template` renders with the default
 * values and with non-default ones (fixtures/external-values.yaml): the restricted Pod
 * Security Standard on every pod, resources and probes on every container, least-privilege
 * RBAC, the wiring of the components, and values.schema.json refusing bad values by name.
 */
import t, { type Test } from 'tap';
import { type Container, EXTERNAL_VALUES, find, grants, helm, type KubeObject, type PodSpec, render, type Rule, templateArgs, workloads } from './helm.js';

const NS = 'konsortium';

/** What the operator may do (the design's list); compared exactly. */
const OPERATOR_GRANTS: Record<string, string> = {
  'konsortium.dev/ledgernodes': 'delete,get,list,patch,update,watch',
  'konsortium.dev/konsortiumnetworks': 'get,list,patch,update,watch',
  'konsortium.dev/ledgernodes/status': 'get,patch,update',
  'konsortium.dev/konsortiumnetworks/status': 'get,patch,update',
  'konsortium.dev/ledgernodes/finalizers': 'update',
  'konsortium.dev/konsortiumnetworks/finalizers': 'update',
  'apps/statefulsets': 'create,delete,get,list,patch,update,watch',
  'core/services': 'create,delete,get,list,patch,update,watch',
  'core/configmaps': 'create,delete,get,list,patch,update,watch',
  'core/secrets': 'create,delete,get,list,patch,update,watch',
  'core/pods': 'get,list,watch',
  'policy/poddisruptionbudgets': 'create,delete,get,list,patch,update,watch',
  'networking.k8s.io/networkpolicies': 'create,delete,get,list,patch,update,watch',
  'core/events': 'create,patch',
  'events.k8s.io/events': 'create,patch',
};
const LEASE_GRANTS = { 'coordination.k8s.io/leases': 'create,get,update' };
const CONTROL_PLANE_GRANTS = {
  'konsortium.dev/ledgernodes': 'create,delete,get,list,patch,watch',
  'konsortium.dev/konsortiumnetworks': 'create,delete,get,list,patch,watch',
  'core/secrets': 'create,delete,get,patch',
  'core/configmaps': 'create,delete,get,patch',
};
const PSS_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const LABELS = ['helm.sh/chart', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];

function envOf(c: Container): Record<string, string> {
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef ? `field:${e.valueFrom.fieldRef.fieldPath}` : `secret:${e.valueFrom?.secretKeyRef?.name}/${e.valueFrom?.secretKeyRef?.key}`)]));
}

function rulesOf(o: KubeObject): Rule[] {
  return (o as unknown as { rules: Rule[] }).rules;
}

function podOf(objects: KubeObject[], kind: string, name: string): PodSpec {
  return (find(objects, kind, name) as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

/** Restricted Pod Security Standard (and this chart's read-only root), resources and probes. */
function checkPods(t: Test, objects: KubeObject[]): void {
  const all = workloads(objects);
  t.ok(all.length >= 3, `${all.length} workloads rendered`);
  for (const w of all) {
    const where = `${w.kind}/${w.name}`;
    const psc = w.pod.securityContext ?? {};
    t.equal(psc.runAsNonRoot, true, `${where}: runAsNonRoot`);
    t.ok((psc.runAsUser ?? 0) > 0, `${where}: runAsUser non-zero (${psc.runAsUser})`);
    t.equal(psc.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp RuntimeDefault`);
    t.notOk(w.pod.hostNetwork || w.pod.hostPID || w.pod.hostIPC, `${where}: no host namespaces`);
    for (const v of w.pod.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== 'name');
      t.ok(type !== undefined && PSS_VOLUME_TYPES.has(type), `${where}: volume ${v.name} (${type}) allowed by restricted`);
    }
    const longRunning = w.kind !== 'Job';
    for (const [c, init] of [...w.pod.containers.map((c) => [c, false] as const), ...(w.pod.initContainers ?? []).map((c) => [c, true] as const)]) {
      const at = `${where} container ${c.name}`;
      const sc = c.securityContext ?? {};
      t.equal(sc.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation false`);
      t.ok(sc.capabilities?.drop?.includes('ALL'), `${at}: drops ALL capabilities`);
      t.same(sc.capabilities?.add ?? [], [], `${at}: adds no capability`);
      t.not(sc.privileged, true, `${at}: not privileged`);
      t.not(sc.runAsUser, 0, `${at}: not root`);
      t.equal(sc.readOnlyRootFilesystem, true, `${at}: read-only root filesystem`);
      t.ok(c.resources?.requests?.cpu !== undefined && c.resources.requests.memory !== undefined, `${at}: cpu and memory requests`);
      t.ok(c.resources?.limits?.memory !== undefined, `${at}: memory limit`);
      if (longRunning && !init) {
        t.ok(c.livenessProbe, `${at}: liveness probe`);
        t.ok(c.readinessProbe, `${at}: readiness probe`);
      }
    }
  }
}

function checkLabels(t: Test, objects: KubeObject[], release: string): void {
  for (const o of objects) {
    const labels = o.metadata.labels ?? {};
    const missing = LABELS.filter((l) => labels[l] === undefined);
    t.same(missing, [], `${o.kind}/${o.metadata.name}: standard labels`);
    t.equal(labels['app.kubernetes.io/part-of'], 'konsortium');
    t.equal(labels['app.kubernetes.io/instance'], release);
  }
}

t.test('helm lint passes with the default values and with non-default ones', { timeout: 60_000 }, async (t) => {
  for (const extra of [[], ['--values', EXTERNAL_VALUES]]) {
    const r = await helm(['lint', '--strict', 'helm/konsortium', ...extra]);
    t.equal(r.code, 0, `helm lint --strict ${extra.join(' ')}: ${r.stdout}${r.stderr}`);
    t.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    t.notMatch(r.stdout, /\[(WARNING|ERROR)\]/, 'no warnings');
  }
});

t.test('default values: everything, restricted pods, least privilege', { timeout: 60_000 }, async (t) => {
  const { objects } = await render({ namespace: NS });
  checkPods(t, objects);
  checkLabels(t, objects, 'rel');
  for (const o of objects) {
    if (!['ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) t.equal(o.metadata.namespace, NS, `${o.kind}/${o.metadata.name} in the release namespace`);
  }
  const kinds = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  for (const k of [
    'Deployment/rel-konsortium-operator',
    'Deployment/rel-konsortium-control-plane',
    'Deployment/rel-konsortium-workers',
    'Deployment/rel-konsortium-portal',
    'Deployment/rel-konsortium-redis',
    'StatefulSet/rel-konsortium-postgresql',
    'Job/rel-konsortium-migrate-1',
    'Service/rel-konsortium-control-plane',
    'Service/rel-konsortium-portal',
    'PodDisruptionBudget/rel-konsortium-control-plane',
    'Secret/rel-konsortium-master-key',
  ]) {
    t.ok(kinds.has(k), `renders ${k}`);
  }
  t.notOk([...kinds].some((k) => k.startsWith('Ingress/') || k.startsWith('NetworkPolicy/')), 'no Ingress or NetworkPolicy by default');

  // The operator: cluster-wide, exactly the design's verbs.
  const cr = find(objects, 'ClusterRole', `${NS}-rel-konsortium-operator`);
  t.same(grants(rulesOf(cr)), OPERATOR_GRANTS, 'operator ClusterRole grants exactly the listed verbs');
  t.notOk(JSON.stringify(rulesOf(cr)).includes('*'), 'no wildcard');
  const crb = find(objects, 'ClusterRoleBinding', `${NS}-rel-konsortium-operator`) as unknown as { subjects: { name: string; namespace: string }[] };
  t.same(crb.subjects, [{ kind: 'ServiceAccount', name: 'rel-konsortium-operator', namespace: NS }]);
  t.same(grants(rulesOf(find(objects, 'Role', 'rel-konsortium-operator-leader-election'))), LEASE_GRANTS, 'leases only in its own namespace');
  t.same(grants(rulesOf(find(objects, 'Role', 'rel-konsortium-control-plane'))), CONTROL_PLANE_GRANTS, 'control-plane Role: custom resources, secrets, configmaps; no pods');

  const op = podOf(objects, 'Deployment', 'rel-konsortium-operator').containers[0]!;
  t.same([...op.command!, ...op.args!], ['node', 'operator/dist/main.js', 'run', '--leader-elect', '--health-port', '8081', '--node-image', 'ghcr.io/konsortium/ledger-node:0.1.0']);
  t.match(envOf(op), { POD_NAME: 'field:metadata.name', POD_NAMESPACE: 'field:metadata.namespace' });
  t.match(op, { livenessProbe: { httpGet: { path: '/healthz' } }, readinessProbe: { httpGet: { path: '/readyz' } } });
  t.equal((find(objects, 'Deployment', 'rel-konsortium-operator') as unknown as { spec: { replicas: number } }).spec.replicas, 1);

  const apiPod = podOf(objects, 'Deployment', 'rel-konsortium-control-plane');
  const api = apiPod.containers[0]!;
  t.same(api.command, ['node', 'control-plane/dist/main.js', '--no-worker', '--no-network', '--no-demo']);
  const env = {
    DATABASE_URL: 'secret:rel-konsortium-postgresql/database-url',
    REDIS_URL: 'secret:rel-konsortium-redis/redis-url',
    KONSORTIUM_RUNTIME: 'kubernetes',
    KONSORTIUM_NAMESPACE: NS,
    KONSORTIUM_PORT: '8700',
    KONSORTIUM_DATA_DIR: '/var/lib/konsortium',
    KONSORTIUM_MASTER_KEY_FILE: '/etc/konsortium/master/master.key',
    KONSORTIUM_PUBLIC_URL: `http://rel-konsortium-control-plane.${NS}.svc:8700`,
    KONSORTIUM_NODE_IMAGE: 'ghcr.io/konsortium/ledger-node:0.1.0',
  };
  t.match(envOf(api), { ...env, KONSORTIUM_HOST: '0.0.0.0' }, 'API environment (listening on all addresses)');
  t.match(api, { livenessProbe: { httpGet: { path: '/healthz', port: 'http' } }, readinessProbe: { httpGet: { path: '/readyz', port: 'http' } } });
  t.match(apiPod.initContainers, [{ name: 'master-key', command: ['install', '-m', '0600', '/run/konsortium/master-key-secret/master.key', '/etc/konsortium/master/master.key'] }], 'the key file is copied with mode 0600');
  const worker = podOf(objects, 'Deployment', 'rel-konsortium-workers').containers[0]!;
  t.same(worker.command, ['node', 'control-plane/dist/worker-main.js']);
  t.match(envOf(worker), env, 'workers get the same environment');
  t.equal(envOf(worker).KONSORTIUM_HOST, undefined, 'a worker listens on nothing');
  t.match(worker.readinessProbe?.exec?.command?.join(' '), /REDIS_URL/, 'worker probes: its queue is reachable (it serves no HTTP)');
  t.same((find(objects, 'Service', 'rel-konsortium-control-plane') as unknown as { spec: { ports: { port: number }[] } }).spec.ports.map((p) => p.port), [8700]);
  t.same((find(objects, 'Service', 'rel-konsortium-portal') as unknown as { spec: { ports: { port: number }[] } }).spec.ports.map((p) => p.port), [8080]);
  t.equal(podOf(objects, 'Deployment', 'rel-konsortium-portal').containers[0]!.image, 'ghcr.io/konsortium/portal:0.1.0');

  const key = find(objects, 'Secret', 'rel-konsortium-master-key') as unknown as KubeObject & { data: Record<string, string> };
  t.equal(key.metadata.annotations?.['helm.sh/resource-policy'], 'keep', 'master key kept on uninstall');
  t.equal(Buffer.from(key.data['master.key']!, 'base64').length, 32, 'master key: 32 random bytes');

  // In-chart PostgreSQL: the migration is an ordinary Job (the database does not exist before install).
  const job = find(objects, 'Job', 'rel-konsortium-migrate-1');
  t.equal(job.metadata.annotations?.['helm.sh/hook'], undefined, 'not a hook with the in-chart database');
  const jobPod = podOf(objects, 'Job', 'rel-konsortium-migrate-1');
  t.same(jobPod.containers[0]!.command, ['node', 'control-plane/dist/migrate.js']);
  t.equal(envOf(jobPod.containers[0]!).KONSORTIUM_MIGRATE_ATTEMPTS, '150', 'migrate.js waits for the database to come up');
  t.equal(envOf(jobPod.containers[0]!).DATABASE_URL, 'secret:rel-konsortium-postgresql/database-url');
  t.equal(jobPod.automountServiceAccountToken, false);
  const pg = find(objects, 'StatefulSet', 'rel-konsortium-postgresql') as unknown as { spec: { volumeClaimTemplates: unknown[] } };
  t.equal(pg.spec.volumeClaimTemplates.length, 1, 'PostgreSQL on a PVC');
  t.equal(podOf(objects, 'StatefulSet', 'rel-konsortium-postgresql').containers[0]!.image, 'docker.io/postgres:16-alpine');
  t.equal(podOf(objects, 'Deployment', 'rel-konsortium-redis').containers[0]!.image, 'docker.io/redis:7-alpine');
});

t.test('non-default values: external stores, watched namespaces, no portal, Ingress', { timeout: 60_000 }, async (t) => {
  const { objects } = await render({ namespace: NS, valuesFiles: [EXTERNAL_VALUES] });
  checkPods(t, objects);
  checkLabels(t, objects, 'rel');
  const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
  t.notOk(names.some((n) => /postgresql|redis|portal/.test(n)), `no in-chart PostgreSQL, Redis or portal: ${names.join(' ')}`);
  t.notOk(names.some((n) => n.startsWith('ClusterRole')), 'no ClusterRole when namespaces are listed');
  for (const ns of ['team-a', 'team-b']) {
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.namespace === ns);
    t.ok(role, `operator Role in ${ns}`);
    if (role) t.same(grants(rulesOf(role)), OPERATOR_GRANTS, `Role in ${ns} grants exactly the listed verbs`);
    t.ok(objects.find((o) => o.kind === 'RoleBinding' && o.metadata.namespace === ns), `RoleBinding in ${ns}`);
  }
  const op = podOf(objects, 'Deployment', 'rel-konsortium-operator').containers[0]!;
  t.same(op.args, ['run', '--leader-elect', '--health-port', '8081', '--namespace', 'team-a', '--namespace', 'team-b', '--node-image', 'registry.example.com/konsortium/ledger-node:0.1.0']);

  const api = podOf(objects, 'Deployment', 'rel-konsortium-control-plane');
  t.match(envOf(api.containers[0]!), {
    DATABASE_URL: 'secret:rel-konsortium-external-db/database-url',
    REDIS_URL: 'secret:konsortium-redis/url',
    KONSORTIUM_PUBLIC_URL: 'https://api.konsortium.example.com',
    KONSORTIUM_EXTRA: '1',
  });
  t.match(api.volumes, [{}, { name: 'data', persistentVolumeClaim: { claimName: 'rel-konsortium-data' } }, {}, { name: 'master-key-secret', secret: { secretName: 'konsortium-master-key', items: [{ key: 'key', path: 'master.key' }] } }]);
  t.notOk(names.includes('Secret/rel-konsortium-master-key'), 'no generated master key with an existing Secret');

  // External database: the migration is a pre-install/pre-upgrade hook with its own Secret.
  const job = find(objects, 'Job', 'rel-konsortium-migrate');
  t.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  t.equal(job.metadata.annotations?.['helm.sh/hook-delete-policy'], 'before-hook-creation,hook-succeeded');
  const hookSecret = find(objects, 'Secret', 'rel-konsortium-migrate-db');
  t.equal(hookSecret.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  t.ok(Number(hookSecret.metadata.annotations?.['helm.sh/hook-weight']) < Number(job.metadata.annotations?.['helm.sh/hook-weight']), 'the Secret comes before the Job');
  t.equal(envOf(podOf(objects, 'Job', 'rel-konsortium-migrate').containers[0]!).DATABASE_URL, 'secret:rel-konsortium-migrate-db/database-url');
  t.equal(podOf(objects, 'Job', 'rel-konsortium-migrate').serviceAccountName, undefined, 'no account of the release (a hook precedes it)');

  const ingress = find(objects, 'Ingress', 'rel-konsortium') as unknown as { spec: { ingressClassName: string; rules: { host: string }[]; tls: unknown[] } };
  t.equal(ingress.spec.ingressClassName, 'nginx');
  t.same(ingress.spec.rules.map((r) => r.host), ['api.konsortium.example.com'], 'API host only (portal disabled)');
  t.ok(names.filter((n) => n.startsWith('NetworkPolicy/')).length >= 3, 'NetworkPolicies rendered');
  t.match(find(objects, 'PodDisruptionBudget', 'rel-konsortium-control-plane'), { spec: { minAvailable: 1 } });
  t.equal(podOf(objects, 'Deployment', 'rel-konsortium-workers').containers[0]!.image, 'registry.example.com/konsortium/control-plane:0.1.0');
});

t.test('bad values are refused with a message naming the field', { timeout: 120_000 }, async (t) => {
  const cases: [string[], RegExp][] = [
    [['workers.replicas=-1'], /\/workers\/replicas': minimum/],
    [['controlPlane.bogus=1'], /\/controlPlane': additional properties 'bogus' not allowed/],
    [['image.pullPolicy=Sometimes'], /\/image\/pullPolicy': value must be one of/],
    [['controlPlane.service.type=Internal'], /\/controlPlane\/service\/type': value must be one of/],
    [['operator.logLevel=loud'], /\/operator\/logLevel': value must be one of/],
    [['operator.watchNamespaces[0]=Not_A_Namespace'], /\/operator\/watchNamespaces\/0'/],
    [['controlPlane.service.port=70000'], /\/controlPlane\/service\/port': maximum/],
    [['controlPlane.resources.requests.memory=lots'], /\/controlPlane\/resources\/requests\/memory'/],
    [['securityContext.runAsUser=0'], /\/securityContext\/runAsUser': minimum/],
    [['portal.enabled=maybe'], /\/portal\/enabled': got string, want boolean/],
    [['postgresql.enabled=false'], /\/externalDatabase'/],
    [['redis.enabled=false', 'externalRedis.url=http://x'], /\/externalRedis\/url'/],
    // Caught by the templates rather than the schema.
  ];
  for (const [set, message] of cases) {
    const r = await helm(templateArgs({ set }));
    t.not(r.code, 0, `--set ${set.join(' ')} refused`);
    t.match(r.stderr, message, `--set ${set.join(' ')}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  const lint = await helm(['lint', 'helm/konsortium', '--set', 'workers.replicas=-1']);
  t.not(lint.code, 0, 'helm lint refuses it too');
  t.match(lint.stdout + lint.stderr, /workers\/replicas/);
});
