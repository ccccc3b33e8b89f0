/**
 * `KubernetesNodeRuntime`: a ledger node is a `LedgerNode` custom resource (plus a Secret with
 * its keys and a ConfigMap with its genesis documents) that the operator reconciles into a
 * StatefulSet, a headless Service and the rest. The control plane never creates pods.
 *
 * - `ensureNode` applies the LedgerNode, then the Secret and the ConfigMap (owned by the
 *   LedgerNode through an ownerReference), all by server-side apply: PATCH with
 *   `application/apply-patch+yaml`, field manager `konsortium-control-plane`, `force: true`.
 *   Applying the same spec again changes nothing, so the call is idempotent. The operator must
 *   tolerate the Secret or ConfigMap appearing a moment after the LedgerNode.
 * - `status` reads the LedgerNode's `status.conditions` (see `nodeRunStatusFromResource`).
 * - `addresses` needs no API call: the names are fixed (see kubernetes-objects.ts).
 * - `removeNode` deletes the LedgerNode (the operator's finalizer takes the node out of Raft
 *   and removes what it created) and the Secret and ConfigMap; absent objects are fine.
 * - `close` has nothing to stop.
 *
 * Objects, names and the resource's shape: kubernetes-objects.ts.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions, type ConfigurationOptions } from '@kubernetes/client-node';
import type { NodeAddresses, NodeRunStatus, NodeRuntime, NodeSpec } from './node-runtime.js';
import {
  buildGenesisConfigMap,
  buildKeysSecret,
  buildLedgerNode,
  checkNamespace,
  DEFAULT_PROFILE,
  FIELD_MANAGER,
  LEDGER_NODE_GROUP,
  LEDGER_NODE_PLURAL,
  LEDGER_NODE_VERSION,
  ledgerNodeAddresses,
  ledgerNodeNames,
  type LedgerNodeProfile,
  nodeRunStatusFromResource,
} from './kubernetes-objects.js';
import { type RuntimeLogger, silentLogger } from './runtime-logger.js';

interface CustomObjectRef {
  group: string;
  version: string;
  namespace: string;
  plural: string;
  name: string;
}

/** The calls of `CustomObjectsApi` this runtime makes (a fake can stand in for tests). */
export interface CustomObjectsClient {
  getNamespacedCustomObject(param: CustomObjectRef, options?: ConfigurationOptions): Promise<unknown>;
  patchNamespacedCustomObject(param: CustomObjectRef & { body: unknown; fieldManager?: string; force?: boolean }, options?: ConfigurationOptions): Promise<unknown>;
  deleteNamespacedCustomObject(param: CustomObjectRef & { propagationPolicy?: string }, options?: ConfigurationOptions): Promise<unknown>;
}

interface NamespacedRef {
  name: string;
  namespace: string;
}

/** The calls of `CoreV1Api` this runtime makes. */
export interface CoreClient {
  patchNamespacedSecret(param: NamespacedRef & { body: unknown; fieldManager?: string; force?: boolean }, options?: ConfigurationOptions): Promise<unknown>;
  deleteNamespacedSecret(param: NamespacedRef, options?: ConfigurationOptions): Promise<unknown>;
  patchNamespacedConfigMap(param: NamespacedRef & { body: unknown; fieldManager?: string; force?: boolean }, options?: ConfigurationOptions): Promise<unknown>;
  deleteNamespacedConfigMap(param: NamespacedRef, options?: ConfigurationOptions): Promise<unknown>;
}

export interface KubernetesNodeRuntimeOptions {
  /** Namespace of the LedgerNodes, Secrets and ConfigMaps. */
  readonly namespace: string;
  /** Default: `loadFromDefault()` (in-cluster service account, or $KUBECONFIG / ~/.kube/config). */
  readonly kubeConfig?: KubeConfig;
  /** API clients to use instead of ones made from the kube config (tests). */
  readonly clients?: { readonly customObjects: CustomObjectsClient; readonly core: CoreClient };
  /** Kind (shared/dedicated), tenant, storage and resources per node (default: shared, 10Gi). */
  readonly profile?: LedgerNodeProfile | ((network: string, nodeId: number) => LedgerNodeProfile);
  /** Appended to the addresses' `.svc` (e.g. `cluster.local`); default none. */
  readonly clusterDomain?: string;
  readonly logger?: RuntimeLogger;
}

/** Options that make a PATCH a server-side apply. */
export function serverSideApplyOptions(): ConfigurationOptions {
  return setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 404;
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export class KubernetesNodeRuntime implements NodeRuntime {
  readonly kind = 'kubernetes' as const;
  readonly namespace: string;
  private readonly customObjects: CustomObjectsClient;
  private readonly core: CoreClient;
  private readonly log: RuntimeLogger;

  constructor(private readonly opts: KubernetesNodeRuntimeOptions) {
    checkNamespace(opts.namespace);
    this.namespace = opts.namespace;
    this.log = opts.logger ?? silentLogger;
    if (opts.clients !== undefined) {
      this.customObjects = opts.clients.customObjects;
      this.core = opts.clients.core;
    } else {
      let kc = opts.kubeConfig;
      if (kc === undefined) {
        kc = new KubeConfig();
        kc.loadFromDefault();
      }
      this.customObjects = kc.makeApiClient(CustomObjectsApi);
      this.core = kc.makeApiClient(CoreV1Api);
    }
  }

  profileOf(network: string, nodeId: number): LedgerNodeProfile {
    const p = this.opts.profile;
    if (p === undefined) return DEFAULT_PROFILE;
    return typeof p === 'function' ? p(network, nodeId) : p;
  }

  async addresses(network: string, nodeId: number): Promise<NodeAddresses> {
    return ledgerNodeAddresses(network, nodeId, this.namespace, this.opts.clusterDomain);
  }

  async ensureNode(spec: NodeSpec): Promise<NodeAddresses> {
    const o = { namespace: this.namespace, profile: this.profileOf(spec.network, spec.nodeId) };
    const resource = buildLedgerNode(spec, o);
    const names = ledgerNodeNames(spec.network, spec.nodeId);
    const applied = await this.customObjects.patchNamespacedCustomObject(
      { ...this.ref(names.base), body: resource, fieldManager: FIELD_MANAGER, force: true },
      serverSideApplyOptions(),
    );
    const uid = (applied as { metadata?: { uid?: unknown } } | undefined)?.metadata?.uid;
    const owner = typeof uid === 'string' && uid !== '' ? { name: names.base, uid } : undefined;
    await this.core.patchNamespacedSecret(
      { name: names.secret, namespace: this.namespace, body: buildKeysSecret(spec, o, owner), fieldManager: FIELD_MANAGER, force: true },
      serverSideApplyOptions(),
    );
    await this.core.patchNamespacedConfigMap(
      { name: names.configMap, namespace: this.namespace, body: buildGenesisConfigMap(spec, o, owner), fieldManager: FIELD_MANAGER, force: true },
      serverSideApplyOptions(),
    );
    this.log.info({ network: spec.network, nodeId: spec.nodeId, namespace: this.namespace, role: resource.spec.role }, 'LedgerNode applied');
    return this.addresses(spec.network, spec.nodeId);
  }

  async status(network: string, nodeId: number): Promise<NodeRunStatus> {
    const names = ledgerNodeNames(network, nodeId);
    try {
      return nodeRunStatusFromResource(await this.customObjects.getNamespacedCustomObject(this.ref(names.base)));
    } catch (err) {
      if (isNotFound(err)) return { state: 'absent', restarts: 0 };
      throw err;
    }
  }

  async removeNode(network: string, nodeId: number): Promise<void> {
    const names = ledgerNodeNames(network, nodeId);
    await ignoreNotFound(this.customObjects.deleteNamespacedCustomObject({ ...this.ref(names.base), propagationPolicy: 'Background' }));
    await ignoreNotFound(this.core.deleteNamespacedSecret({ name: names.secret, namespace: this.namespace }));
    await ignoreNotFound(this.core.deleteNamespacedConfigMap({ name: names.configMap, namespace: this.namespace }));
    this.log.info({ network, nodeId, namespace: this.namespace }, 'LedgerNode deleted');
  }

  async close(): Promise<void> {
    // No watches or processes to stop.
  }

  private ref(name: string): CustomObjectRef {
    return { group: LEDGER_NODE_GROUP, version: LEDGER_NODE_VERSION, namespace: this.namespace, plural: LEDGER_NODE_PLURAL, name };
  }
}
