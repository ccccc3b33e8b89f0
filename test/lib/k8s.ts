/**
 * For tests against the real Kubernetes control plane that `npm run test:k8s` starts
 * (scripts/k8s/test.sh exports KUBECONFIG and puts kubectl, helm and the rest on PATH): a
 * KubeConfig, namespaces of a test's own (deleted at teardown), the CRDs from the chart, and
 * bounded waits.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CRD_DIR = path.join(REPO_ROOT, 'helm/konsortium/crds');
const run = promisify(execFile);

export function haveCluster(): boolean {
  return (process.env.KUBECONFIG ?? '') !== '';
}

export function kubeConfig(): KubeConfig {
  if (!haveCluster()) throw new Error('KUBECONFIG is not set: run this test through `npm run test:k8s` (scripts/k8s/test.sh)');
  const kc = new KubeConfig();
  kc.loadFromFile(process.env.KUBECONFIG!);
  return kc;
}

/** kubectl (from the cached binaries on PATH) against the test cluster; stdout. */
export async function kubectl(args: readonly string[], input?: string): Promise<string> {
  const child = run('kubectl', [...args], { maxBuffer: 64 << 20, timeout: 120_000 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return (await child).stdout;
}

/** The chart's CRDs, applied server-side; resolves once both are Established. */
export async function applyCrds(): Promise<void> {
  // kubectl, not client-node's object API: its typed serializer drops the x-kubernetes-* schema
  // extensions (the CEL rules among them).
  await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=konsortium-tests', '-f', CRD_DIR]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/konsortiumnetworks.konsortium.dev', 'crd/ledgernodes.konsortium.dev']);
}

let counter = 0;

/** A fresh namespace (restricted Pod Security enforced), deleted when the test ends. */
export async function testNamespace(kc: KubeConfig, t: { teardown(fn: () => unknown): void }, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++counter}`.slice(0, 63);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: { metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } } },
  });
  t.teardown(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}

/** `kubectl get -o json` of one object; null when absent. */
export async function getJson<T = Record<string, unknown>>(namespace: string, kind: string, name: string): Promise<T | null> {
  try {
    return JSON.parse(await kubectl(['-n', namespace, 'get', kind, name, '-o', 'json'])) as T;
  } catch (err) {
    if (String((err as { stderr?: string }).stderr ?? err).includes('NotFound')) return null;
    throw err;
  }
}

/** Names of the objects of `kind` in `namespace` (optionally by label selector). */
export async function names(namespace: string, kind: string, selector?: string): Promise<string[]> {
  const out = await kubectl(['-n', namespace, 'get', kind, '-o', 'name', ...(selector ? ['-l', selector] : [])]);
  return out.split('\n').filter((l) => l !== '').map((l) => l.slice(l.indexOf('/') + 1)).sort();
}

/** Applies YAML/JSON manifests (server-side); resolves with kubectl's output, rejects with its message. */
export async function apply(namespace: string, manifest: unknown): Promise<string> {
  const docs = Array.isArray(manifest) ? manifest : [manifest];
  return kubectl(['-n', namespace, 'apply', '--server-side', '--field-manager=konsortium-tests', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }));
}

/** The status of condition `type` of an object, or undefined. */
export function conditionStatus(obj: unknown, type: string): string | undefined {
  const conds = (obj as { status?: { conditions?: { type: string; status: string }[] } } | null)?.status?.conditions ?? [];
  return conds.find((c) => c.type === type)?.status;
}
