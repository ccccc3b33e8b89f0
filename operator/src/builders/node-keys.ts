/**
 * Node keys the operator makes when a LedgerNode names no keys Secret: a block-signing key in
 * the network's suite and an X25519 seal key, in the node's key-file format. Made once and
 * never rewritten (keys are identity: the Secret is created, not applied). The public halves
 * go to the LedgerNode's status so that an admin can register the node in governance.
 */
import { type SuiteId, suiteById, toHex, x25519KeyPair } from '@konsortium/protocol';
import { KEYS_SECRET_KEY, type KubeObject, type LedgerNode } from '../api-types.js';
import { nodeLabels, nodeNames, ownerRef } from './meta.js';

export interface GeneratedKeys {
  readonly secret: KubeObject;
  readonly publicKey: string;
  readonly sealKey: string;
}

export function generateNodeKeys(node: LedgerNode, suite: SuiteId): GeneratedKeys {
  const signing = suiteById(suite).generateKeyPair();
  const seal = x25519KeyPair();
  const file = { [suite]: toHex(signing.privateKey), seal: toHex(seal.privateKey) };
  return {
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: nodeNames(node).generatedKeys,
        namespace: node.metadata.namespace,
        labels: nodeLabels(node),
        ownerReferences: [ownerRef(node)],
        annotations: { 'konsortium.dev/public-key': toHex(signing.publicKey), 'konsortium.dev/seal-key': toHex(seal.publicKey) },
      },
      stringData: { [KEYS_SECRET_KEY]: JSON.stringify(file) },
    },
    publicKey: toHex(signing.publicKey),
    sealKey: toHex(seal.publicKey),
  };
}
