/**
 * The chart's RBAC is enough, and no more: the operator runs with the token of the chart's own
 * ServiceAccount (its Role/RoleBinding rendered from helm/konsortium, watching one namespace),
 * takes its Lease, brings a network of 2 nodes to Ready and deletes it again; the same account
 * cannot create pods, read Secrets of another namespace or change RBAC.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { KubeConfig } from '@kubernetes/client-node';
import { startOperator } from '@konsortium/operator';
import { apply, applyCrds, conditionStatus, haveCluster, kubeConfig, kubectl, names, REPO_ROOT, testNamespace } from '../../../test/lib/k8s.js';
import { waitFor } from '../../../test/lib/process.js';

const run = promisify(execFile);

if (!haveCluster()) {
  t.comment('skipped: needs the real control plane; run through `npm run test:k8s`');
} else {
  t.test("the operator works with the chart's least-privilege RBAC, and only with it", async (t) => {
    const admin = kubeConfig();
    await applyCrds();
    const ns = await testNamespace(admin, t, 'op-rbac');
    const other = await testNamespace(admin, t, 'op-rbac-other');
    // The chart's operator ServiceAccount and RBAC, watching only `ns` (a Role there, not a ClusterRole).
    const rendered = (
      await run('helm', ['template', 'konsortium', path.join(REPO_ROOT, 'helm/konsortium'), '--namespace', ns, '--set', `operator.watchNamespaces={${ns}}`, '--show-only', 'templates/operator-serviceaccount.yaml', '--show-only', 'templates/operator-rbac.yaml'], {
        maxBuffer: 16 << 20,
      })
    ).stdout;
    await kubectl(['-n', ns, 'apply', '-f', '-'], rendered);
    const sa = 'konsortium-operator';
    t.same(await names(ns, 'serviceaccounts', 'app.kubernetes.io/component=operator'), [sa]);
    t.same(await names(ns, 'roles', 'app.kubernetes.io/component=operator'), [sa, `${sa}-leader-election`], 'a Role, not a ClusterRole, for one watched namespace');

    // A kubeconfig with that account's token (TokenRequest), the same server and CA.
    const token = (await kubectl(['-n', ns, 'create', 'token', sa, '--duration=1h'])).trim();
    const cluster = admin.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'test', server: cluster.server, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: false }],
      users: [{ name: sa, token }],
      contexts: [{ name: 'test', cluster: 'test', user: sa, namespace: ns }],
      currentContext: 'test',
    });
    const as = `system:serviceaccount:${ns}:${sa}`;
    const can = async (verb: string, resource: string, namespace: string): Promise<string> =>
      (await kubectl(['auth', 'can-i', verb, resource, '-n', namespace, `--as=${as}`]).catch((err: { stdout?: string }) => err.stdout ?? 'error')).trim();
    t.equal(await can('create', 'pods', ns), 'no', 'it cannot create pods');
    t.equal(await can('get', 'secrets', other), 'no', 'nor read Secrets of a namespace it does not watch');
    t.equal(await can('create', 'rolebindings', ns), 'no', 'nor change RBAC');
    t.equal(await can('delete', 'konsortiumnetworks', ns), 'no', 'nor delete networks');
    t.equal(await can('patch', 'statefulsets', ns), 'yes');

    const errors: string[] = [];
    const op = startOperator({
      kubeConfig: kc,
      namespaces: [ns],
      leaderElection: { namespace: ns, name: 'konsortium-operator', identity: 'rbac-test', leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 },
      log: { info: () => undefined, warn: (o) => errors.push(JSON.stringify(o)), error: (o) => errors.push(JSON.stringify(o)) },
    });
    t.teardown(() => op.stop());
    await op.started;
    t.ok(op.stats().leader, 'it holds its Lease');

    await apply(ns, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'zeta-genesis' }, data: { 'main.genesis.json': '{}' } },
      { apiVersion: 'konsortium.dev/v1alpha1', kind: 'KonsortiumNetwork', metadata: { name: 'zeta' }, spec: { suite: 'intl', channels: [{ name: 'main' }], manageMembership: false } },
      ...[1, 2].map((id) => ({
        apiVersion: 'konsortium.dev/v1alpha1',
        kind: 'LedgerNode',
        metadata: { name: `zeta-node-${id}` },
        spec: { network: 'zeta', nodeId: id, kind: 'shared', role: 'voter', channels: { configMapRef: { name: 'zeta-genesis' }, names: ['main'] } },
      })),
    ]);
    await waitFor(
      async () => {
        const list = JSON.parse(await kubectl(['-n', ns, 'get', 'ledgernodes,konsortiumnetworks', '-o', 'json'])) as { items: unknown[] };
        return list.items.length === 3 && list.items.every((i) => conditionStatus(i, 'Ready') === 'True') ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'the network and its 2 nodes Ready under the chart RBAC' },
    );
    t.pass('network and nodes Ready');

    await kubectl(['-n', ns, 'delete', 'konsortiumnetwork', 'zeta', '--wait=true', '--timeout=60s']);
    await waitFor(async () => ((await names(ns, 'ledgernodes')).length === 0 && (await names(ns, 'statefulsets')).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: "the network's nodes deleted by the operator",
    });
    t.pass('deleting the network deleted its nodes (the operator may delete LedgerNodes)');
    t.same(
      errors.filter((e) => /403|forbidden/i.test(e)),
      [],
      'no request of the operator was forbidden',
    );
  });
}
