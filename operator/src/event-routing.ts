/**
 * Which reconcile a watch event asks for — and whether it asks for one at all. Every object
 * change the operator causes comes back as an event; reconciling on each would multiply the
 * work (a node's pod alone changes five times on its way to Ready). So each object's
 * "signature" — only what the reconcilers read of it — is remembered, and an event whose
 * signature did not change asks for nothing. A LedgerNode whose status alone changed asks its
 * network to sum up again, a moment later, so a burst of node changes costs one network pass.
 */
import { type KubeObject, LABEL, type LedgerNode, SPEC_HASH_ANNOTATION } from './api-types.js';
import type { Kube } from './kube/kube.js';
import { R, type ResourceType } from './kube/resources.js';
import { podFailure, podReady, podRestarts } from './reconcile/node-state.js';

export type Enqueue = (kind: 'node' | 'network', namespace: string, name: string, delayMs?: number) => void;

/** Networks sum up their nodes this long after a node's status changed (bursts coalesce). */
export const NETWORK_SUMMARY_DELAY_MS = 1_000;

export function signature(type: ResourceType, o: KubeObject): string {
  const m = o.metadata;
  const common = { d: m.deletionTimestamp, f: m.finalizers };
  switch (type) {
    case R.ledgerNode:
    case R.network:
      return JSON.stringify({ ...common, g: m.generation, a: m.annotations, l: m.labels });
    case R.statefulSet: {
      const s = (o.status ?? {}) as Record<string, unknown>;
      return JSON.stringify({ ...common, g: m.generation, h: m.annotations?.[SPEC_HASH_ANNOTATION], s: [s.observedGeneration, s.readyReplicas, s.updatedReplicas, s.currentRevision, s.updateRevision] });
    }
    case R.pod:
      return JSON.stringify({ ...common, r: podReady(o), n: podRestarts(o), x: podFailure(o), v: m.labels?.['controller-revision-hash'] });
    default:
      // Objects the operator applies: any change by anyone (a new resourceVersion) is worth a look.
      return JSON.stringify({ ...common, v: m.resourceVersion });
  }
}

export class EventRouter {
  private readonly last = new Map<string, string>();
  private readonly networkGenerations = new Map<string, number>();

  constructor(
    private readonly kube: Kube,
    private readonly enqueue: Enqueue,
  ) {}

  route(type: ResourceType, event: 'upsert' | 'delete', obj: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    const key = `${type.plural}/${ns}/${obj.metadata.name}`;
    let changed = true;
    if (event === 'delete') this.last.delete(key);
    else {
      const sig = signature(type, obj);
      changed = this.last.get(key) !== sig;
      this.last.set(key, sig);
    }
    if (type === R.ledgerNode) {
      const n = obj as unknown as LedgerNode;
      if (changed) this.enqueue('node', ns, n.metadata.name);
      this.enqueue('network', ns, n.spec.network, NETWORK_SUMMARY_DELAY_MS);
      return;
    }
    if (!changed) return;
    if (type === R.network) {
      this.enqueue('network', ns, obj.metadata.name);
      // A spec change (new generation) may change every node's settings; a status change does not.
      const gen = obj.metadata.generation ?? 0;
      if (event === 'delete') this.networkGenerations.delete(key);
      else if (this.networkGenerations.get(key) !== gen) {
        this.networkGenerations.set(key, gen);
        for (const n of this.kube.cachedList(R.ledgerNode, ns)) if ((n as unknown as LedgerNode).spec.network === obj.metadata.name) this.enqueue('node', ns, n.metadata.name);
      }
      return;
    }
    const node = obj.metadata.labels?.[LABEL.ledgerNode];
    if (node !== undefined) {
      this.enqueue('node', ns, node);
      return;
    }
    const network = obj.metadata.labels?.[LABEL.network];
    if (network !== undefined) this.enqueue('network', ns, network);
  }
}
