/**
 * The CustomResourceDefinitions of `KonsortiumNetwork` and `LedgerNode`: OpenAPI v3 schemas and
 * CEL rules, so that the API server itself refuses a bad spec with a message that says what
 * is wrong, before the operator ever sees it. Pure data; `konsortium-operator crds` prints them
 * and the Helm chart carries them (a test keeps the chart's copy equal to these).
 */
import { GROUP, NETWORK_KIND, NETWORK_PLURAL, NODE_KIND, NODE_PLURAL, VERSION } from './api-types.js';

type Schema = Record<string, unknown>;

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$';
const HOST_PORT = '^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$';

const str = (maxLength: number, extra: Schema = {}): Schema => ({ type: 'string', maxLength, ...extra });
const int = (minimum: number, maximum: number, extra: Schema = {}): Schema => ({ type: 'integer', minimum, maximum, ...extra });
const immutable = (what: string): Schema => ({ 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${what} is immutable` }] });

const quantityMap: Schema = { type: 'object', maxProperties: 16, additionalProperties: str(64, { pattern: QUANTITY }) };

const conditions: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
    properties: {
      type: str(64),
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      reason: str(128),
      message: str(4096),
      lastTransitionTime: { type: 'string', format: 'date-time' },
      observedGeneration: int(0, Number.MAX_SAFE_INTEGER),
    },
  },
};

const secretKeyRef: Schema = {
  type: 'object',
  required: ['name', 'key'],
  properties: { name: str(253, { pattern: DNS_LABEL.replace('[-a-z0-9]', '[-.a-z0-9]') }), key: str(253, { pattern: '^[-._a-zA-Z0-9]+$' }) },
};

const channelName = str(63, { pattern: DNS_LABEL });

const networkSpec: Schema = {
  type: 'object',
  required: ['suite', 'channels'],
  properties: {
    suite: { type: 'string', enum: ['intl', 'gost', 'sm'], description: 'Crypto suite of the channels: intl (Ed25519/SHA-256), gost, sm.', ...immutable('suite') },
    channels: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: { type: 'object', required: ['name'], properties: { name: channelName } },
      'x-kubernetes-validations': [{ rule: 'oldSelf.all(c, self.exists(n, n.name == c.name))', message: 'channels cannot be removed' }],
    },
    consensus: {
      type: 'object',
      properties: {
        tickMs: int(10, 10_000, { default: 100 }),
        electionTicks: int(2, 1000, { default: 10 }),
        heartbeatTicks: int(1, 100, { default: 1 }),
        snapshotEntries: int(100, 100_000_000, { default: 10_000 }),
      },
      'x-kubernetes-validations': [{ rule: '!has(self.electionTicks) || !has(self.heartbeatTicks) || self.electionTicks > self.heartbeatTicks', message: 'consensus.electionTicks must be greater than consensus.heartbeatTicks' }],
    },
    image: str(512, { minLength: 1 }),
    manageMembership: { type: 'boolean', default: true, description: 'Raft membership follows the LedgerNodes (learner, promotion, removal).' },
    adminTokenSecretRef: secretKeyRef,
  },
};

const networkStatus: Schema = {
  type: 'object',
  properties: {
    observedGeneration: int(0, Number.MAX_SAFE_INTEGER),
    nodes: int(0, 100_000),
    readyNodes: int(0, 100_000),
    channels: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        required: ['name', 'leader', 'voters', 'learners'],
        properties: {
          name: str(63),
          leader: int(0, 65_535),
          voters: { type: 'array', maxItems: 1000, items: int(1, 65_535) },
          learners: { type: 'array', maxItems: 1000, items: int(1, 65_535) },
        },
      },
    },
    conditions,
  },
};

const peer: Schema = {
  type: 'object',
  required: ['id', 'raftAddr', 'httpAddr'],
  properties: { id: int(1, 65_535), raftAddr: str(260, { pattern: HOST_PORT }), httpAddr: str(260, { pattern: HOST_PORT }) },
};

const nodeSpec: Schema = {
  type: 'object',
  required: ['network', 'nodeId', 'kind', 'role', 'channels'],
  properties: {
    network: str(40, { minLength: 1, pattern: DNS_LABEL, description: 'The KonsortiumNetwork (same namespace); also the Raft cluster id.', ...immutable('network') }),
    nodeId: int(1, 65_535, { description: 'Raft node id, unique in the network.', ...immutable('nodeId') }),
    kind: { type: 'string', enum: ['shared', 'dedicated'], description: 'Shared pool of the SaaS tenants, or a tenant\'s own node.' },
    tenant: str(63, { minLength: 1, pattern: '^[A-Za-z0-9_-]+$' }),
    role: { type: 'string', enum: ['voter', 'learner'], description: 'The Raft role to reach: a voter joins as a learner and is promoted once caught up.' },
    join: { type: 'boolean', default: false, description: 'Not in the genesis: start empty and be added to Raft.', ...immutable('join') },
    channels: {
      type: 'object',
      required: ['configMapRef', 'names'],
      properties: {
        configMapRef: { type: 'object', required: ['name'], properties: { name: str(253, { minLength: 1 }) } },
        names: { type: 'array', minItems: 1, maxItems: 64, 'x-kubernetes-list-type': 'set', items: channelName },
      },
    },
    keysSecretRef: secretKeyRef,
    peers: {
      type: 'array',
      maxItems: 1000,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['id'],
      items: peer,
    },
    authJwksUrl: str(2048, { pattern: '^https?://' }),
    storage: {
      type: 'object',
      properties: { size: str(32, { pattern: QUANTITY, default: '10Gi' }), storageClassName: str(253) },
    },
    resources: { type: 'object', properties: { requests: quantityMap, limits: quantityMap } },
    image: str(512, { minLength: 1 }),
  },
  'x-kubernetes-validations': [
    { rule: "self.kind != 'dedicated' || has(self.tenant)", message: 'a dedicated node names its tenant (spec.tenant)' },
    { rule: "self.kind != 'shared' || !has(self.tenant)", message: 'a shared node serves every tenant: spec.tenant must be empty' },
    { rule: '!has(self.peers) || self.peers.exists(p, p.id == self.nodeId)', message: 'spec.peers must include this node (id == spec.nodeId)' },
    { rule: "!has(oldSelf.tenant) || (has(self.tenant) && self.tenant == oldSelf.tenant)", message: 'spec.tenant is immutable once set' },
    // On spec, not on storage: a rule on storage would not run when storage was absent before.
    {
      rule: "(has(self.storage) && has(self.storage.size) ? self.storage.size : '10Gi') == (has(oldSelf.storage) && has(oldSelf.storage.size) ? oldSelf.storage.size : '10Gi')",
      message: 'spec.storage.size is immutable (the volume claim template of a StatefulSet cannot change)',
    },
    {
      rule: "(has(self.storage) && has(self.storage.storageClassName) ? self.storage.storageClassName : '') == (has(oldSelf.storage) && has(oldSelf.storage.storageClassName) ? oldSelf.storage.storageClassName : '')",
      message: 'spec.storage.storageClassName is immutable',
    },
  ],
};

const nodeStatus: Schema = {
  type: 'object',
  properties: {
    observedGeneration: int(0, Number.MAX_SAFE_INTEGER),
    raftRole: { type: 'string', enum: ['voter', 'learner', 'none'] },
    publicKey: str(256),
    sealKey: str(128),
    restarts: int(0, Number.MAX_SAFE_INTEGER),
    conditions,
  },
};

function crd(kind: string, plural: string, shortNames: string[], spec: Schema, status: Schema, columns: Schema[]): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'konsortium' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, shortNames, categories: ['konsortium'] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec, status },
            },
          },
        },
      ],
    },
  };
}

const readyColumn: Schema = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const ageColumn: Schema = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export function networkCrd(): Schema {
  return crd(NETWORK_KIND, NETWORK_PLURAL, ['knet'], networkSpec, networkStatus, [
    { name: 'Suite', type: 'string', jsonPath: '.spec.suite' },
    { name: 'Nodes', type: 'integer', jsonPath: '.status.nodes' },
    { name: 'Ready Nodes', type: 'integer', jsonPath: '.status.readyNodes' },
    readyColumn,
    ageColumn,
  ]);
}

export function ledgerNodeCrd(): Schema {
  return crd(NODE_KIND, NODE_PLURAL, ['lnode'], nodeSpec, nodeStatus, [
    { name: 'Network', type: 'string', jsonPath: '.spec.network' },
    { name: 'Node', type: 'integer', jsonPath: '.spec.nodeId' },
    { name: 'Kind', type: 'string', jsonPath: '.spec.kind' },
    { name: 'Raft', type: 'string', jsonPath: '.status.raftRole' },
    readyColumn,
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
    ageColumn,
  ]);
}

export function allCrds(): Schema[] {
  return [networkCrd(), ledgerNodeCrd()];
}
