/** The kinds the operator reads and writes, and their REST paths. */
import { GROUP, NETWORK_KIND, NETWORK_PLURAL, NODE_KIND, NODE_PLURAL, VERSION } from '../api-types.js';

export interface ResourceType {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

export const R = {
  network: { group: GROUP, version: VERSION, plural: NETWORK_PLURAL, kind: NETWORK_KIND },
  ledgerNode: { group: GROUP, version: VERSION, plural: NODE_PLURAL, kind: NODE_KIND },
  statefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet' },
  service: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  configMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  pod: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  namespace: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' },
  pdb: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' },
  networkPolicy: { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy' },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' },
  event: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event' },
} as const satisfies Record<string, ResourceType>;

export function apiVersionOf(r: ResourceType): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** `/api/v1/namespaces/ns/pods/name/status`-style paths; no namespace: all namespaces. */
export function pathOf(r: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const root = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  let p = namespace === undefined ? `${root}/${r.plural}` : `${root}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}

/** Kubernetes' MicroTime (RFC 3339 with microseconds), as Leases and events.k8s.io Events want it. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}
