/**
 * A ledger node's StatefulSet (one replica: each node has its own identity, keys and Raft id,
 * so nodes are separate StatefulSets rather than replicas of one) with its data volume, and
 * the pod meeting the restricted Pod Security Standard. The pod template carries the hash of
 * the node's settings, so any change rolls the pod, and the operator decides when (one node of
 * a network at a time).
 */
import { type LedgerNode, NODE_HTTP_PORT, NODE_RAFT_PORT, SPEC_HASH_ANNOTATION, DEFAULT_STORAGE_SIZE, type KubeObject } from '../api-types.js';
import { nodeLabels, nodeNames, nodeSelector, ownerRef, specHash } from './meta.js';
import { DATA_DIR, GENESIS_DIR, KEYS_DIR, type NodeSettings } from './node-settings.js';

const NODE_UID = 10001;
const DEFAULT_RESOURCES = { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '2Gi' } };

export function buildStatefulSet(node: LedgerNode, s: NodeSettings): KubeObject {
  const names = nodeNames(node);
  const labels = nodeLabels(node);
  const podSpec = {
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 30,
    securityContext: { runAsNonRoot: true, runAsUser: NODE_UID, runAsGroup: NODE_UID, fsGroup: NODE_UID, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'node',
        image: s.image,
        args: [...s.args],
        ports: [
          { name: 'raft', containerPort: NODE_RAFT_PORT, protocol: 'TCP' },
          { name: 'http', containerPort: NODE_HTTP_PORT, protocol: 'TCP' },
        ],
        readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
        startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 150 },
        resources: node.spec.resources ?? DEFAULT_RESOURCES,
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [
          { name: 'data', mountPath: DATA_DIR },
          { name: 'keys', mountPath: KEYS_DIR, readOnly: true },
          { name: 'genesis', mountPath: GENESIS_DIR, readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      { name: 'keys', secret: { secretName: s.keysSecret.name, defaultMode: 0o400 } },
      { name: 'genesis', configMap: { name: node.spec.channels.configMapRef.name } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ],
  };
  const template = { metadata: { labels }, spec: podSpec };
  const hash = specHash(template);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: names.base, namespace: node.metadata.namespace, labels, ownerReferences: [ownerRef(node)], annotations: { [SPEC_HASH_ANNOTATION]: hash } },
    spec: {
      replicas: 1,
      serviceName: names.base,
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      // The node left Raft before its LedgerNode goes (the finalizer), so its data can go too.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      selector: { matchLabels: nodeSelector(node) },
      template: { metadata: { labels, annotations: { [SPEC_HASH_ANNOTATION]: hash } }, spec: podSpec },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(node.spec.storage?.storageClassName !== undefined ? { storageClassName: node.spec.storage.storageClassName } : {}),
            resources: { requests: { storage: node.spec.storage?.size ?? DEFAULT_STORAGE_SIZE } },
          },
        },
      ],
    },
  };
}
