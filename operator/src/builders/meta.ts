/** Names, labels, owner references and the spec hash shared by the builders. */
import { createHash } from 'node:crypto';
import { API_VERSION, LABEL, type KonsortiumNetwork, type LedgerNode, NETWORK_KIND, NODE_KIND, type OwnerReference } from '../api-types.js';

export const OPERATOR_NAME = 'konsortium-operator';

export interface NodeNames {
  /** StatefulSet and headless Service: the LedgerNode's own name. */
  readonly base: string;
  readonly pod: string;
  readonly config: string;
  /** The keys Secret the operator generates when the spec names none. */
  readonly generatedKeys: string;
}

export function nodeNames(node: LedgerNode): NodeNames {
  const base = node.metadata.name;
  return { base, pod: `${base}-0`, config: `${base}-config`, generatedKeys: `${base}-keys` };
}

/** Labels every object of a node carries; the selector uses `ledgerNode` only. */
export function nodeLabels(node: LedgerNode): Record<string, string> {
  return {
    [LABEL.name]: 'konsortium-node',
    [LABEL.instance]: node.metadata.name,
    [LABEL.partOf]: 'konsortium',
    [LABEL.managedBy]: OPERATOR_NAME,
    [LABEL.component]: 'ledger-node',
    [LABEL.network]: node.spec.network,
    [LABEL.nodeId]: String(node.spec.nodeId),
    [LABEL.ledgerNode]: node.metadata.name,
  };
}

export function nodeSelector(node: LedgerNode): Record<string, string> {
  return { [LABEL.ledgerNode]: node.metadata.name };
}

export function networkLabels(net: KonsortiumNetwork): Record<string, string> {
  return {
    [LABEL.name]: 'konsortium-network',
    [LABEL.instance]: net.metadata.name,
    [LABEL.partOf]: 'konsortium',
    [LABEL.managedBy]: OPERATOR_NAME,
    [LABEL.network]: net.metadata.name,
  };
}

/** The controller owner reference: the garbage collector deletes the object with its owner. */
export function ownerRef(owner: LedgerNode | KonsortiumNetwork): OwnerReference {
  if (owner.metadata.uid === undefined) throw new Error(`owner ${owner.metadata.name} has no uid yet`);
  return {
    apiVersion: API_VERSION,
    kind: owner.kind === NODE_KIND ? NODE_KIND : NETWORK_KIND,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A stable hash of a desired object (keys sorted), stored in an annotation to skip no-op applies. */
export function specHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex').slice(0, 16);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
