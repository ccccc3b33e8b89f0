/** Reading the cluster's view of a node: StatefulSet settled, pod Ready, restarts, failures, addresses. */
import t from 'tap';
import type { KubeObject, LedgerNode, LedgerNodeSpec } from '../src/api-types.js';
import { nodeAddress } from '../src/builders/node-settings.js';
import { nodeSettled, podFailure, podReady, podRestarts, reachableNodes, selfAddress, statefulSetSettled } from '../src/reconcile/node-state.js';

const sts = (generation: number | undefined, status: Record<string, unknown> | undefined): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'node-1', namespace: 'ns', ...(generation !== undefined ? { generation } : {}) },
  ...(status !== undefined ? { status } : {}),
});
const SETTLED = { observedGeneration: 2, replicas: 1, readyReplicas: 1, updatedReplicas: 1, currentRevision: 'node-1-abc', updateRevision: 'node-1-abc' };

t.test('statefulSetSettled', async (t) => {
  t.ok(statefulSetSettled(sts(2, SETTLED)), 'observed, updated, ready, on the update revision');
  t.notOk(statefulSetSettled(undefined), 'absent');
  t.notOk(statefulSetSettled(sts(2, undefined)), 'no status yet');
  t.notOk(statefulSetSettled(sts(3, SETTLED)), 'the controller has not seen the latest spec');
  t.ok(statefulSetSettled(sts(1, SETTLED)), 'observedGeneration ahead of a stale cache is fine');
  t.notOk(statefulSetSettled(sts(2, { ...SETTLED, updateRevision: 'node-1-def' })), 'revision mismatch: the pod runs the old revision');
  t.ok(statefulSetSettled(sts(2, { ...SETTLED, currentRevision: undefined, updateRevision: undefined })), 'no revisions reported: not held against it');
  t.notOk(statefulSetSettled(sts(2, { ...SETTLED, readyReplicas: 0 })), 'pod not ready');
  t.notOk(statefulSetSettled(sts(2, { ...SETTLED, readyReplicas: undefined })), 'readyReplicas absent (0)');
  t.notOk(statefulSetSettled(sts(2, { ...SETTLED, updatedReplicas: 0 })), 'pod not updated');
  t.ok(statefulSetSettled(sts(undefined, { ...SETTLED, observedGeneration: 1 })), 'no generation: taken as 1');
  t.notOk(statefulSetSettled(sts(undefined, { ...SETTLED, observedGeneration: undefined })), 'no generation, nothing observed');
});

const pod = (status: Record<string, unknown> | undefined, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'node-1-0', namespace: 'ns', ...meta },
  ...(status !== undefined ? { status } : {}),
});
const ready = (s: string) => ({ conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'ContainersReady', status: s }, { type: 'Ready', status: s }] });

t.test('podReady', async (t) => {
  t.ok(podReady(pod(ready('True'))));
  t.notOk(podReady(pod(ready('False'))));
  t.notOk(podReady(pod(ready('True'), { deletionTimestamp: '2024-05-01T10:00:00Z' })), 'a terminating pod is not ready');
  t.notOk(podReady(undefined));
  t.notOk(podReady(pod(undefined)), 'no status');
  t.notOk(podReady(pod({ conditions: [] })));
  t.notOk(podReady(pod({ conditions: [{ type: 'ContainersReady', status: 'True' }] })), 'only the Ready condition counts');
  t.notOk(podReady(pod({ conditions: [{ type: 'Ready', status: 'Unknown' }] })));
});

t.test('podRestarts', async (t) => {
  t.equal(podRestarts(undefined), 0);
  t.equal(podRestarts(pod(undefined)), 0);
  t.equal(podRestarts(pod({ containerStatuses: [] })), 0);
  t.equal(podRestarts(pod({ containerStatuses: [{ restartCount: 3 }, { restartCount: 4 }, {}] })), 7, 'summed over containers');
});

t.test('podFailure', async (t) => {
  const waiting = (reason: string, message?: string) => ({ state: { waiting: { reason, ...(message !== undefined ? { message } : {}) } } });
  t.equal(podFailure(pod({ containerStatuses: [waiting('CrashLoopBackOff', 'back-off 5m0s restarting failed container')] })), 'CrashLoopBackOff: back-off 5m0s restarting failed container');
  t.equal(podFailure(pod({ containerStatuses: [waiting('ImagePullBackOff')] })), 'ImagePullBackOff', 'without a message');
  for (const reason of ['ErrImagePull', 'CreateContainerConfigError', 'InvalidImageName']) t.equal(podFailure(pod({ containerStatuses: [waiting(reason, 'm')] })), `${reason}: m`);
  t.equal(podFailure(pod({ containerStatuses: [waiting('ContainerCreating')] })), undefined, 'starting is not failing');
  t.equal(podFailure(pod({ containerStatuses: [waiting('PodInitializing')] })), undefined);
  t.equal(podFailure(pod({ containerStatuses: [{ state: { running: {} } }, waiting('ErrImagePull', 'not found')] })), 'ErrImagePull: not found', 'any container');
  t.equal(podFailure(pod({ containerStatuses: [{ state: { running: {} } }] })), undefined);
  t.equal(podFailure(pod(undefined)), undefined);
  t.equal(podFailure(undefined), undefined);
});

t.test('nodeSettled: the pod of the update revision, Ready, under a settled StatefulSet', async (t) => {
  const atRev = (rev: string, status = ready('True')) => pod(status, { labels: { 'controller-revision-hash': rev } });
  t.ok(nodeSettled(sts(2, SETTLED), atRev('node-1-abc')));
  t.notOk(nodeSettled(sts(2, SETTLED), atRev('node-1-old')), 'a Ready pod of another revision is not settled');
  t.notOk(nodeSettled(sts(2, SETTLED), atRev('node-1-abc', ready('False'))), 'not Ready');
  t.notOk(nodeSettled(sts(2, { ...SETTLED, observedGeneration: 1 }), atRev('node-1-abc')), 'the StatefulSet has not seen its spec');
  t.notOk(nodeSettled(sts(2, SETTLED), undefined), 'no pod');
  t.notOk(nodeSettled(undefined, atRev('node-1-abc')), 'no StatefulSet');
});

const node = (name: string, nodeId: number, spec: Partial<LedgerNodeSpec> = {}): LedgerNode => ({
  apiVersion: 'konsortium.dev/v1alpha1',
  kind: 'LedgerNode',
  metadata: { name, namespace: 'ns' },
  spec: { network: 'net', nodeId, kind: 'shared', role: 'voter', channels: { configMapRef: { name: 'g' }, names: ['main'] }, ...spec },
});

t.test('selfAddress and reachableNodes', async (t) => {
  const own = { id: 2, raftAddr: 'two.example:7000', httpAddr: 'two.example:8080' };
  const n1 = node('node-1', 1);
  const n2 = node('node-2', 2, { peers: [{ id: 1, raftAddr: 'x:1', httpAddr: 'x:2' }, own] });
  const n3 = node('node-3', 3);
  t.same(selfAddress(n2), own, 'its own entry of its spec.peers');
  t.same(selfAddress(n3), nodeAddress('ns', 'node-3', 3), 'else the headless-Service name');
  t.same(selfAddress(n3, 'cluster.local').raftAddr, 'node-3-0.node-3.ns.svc.cluster.local:7000');

  const bookEntry = { id: 1, raftAddr: 'book-one:7000', httpAddr: 'book-one:8080' };
  const book = [{ id: 9, raftAddr: 'nine:7000', httpAddr: 'nine:8080' }, bookEntry];
  const all = reachableNodes(book, [n3, n2, n1]);
  t.same(
    all.map((p) => p.id),
    [1, 2, 3, 9],
    'the book plus every node, sorted by id, once each',
  );
  t.same(all[0], bookEntry, 'the book wins for a node it lists');
  t.same(all[1], own, 'a node missing from the book: its own address');
  t.same(all[2], nodeAddress('ns', 'node-3', 3));
  t.same(all[3], book[0], 'book entries without a LedgerNode stay (a node being removed)');
  t.same(reachableNodes([], [n1], 'cluster.local')[0]!.httpAddr, 'node-1-0.node-1.ns.svc.cluster.local:8080');
  t.same(reachableNodes([], []), []);
});
