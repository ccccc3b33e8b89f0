/**
 * For tests against the real Kubernetes control plane that `npm run test:k8s` starts
 * (scripts/k8s/test.sh exports KUBECONFIG and puts kubectl, helm and the rest on PATH): a
 * KubeConfig, namespaces of a test's own (deleted at teardown), the CRDs from the chart, and
 * bounded waits.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { parse } from 'yaml';

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
export async function applyCrds(kc: KubeConfig): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const f of readdirSync(CRD_DIR).filter((n) => n.endsWith('.yaml')).sort()) {
    const crd = parse(readFileSync(path.join(CRD_DIR, f), 'utf8')) as KubernetesObject;
    await api.patch(crd, undefined, undefined, 'konsortium-tests', true, PatchStrategy.ServerSideApply);
  }
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
