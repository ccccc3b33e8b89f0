/**
 * The informer against the real API server: when a watch resumes from a resourceVersion the
 * server no longer has, the server says 410 ("too old resource version") and the informer
 * lists again — and an object deleted while it was not watching is reported deleted, not lost.
 * (The stale resume is provoked by rewriting the resourceVersion of the first watch request;
 * the 410 and everything after it are the API server's own.)
 */
import t from 'tap';
import { Informer, KubeRest, R } from '@konsortium/operator';
import { apply, haveCluster, kubeConfig, kubectl, testNamespace } from '../../../test/lib/k8s.js';
import { waitFor } from '../../../test/lib/process.js';

/** A KubeRest whose first watch waits for a go-ahead and then asks for resourceVersion 1. */
class StaleFirstWatch extends KubeRest {
  private first = true;
  goAhead!: () => void;
  readonly held = new Promise<void>((resolve) => (this.goAhead = resolve));

  override async stream(path: string, query: Parameters<KubeRest['stream']>[1], onEvent: (e: unknown) => void, signal: AbortSignal): Promise<void> {
    if (this.first && query !== undefined && query.watch !== undefined) {
      this.first = false;
      await this.held;
      return super.stream(path, { ...query, resourceVersion: '1' }, onEvent, signal);
    }
    return super.stream(path, query, onEvent, signal);
  }
}

if (!haveCluster()) {
  t.comment('skipped: needs the real control plane; run through `npm run test:k8s`');
} else {
  t.test('a watch that resumes too late relists, and reports what went meanwhile as deleted', async (t) => {
    const kc = kubeConfig();
    const ns = await testNamespace(kc, t, 'op-informer');
    await apply(ns, ['a', 'b', 'c'].map((n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, labels: { set: 'x' } }, data: {} })));
    const rest = new StaleFirstWatch(kc);
    const informer = new Informer(rest, R.configMap, { namespace: ns, labelSelector: 'set=x' });
    const events: string[] = [];
    informer.on((e, o) => events.push(`${e} ${o.metadata.name}`));
    informer.start();
    t.teardown(async () => {
      await informer.stop();
      rest.close();
    });
    await informer.waitForSync();
    t.equal(informer.lists, 1);
    t.same(informer.list().map((o) => o.metadata.name).sort(), ['a', 'b', 'c']);

    // While "disconnected": b goes, d comes.
    await kubectl(['-n', ns, 'delete', 'configmap', 'b']);
    await apply(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', labels: { set: 'x' } }, data: {} });
    events.length = 0;
    rest.goAhead();

    await waitFor(async () => (informer.lists >= 2 && informer.get(ns, 'd') !== undefined ? true : undefined), { timeoutMs: 30_000, what: 'a relist after the 410' });
    t.equal(informer.lists, 2, 'the 410 made it list again');
    t.same(informer.list().map((o) => o.metadata.name).sort(), ['a', 'c', 'd']);
    t.ok(events.includes('delete b'), `b, deleted while unwatched, is reported deleted (${events.join(', ')})`);
    t.ok(events.includes('upsert d'), 'd, made meanwhile, is reported');

    // And it watches again from the new list: a later change arrives.
    await apply(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e', labels: { set: 'x' } }, data: {} });
    await waitFor(async () => (informer.get(ns, 'e') !== undefined ? true : undefined), { timeoutMs: 30_000, what: 'e seen by the watch' });
    t.equal(informer.lists, 2, 'seen by the watch, with no further list');
  });
}
