/**
 * The operator's view of the cluster: reads from the informers' caches (cheap, maybe a moment
 * old), writes straight to the API server. Writes are server-side apply for whole objects the
 * operator owns (field manager `konsortium-operator`, force: it is the owner of those fields),
 * merge patches for status, and finalizer edits guarded by resourceVersion, so a concurrent
 * writer makes the edit fail with 409 (retried by the queue) instead of being overwritten.
 */
import { FIELD_MANAGER, type KubeObject } from '../api-types.js';
import type { Informer } from './informer.js';
import { isNotFound, type KubeRest } from './rest.js';
import { apiVersionOf, microTime, pathOf, R, type ResourceType } from './resources.js';

export class Kube {
  private readonly informers = new Map<string, Informer[]>();
  private eventSeq = 0;

  constructor(readonly rest: KubeRest) {}

  addInformer(i: Informer): void {
    const list = this.informers.get(i.type.plural) ?? [];
    list.push(i);
    this.informers.set(i.type.plural, list);
  }

  /** From the cache; undefined if absent (or not watched). */
  cached(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    for (const i of this.informers.get(type.plural) ?? []) {
      const o = i.get(namespace, name);
      if (o !== undefined) return o;
    }
    return undefined;
  }

  cachedList(type: ResourceType, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const i of this.informers.get(type.plural) ?? []) for (const o of i.list()) if (namespace === undefined || o.metadata.namespace === namespace) out.push(o);
    return out;
  }

  /** A live read (not cached); null when absent. */
  async read(type: ResourceType, namespace: string, name: string): Promise<KubeObject | null> {
    try {
      return await this.rest.request<KubeObject>('GET', pathOf(type, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Server-side apply of a whole desired object. */
  async apply(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    if (obj.metadata.namespace === undefined) throw new Error(`invariant: ${type.kind} ${obj.metadata.name} has no namespace`);
    return this.rest.request<KubeObject>('PATCH', pathOf(type, obj.metadata.namespace, obj.metadata.name), {
      body: { ...obj, apiVersion: apiVersionOf(type), kind: type.kind },
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true },
    });
  }

  /** Creates; resolves with null if it exists already (never overwrites). */
  async createIfAbsent(type: ResourceType, obj: KubeObject): Promise<KubeObject | null> {
    try {
      return await this.rest.request<KubeObject>('POST', pathOf(type, obj.metadata.namespace), { body: { ...obj, apiVersion: apiVersionOf(type), kind: type.kind }, query: { fieldManager: FIELD_MANAGER } });
    } catch (err) {
      if ((err as { status?: number }).status === 409) return null;
      throw err;
    }
  }

  async patchStatus(type: ResourceType, namespace: string, name: string, status: unknown): Promise<KubeObject> {
    return this.rest.request<KubeObject>('PATCH', pathOf(type, namespace, name, 'status'), {
      body: { status },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** Sets the finalizer list, only if the object is still at `resourceVersion` (else 409). */
  async setFinalizers(type: ResourceType, obj: KubeObject, finalizers: string[]): Promise<KubeObject> {
    return this.rest.request<KubeObject>('PATCH', pathOf(type, obj.metadata.namespace, obj.metadata.name), {
      body: { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /**
   * Records a Kubernetes Event (events.k8s.io/v1) about `regarding`: what `kubectl describe`
   * and `kubectl get events` show. Events are for people; a failure to record one is only
   * returned, never thrown at the reconcile.
   */
  async event(regarding: { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; uid?: string } }, type: 'Normal' | 'Warning', reason: string, note: string, instance: string): Promise<Error | null> {
    const ns = regarding.metadata.namespace ?? 'default';
    try {
      await this.rest.request('POST', pathOf(R.event, ns), {
        body: {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          // `<object>.<hex time>`, as client-go names events (a generateName may not end in '.').
          metadata: { name: `${regarding.metadata.name}.${(Date.now() * 1000 + (this.eventSeq++ % 1000)).toString(16)}`, namespace: ns },
          eventTime: microTime(Date.now()),
          reportingController: 'konsortium.dev/operator',
          reportingInstance: instance,
          action: reason,
          reason,
          type,
          note: note.slice(0, 1024),
          regarding: { apiVersion: regarding.apiVersion, kind: regarding.kind, name: regarding.metadata.name, namespace: ns, uid: regarding.metadata.uid },
        },
      });
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  async delete(type: ResourceType, namespace: string, name: string, propagationPolicy: 'Background' | 'Foreground' = 'Background'): Promise<void> {
    try {
      await this.rest.request('DELETE', pathOf(type, namespace, name), { body: { propagationPolicy } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
