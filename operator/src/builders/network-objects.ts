/**
 * Objects of a whole network, owned by its KonsortiumNetwork:
 * - a PodDisruptionBudget over all its node pods with maxUnavailable 1, so a drain never takes
 *   two nodes of a Raft group down at once (a per-node budget would block every drain);
 * - a NetworkPolicy: the Raft port only from the network's own nodes, the HTTP API from any pod
 *   of the namespace (control plane, portal, clients), nothing else.
 */
import { type KonsortiumNetwork, type KubeObject, LABEL, NODE_HTTP_PORT, NODE_RAFT_PORT, SPEC_HASH_ANNOTATION } from '../api-types.js';
import { networkLabels, ownerRef, specHash } from './meta.js';

const nodesOf = (net: KonsortiumNetwork): Record<string, string> => ({ [LABEL.network]: net.metadata.name, [LABEL.component]: 'ledger-node' });

export function buildNetworkPdb(net: KonsortiumNetwork): KubeObject {
  const spec = { maxUnavailable: 1, selector: { matchLabels: nodesOf(net) } };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: `${net.metadata.name}-nodes`, namespace: net.metadata.namespace, labels: networkLabels(net), ownerReferences: [ownerRef(net)], annotations: { [SPEC_HASH_ANNOTATION]: specHash(spec) } },
    spec,
  };
}

export function buildNetworkPolicy(net: KonsortiumNetwork): KubeObject {
  const spec = {
    podSelector: { matchLabels: nodesOf(net) },
    policyTypes: ['Ingress'],
    ingress: [
      { from: [{ podSelector: { matchLabels: nodesOf(net) } }], ports: [{ protocol: 'TCP', port: NODE_RAFT_PORT }] },
      { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: NODE_HTTP_PORT }] },
    ],
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${net.metadata.name}-nodes`, namespace: net.metadata.namespace, labels: networkLabels(net), ownerReferences: [ownerRef(net)], annotations: { [SPEC_HASH_ANNOTATION]: specHash(spec) } },
    spec,
  };
}
