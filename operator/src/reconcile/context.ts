/** What the reconcilers share: the cluster view, membership client, defaults, clock and logs. */
import { type KubeObject, SPEC_HASH_ANNOTATION } from '../api-types.js';
import { specHash } from '../builders/meta.js';
import type { OperatorDefaults } from '../builders/node-settings.js';
import type { Kube } from '../kube/kube.js';
import { R, type ResourceType } from '../kube/resources.js';
import type { RaftMembership } from './membership.js';
import type { RolloutGate } from './rollout-gate.js';

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface ReconcileContext {
  readonly kube: Kube;
  readonly defaults: OperatorDefaults;
  /** Membership client for a network (its admin token, if any). */
  membership(namespace: string, network: string): Promise<RaftMembership>;
  readonly rollout: RolloutGate;
  readonly now: () => number;
  readonly log: Logger;
  /** Asks for a reconcile of another object (e.g. a node's network when the node changed). */
  enqueue(kind: 'node' | 'network', namespace: string, name: string): void;
  /** Ours-applied versions of owned objects, so unchanged objects are not applied again. */
  readonly applied: AppliedVersions;
  /** Writes status subresources, skipping writes that change nothing. */
  readonly status: StatusWriter;
  /** Objects the spec references (keys Secret, genesis ConfigMap) that are not ours to watch. */
  readonly refs: ReferenceChecks;
  /** Records a Kubernetes Event about an object (best effort: a failure is logged). */
  record(regarding: { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; uid?: string } }, type: 'Normal' | 'Warning', reason: string, note: string): void;
  /** Test hook: called between the steps of a reconcile (the kill-mid-reconcile test exits here). */
  readonly onStep?: (step: string, key: string) => void | Promise<void>;
}

interface Applied {
  readonly hash: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
}

/**
 * Skips a server-side apply when the live object (from the cache) still carries the hash of
 * what we would apply AND nobody changed it since our last apply (same generation, or the same
 * resourceVersion for kinds without generation). After a restart the memory is empty, so every
 * object is applied once again: level-triggered, just not wasteful in steady state.
 */
export class AppliedVersions {
  private readonly m = new Map<string, Applied>();

  async ensure(kube: Kube, type: ResourceType, desired: KubeObject): Promise<KubeObject> {
    const ns = desired.metadata.namespace ?? '';
    const key = `${type.plural}/${ns}/${desired.metadata.name}`;
    const want = desired.metadata.annotations?.[SPEC_HASH_ANNOTATION];
    if (want === undefined) throw new Error(`invariant: ${key} has no ${SPEC_HASH_ANNOTATION}`);
    const live = kube.cached(type, ns, desired.metadata.name);
    const rec = this.m.get(key);
    if (
      live !== undefined &&
      rec !== undefined &&
      rec.hash === want &&
      live.metadata.annotations?.[SPEC_HASH_ANNOTATION] === want &&
      (live.metadata.generation !== undefined ? live.metadata.generation === rec.generation : live.metadata.resourceVersion === rec.resourceVersion)
    ) {
      return live;
    }
    const out = await kube.apply(type, desired);
    this.m.set(key, { hash: want, generation: out.metadata.generation, resourceVersion: out.metadata.resourceVersion });
    return out;
  }

  forget(prefix: string): void {
    for (const k of this.m.keys()) if (k.includes(prefix)) this.m.delete(k);
  }
}

/**
 * Existence of objects a LedgerNode references but the operator does not own (the control
 * plane writes the keys Secret and genesis ConfigMap, possibly a moment after the LedgerNode).
 * Once seen they are remembered: watching every Secret of the cluster to learn it would need
 * far wider read access than the operator should have.
 */
export class ReferenceChecks {
  private readonly seen = new Set<string>();
  private readonly genesis = new Map<string, Record<string, string>>();

  constructor(private readonly kube: Kube) {}

  async exists(type: ResourceType, namespace: string, name: string): Promise<boolean> {
    const key = `${type.plural}/${namespace}/${name}`;
    if (this.seen.has(key) || this.kube.cached(type, namespace, name) !== undefined) return true;
    const live = await this.kube.read(type, namespace, name);
    if (live === null) return false;
    this.seen.add(key);
    return true;
  }

  /**
   * The node ids the genesis documents of `channels` list (ConfigMap `name`, keys
   * `<channel>.genesis.json`); null when the ConfigMap does not exist. Genesis documents do not
   * change, so each ConfigMap is read once. A document that does not parse contributes no ids
   * (the node itself refuses it at start with the reason).
   */
  async genesisNodeIds(namespace: string, name: string, channels: readonly string[]): Promise<number[] | null> {
    const key = `${namespace}/${name}`;
    let docs = this.genesis.get(key);
    if (docs === undefined) {
      const cm = await this.kube.read(R.configMap, namespace, name);
      if (cm === null) return null;
      docs = cm.data ?? {};
      this.genesis.set(key, docs);
    }
    const ids = new Set<number>();
    for (const ch of channels) {
      const text = docs[`${ch}.genesis.json`];
      if (text === undefined) continue;
      try {
        const g = JSON.parse(text) as { nodes?: { nodeId?: unknown }[] };
        for (const n of g.nodes ?? []) if (typeof n.nodeId === 'number' && Number.isSafeInteger(n.nodeId) && n.nodeId > 0) ids.add(n.nodeId);
      } catch {
        // not JSON: no ids from it
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  forget(namespace: string, _node: string): void {
    for (const k of this.seen) if (k.includes(`/${namespace}/`)) this.seen.delete(k);
    for (const k of this.genesis.keys()) if (k.startsWith(`${namespace}/`)) this.genesis.delete(k);
  }
}

/**
 * Status writes, skipped when the new status equals the object's (condition times aside) or
 * what this process wrote last: right after a write the cache still holds the old status for a
 * moment, and the reconciles that events trigger meanwhile must not write the same thing again.
 */
export class StatusWriter {
  private readonly last = new Map<string, string>();

  constructor(private readonly kube: Kube) {}

  async write(type: ResourceType, obj: { metadata: { namespace?: string; name: string }; status?: unknown }, next: Record<string, unknown>): Promise<boolean> {
    const ns = obj.metadata.namespace ?? '';
    const key = `${type.plural}/${ns}/${obj.metadata.name}`;
    const sig = statusSignature(next);
    if (sig === statusSignature(obj.status ?? {}) || sig === this.last.get(key)) return false;
    await this.kube.patchStatus(type, ns, obj.metadata.name, next);
    this.last.set(key, sig);
    return true;
  }

  forget(type: ResourceType, namespace: string, name: string): void {
    this.last.delete(`${type.plural}/${namespace}/${name}`);
  }
}

function statusSignature(status: unknown): string {
  return specHash(JSON.parse(JSON.stringify(status, (k, v: unknown) => (k === 'lastTransitionTime' ? undefined : v))) as unknown);
}
