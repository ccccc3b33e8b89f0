/**
 * The Kubernetes node runtime as the API and the worker run it (`--runtime kubernetes`): the
 * kube config (in the pod: its service account; else KUBECONFIG or ~/.kube/config), the
 * namespace of the LedgerNodes, each node's profile from the database (a dedicated node
 * carries its tenant's id), and a check at start that the CRD is installed and readable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { PrismaClient } from '../db/prisma.js';
import { KubernetesNodeRuntime, kubernetesApiError } from '../runtime/kubernetes-runtime.js';
import { LEDGER_NODE_GROUP, LEDGER_NODE_PLURAL, LEDGER_NODE_VERSION, type LedgerNodeProfile } from '../runtime/kubernetes-objects.js';
import type { RuntimeLogger } from '../runtime/runtime-logger.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubernetesSettings {
  /** Default: the pod's own namespace, else the kube config context's, else `default`. */
  readonly namespace?: string;
  /** The ledger node image (else the operator's default). */
  readonly nodeImage?: string;
  /** Default: `loadKubeConfig()`. */
  readonly kubeConfig?: KubeConfig;
}

/** KUBECONFIG when set, else the pod's service account, else ~/.kube/config; an Error when there is none. */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  const files = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
  if (files.length > 0) {
    kc.loadFromFile(files[0]!);
    for (const f of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(f);
      kc.mergeConfig(more);
    }
  } else if ((env.KUBERNETES_SERVICE_HOST ?? '') !== '' && existsSync(path.join(SERVICE_ACCOUNT_DIR, 'token'))) {
    kc.loadFromCluster();
  } else if (existsSync(path.join(homedir(), '.kube', 'config'))) {
    kc.loadFromFile(path.join(homedir(), '.kube', 'config'));
  } else {
    throw new Error('no Kubernetes configuration: not in a pod (no service account) and neither KUBECONFIG nor ~/.kube/config is there');
  }
  if (kc.getCurrentCluster() === null) throw new Error('the Kubernetes configuration has no current cluster (check its current-context)');
  return kc;
}

/** The namespace to use: the given one, the pod's own, the kube config context's, or `default`. */
export function resolveNamespace(kc: KubeConfig, given?: string, serviceAccountDir = SERVICE_ACCOUNT_DIR): string {
  if (given !== undefined) return given;
  const file = path.join(serviceAccountDir, 'namespace');
  if (existsSync(file)) {
    const ns = readFileSync(file, 'utf8').trim();
    if (ns !== '') return ns;
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace ?? 'default';
}

/** Each node's profile from its row: a dedicated node names its tenant (by id); the image for all. */
export function databaseProfile(db: PrismaClient, nodeImage?: string): (network: string, nodeId: number) => Promise<LedgerNodeProfile> {
  const image = nodeImage === undefined ? {} : { image: nodeImage };
  return async (network, nodeId) => {
    const row = await db.ledgerNode.findFirst({ where: { nodeId, network: { name: network } }, select: { kind: true, tenantId: true } });
    if (row?.kind === 'dedicated' && row.tenantId !== null) return { kind: 'dedicated', tenant: row.tenantId, ...image };
    return { kind: 'shared', ...image };
  };
}

/**
 * Fails with a clear message when the LedgerNode CRD is missing or this identity may not
 * read LedgerNodes in the namespace (a list of at most one).
 */
export async function checkKubernetesAccess(kc: KubeConfig, namespace: string): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    await api.listNamespacedCustomObject({ group: LEDGER_NODE_GROUP, version: LEDGER_NODE_VERSION, namespace, plural: LEDGER_NODE_PLURAL, limit: 1 });
  } catch (err) {
    const e = kubernetesApiError(err, `LedgerNodes in namespace ${namespace}`, 'list');
    if (e.status === 404) throw new Error(`${e.message} (is the LedgerNode CRD installed? helm/konsortium/crds)`, { cause: err });
    throw e;
  }
}

/** What the platform and the worker call with their database to make the runtime. */
export function kubernetesRuntime(s: KubernetesSettings, logger?: RuntimeLogger): { namespace: string; kubeConfig: KubeConfig; make: (deps: { db: PrismaClient }) => KubernetesNodeRuntime } {
  const kc = s.kubeConfig ?? loadKubeConfig();
  const namespace = resolveNamespace(kc, s.namespace);
  return {
    namespace,
    kubeConfig: kc,
    make: ({ db }) => new KubernetesNodeRuntime({ namespace, kubeConfig: kc, profile: databaseProfile(db, s.nodeImage), ...(logger ? { logger } : {}) }),
  };
}

/**
 * The runtime of a process started with `--runtime kubernetes` (the API's main.ts and
 * worker-main.ts): settings resolved, access to LedgerNodes checked at start (a clear error
 * before anything else starts), the namespace and server logged.
 */
export async function openKubernetesRuntime(r: { namespace?: string; nodeImage?: string }, logger: RuntimeLogger): Promise<(deps: { db: PrismaClient }) => KubernetesNodeRuntime> {
  const k8s = kubernetesRuntime({ namespace: r.namespace, nodeImage: r.nodeImage }, logger);
  await checkKubernetesAccess(k8s.kubeConfig, k8s.namespace);
  logger.info({ namespace: k8s.namespace, server: k8s.kubeConfig.getCurrentCluster()?.server }, 'Kubernetes node runtime');
  return k8s.make;
}
