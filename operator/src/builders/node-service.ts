/** The headless Service of a node: stable DNS for its pod, published before Ready so peers find it while it catches up. */
import { type KubeObject, type LedgerNode, NODE_HTTP_PORT, NODE_RAFT_PORT, SPEC_HASH_ANNOTATION } from '../api-types.js';
import { nodeLabels, nodeNames, nodeSelector, ownerRef, specHash } from './meta.js';

export function buildNodeService(node: LedgerNode): KubeObject {
  const spec = {
    clusterIP: 'None',
    publishNotReadyAddresses: true,
    selector: nodeSelector(node),
    ports: [
      { name: 'raft', port: NODE_RAFT_PORT, targetPort: 'raft', protocol: 'TCP' },
      { name: 'http', port: NODE_HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
    ],
  };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: nodeNames(node).base, namespace: node.metadata.namespace, labels: nodeLabels(node), ownerReferences: [ownerRef(node)], annotations: { [SPEC_HASH_ANNOTATION]: specHash(spec) } },
    spec,
  };
}
