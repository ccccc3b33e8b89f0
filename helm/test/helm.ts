/**
 * What the chart tests share: running helm (the cached binary that scripts/k8s/test.sh puts on
 * PATH), rendering the chart into objects, and the pod specs inside them.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../test/lib/k8s.js';

export const CHART_DIR = path.join(REPO_ROOT, 'helm/konsortium');
/** Non-default values: external database and Redis, watched namespaces, no portal, Ingress. */
export const EXTERNAL_VALUES = path.join(REPO_ROOT, 'helm/test/fixtures/external-values.yaml');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; resolves with its exit code (never rejects on a non-zero one). Bounded. */
export function run(cmd: string, args: readonly string[], o: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, [...args], { cwd: REPO_ROOT, maxBuffer: 64 << 20, timeout: o.timeoutMs ?? 150_000 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}${err.code === 'ENOENT' ? ' (run the tests through `npm run test:k8s`, which puts helm and kubectl on PATH)' : ''}`));
        return;
      }
      resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
    });
    child.stdin?.end(o.input ?? '');
  });
}

export function helm(args: readonly string[], timeoutMs?: number): Promise<RunResult> {
  return run('helm', args, timeoutMs === undefined ? {} : { timeoutMs });
}

/** Like `helm`, but a non-zero exit is an error carrying helm's stderr. */
export async function helmOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await helm(args, timeoutMs);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }[];
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number; seccompProfile?: { type: string } };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  initContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
}

export interface Workload {
  kind: string;
  name: string;
  object: KubeObject;
  pod: PodSpec;
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: readonly string[];
  set?: readonly string[];
}

export function templateArgs(o: RenderOptions = {}): string[] {
  return [
    'template',
    o.release ?? 'rel',
    CHART_DIR,
    '--namespace',
    o.namespace ?? 'konsortium',
    ...(o.valuesFiles ?? []).flatMap((f) => ['--values', f]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
  ];
}

/** `helm template` output as objects (CRDs are not part of it: helm installs crds/ itself). */
export async function render(o: RenderOptions = {}): Promise<{ yaml: string; objects: KubeObject[] }> {
  const yaml = await helmOk(templateArgs(o));
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(yaml)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const o = doc.toJS() as KubeObject | null;
    if (o !== null) objects.push(o);
  }
  return { yaml, objects };
}

/** Pod specs of Deployments, StatefulSets and Jobs. */
export function workloads(objects: readonly KubeObject[]): Workload[] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind))
    .map((o) => ({ kind: o.kind, name: o.metadata.name, object: o, pod: (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec }));
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name} in the rendered chart (have: ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')})`);
  return o;
}

export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** RBAC rules as "group/resource" → sorted verbs, for exact comparison. */
export function grants(rules: readonly Rule[]): Record<string, string> {
  const out: Record<string, Set<string>> = {};
  for (const r of rules) {
    for (const g of r.apiGroups) {
      for (const res of r.resources) {
        const k = `${g === '' ? 'core' : g}/${res}`;
        out[k] ??= new Set();
        for (const v of r.verbs) out[k].add(v);
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort().join(',')]));
}
