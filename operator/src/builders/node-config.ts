/**
 * The node's ConfigMap: the settings it runs with (address book, command line, image), for
 * people and tools to read without decoding the StatefulSet. No secrets: keys stay in the Secret.
 */
import { type KubeObject, type LedgerNode, SPEC_HASH_ANNOTATION } from '../api-types.js';
import { nodeLabels, nodeNames, ownerRef, specHash } from './meta.js';
import type { NodeSettings } from './node-settings.js';

export function buildNodeConfigMap(node: LedgerNode, s: NodeSettings): KubeObject {
  const data = {
    'settings.json': JSON.stringify({ network: node.spec.network, nodeId: node.spec.nodeId, image: s.image, self: s.self, peers: s.peers, args: s.args }, null, 2),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: nodeNames(node).config, namespace: node.metadata.namespace, labels: nodeLabels(node), ownerReferences: [ownerRef(node)], annotations: { [SPEC_HASH_ANNOTATION]: specHash(data) } },
    data,
  };
}
