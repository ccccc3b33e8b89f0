/**
 * A secret dealt to the channel's nodes (a record version's data key, a ballot key): t-of-n
 * shares, each sealed to one node's seal key. What both contracts check of a dealing without
 * its secrets: exactly one share per node that has a seal key, distinct indices 1..n, t ≤ n.
 */
import type { StateReader } from '@konsortium/ledger';
import { ContractError } from '@konsortium/ledger';
import { K as GOV, type NodeEntry } from './governance/model.js';

export interface DealtShare {
  readonly nodeId: number;
  readonly index: number;
  readonly sealed: string;
}

/** The channel's nodes that hold key shares (those with a seal key), sorted by node id. */
export function shareholders(state: StateReader): NodeEntry[] {
  return (state.getJson<NodeEntry[]>(GOV.nodes) ?? []).filter((n) => n.sealKey !== undefined).sort((a, b) => a.nodeId - b.nodeId);
}

const fail = (code: string, message: string): never => {
  throw new ContractError(code, message);
};

/**
 * NO_SEAL_KEYS, SHARES_MISMATCH or INVALID_THRESHOLD unless the shares are one per shareholder
 * with distinct indices in 1..n and t ≤ n; returns copies sorted by node id (what is stored).
 */
export function checkDealing(state: StateReader, threshold: number, shares: readonly DealtShare[]): DealtShare[] {
  const holders = shareholders(state);
  if (holders.length === 0) fail('NO_SEAL_KEYS', 'no node of the channel has a seal key: nobody could hold key shares');
  const n = holders.length;
  const expected = new Set(holders.map((h) => h.nodeId));
  const nodes = new Set<number>();
  const indices = new Set<number>();
  for (const s of shares) {
    if (!expected.has(s.nodeId)) fail('SHARES_MISMATCH', `node ${s.nodeId} is not a channel node with a seal key`);
    if (nodes.has(s.nodeId)) fail('SHARES_MISMATCH', `two shares for node ${s.nodeId}`);
    if (s.index > n) fail('SHARES_MISMATCH', `share index ${s.index} is outside 1..${n}`);
    if (indices.has(s.index)) fail('SHARES_MISMATCH', `share index ${s.index} is used twice`);
    nodes.add(s.nodeId);
    indices.add(s.index);
  }
  const missing = holders.filter((h) => !nodes.has(h.nodeId)).map((h) => h.nodeId);
  if (missing.length > 0) fail('SHARES_MISMATCH', `no share for node(s) ${missing.join(', ')}: every node with a seal key gets one`);
  if (threshold > n) fail('INVALID_THRESHOLD', `threshold ${threshold} is above the ${n} shares`);
  return shares.map((s) => ({ nodeId: s.nodeId, index: s.index, sealed: s.sealed })).sort((a, b) => a.nodeId - b.nodeId);
}
