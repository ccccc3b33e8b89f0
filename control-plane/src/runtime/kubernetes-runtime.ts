/**
 * `KubernetesNodeRuntime`: a ledger node is a `LedgerNode` custom resource (plus a Secret with
 * its keys and a ConfigMap with its genesis documents) that the operator reconciles into a
 * StatefulSet, a headless Service and the rest. The control plane never creates pods.
 *
 * - `ensureNode` applies the LedgerNode, then the Secret and the ConfigMap (owned by the
 *   LedgerNode through an ownerReference), all by server-side apply: PATCH with
 *   `application/apply-patch+yaml`, field manager `konsortium-control-plane`, `force: true`.
 *   Applying the same spec again changes nothing (not even a resourceVersion), so the call is
 *   idempotent. The operator must tolerate the Secret or ConfigMap appearing a moment after
 *   the LedgerNode. A spec the builders refuse is a RangeError before any call; a refusal by
 *   the API server (the CRD's schema or CEL rules, RBAC, a missing CRD) is a
 *   `KubernetesApiError` with the server's status code, reason and message.
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
  /** Kind (shared/dedicated), tenant, storage and resources per node (default: shared, 10Gi); a function may look it up. */
  readonly profile?: LedgerNodeProfile | ((network: string, nodeId: number) => LedgerNodeProfile | Promise<LedgerNodeProfile>);
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

/**
 * The API server refused a call (or could not be reached): `status` is the HTTP status (0: no
 * answer), `reason` the Status object's (`Invalid`, `Forbidden`, `NotFound`, …), and the
 * message names the object and carries the server's own message, e.g. the CRD's CEL rule:
 * `LedgerNode konsortium/acme-node-4: the API server refused the apply (422 Invalid):
 * LedgerNode.konsortium.dev "acme-node-4" is invalid: spec: Invalid value: "object": a
 * dedicated node names its tenant (spec.tenant)`.
 */
export class KubernetesApiError extends Error {
  readonly code = 'KUBERNETES_API_ERROR';
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
    readonly serverMessage: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'KubernetesApiError';
  }
}

/** The Status object of an ApiException's body (a string of JSON or an object), if any. */
function statusBody(body: unknown): { message?: string; reason?: string } | undefined {
  let b = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body) as unknown;
    } catch {
      return body.trim() === '' ? undefined : { message: body.trim().slice(0, 2000) };
    }
  }
  if (typeof b !== 'object' || b === null) return undefined;
  const o = b as { message?: unknown; reason?: unknown };
  return { ...(typeof o.message === 'string' ? { message: o.message } : {}), ...(typeof o.reason === 'string' ? { reason: o.reason } : {}) };
}

/** `err` (an ApiException, a network error…) as a KubernetesApiError naming the object and the call. */
export function kubernetesApiError(err: unknown, what: string, action: string): KubernetesApiError {
  if (err instanceof KubernetesApiError) return err;
  const e = err as { code?: unknown; body?: unknown; message?: unknown } | null;
  const status = typeof e?.code === 'number' ? e.code : 0;
  if (status === 0) {
    const text = typeof e?.message === 'string' ? e.message : String(err);
    return new KubernetesApiError(`${what}: the API server did not answer the ${action} (${text})`, 0, undefined, undefined, { cause: err });
  }
  const body = statusBody(e?.body);
  const reason = body?.reason;
  return new KubernetesApiError(
    `${what}: the API server refused the ${action} (${status}${reason ? ` ${reason}` : ''})${body?.message ? `: ${body.message}` : ''}`,
    status,
    reason,
    body?.message,
    { cause: err },
  );
}

async function call<T>(p: Promise<T>, what: string, action: string): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw kubernetesApiError(err, what, action);
  }
}

async function ignoreNotFound(p: Promise<unknown>, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw kubernetesApiError(err, what, 'delete');
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

  async profileOf(network: string, nodeId: number): Promise<LedgerNodeProfile> {
    const p = this.opts.profile;
    if (p === undefined) return DEFAULT_PROFILE;
    return typeof p === 'function' ? p(network, nodeId) : p;
  }

  async addresses(network: string, nodeId: number): Promise<NodeAddresses> {
    return ledgerNodeAddresses(network, nodeId, this.namespace, this.opts.clusterDomain);
  }

  async ensureNode(spec: NodeSpec): Promise<NodeAddresses> {
    const o = { namespace: this.namespace, profile: await this.profileOf(spec.network, spec.nodeId) };
    const resource = buildLedgerNode(spec, o);
    const names = ledgerNodeNames(spec.network, spec.nodeId);
    const ns = this.namespace;
    const applied = await call(
      this.customObjects.patchNamespacedCustomObject({ ...this.ref(names.base), body: resource, fieldManager: FIELD_MANAGER, force: true }, serverSideApplyOptions()),
      `LedgerNode ${ns}/${names.base}`,
      'apply',
    );
    const uid = (applied as { metadata?: { uid?: unknown } } | undefined)?.metadata?.uid;
    const owner = typeof uid === 'string' && uid !== '' ? { name: names.base, uid } : undefined;
    await call(
      this.core.patchNamespacedSecret({ name: names.secret, namespace: ns, body: buildKeysSecret(spec, o, owner), fieldManager: FIELD_MANAGER, force: true }, serverSideApplyOptions()),
      `Secret ${ns}/${names.secret}`,
      'apply',
    );
    await call(
      this.core.patchNamespacedConfigMap({ name: names.configMap, namespace: ns, body: buildGenesisConfigMap(spec, o, owner), fieldManager: FIELD_MANAGER, force: true }, serverSideApplyOptions()),
      `ConfigMap ${ns}/${names.configMap}`,
      'apply',
    );
    this.log.info({ network: spec.network, nodeId: spec.nodeId, namespace: this.namespace, join: resource.spec.join, kind: resource.spec.kind }, 'LedgerNode applied');
    return this.addresses(spec.network, spec.nodeId);
  }

  async status(network: string, nodeId: number): Promise<NodeRunStatus> {
    const names = ledgerNodeNames(network, nodeId);
    try {
      return nodeRunStatusFromResource(await this.customObjects.getNamespacedCustomObject(this.ref(names.base)));
    } catch (err) {
      if (isNotFound(err)) return { state: 'absent', restarts: 0 };
      throw kubernetesApiError(err, `LedgerNode ${this.namespace}/${names.base}`, 'read');
    }
  }

  async removeNode(network: string, nodeId: number): Promise<void> {
    const names = ledgerNodeNames(network, nodeId);
    const ns = this.namespace;
    await ignoreNotFound(this.customObjects.deleteNamespacedCustomObject({ ...this.ref(names.base), propagationPolicy: 'Background' }), `LedgerNode ${ns}/${names.base}`);
    await ignoreNotFound(this.core.deleteNamespacedSecret({ name: names.secret, namespace: ns }), `Secret ${ns}/${names.secret}`);
    await ignoreNotFound(this.core.deleteNamespacedConfigMap({ name: names.configMap, namespace: ns }), `ConfigMap ${ns}/${names.configMap}`);
    this.log.info({ network, nodeId, namespace: this.namespace }, 'LedgerNode deleted');
  }

  async close(): Promise<void> {
    // No watches or processes to stop.
  }

  private ref(name: string): CustomObjectRef {
    return { group: LEDGER_NODE_GROUP, version: LEDGER_NODE_VERSION, namespace: this.namespace, plural: LEDGER_NODE_PLURAL, name };
  }
}
