/**
 * Checks shared by the runtimes: a NodeSpec is refused up front (RangeError naming the field)
 * rather than turned into a node that cannot start.
 */
import { isChannelName } from '@konsortium/protocol';
import type { NodeSpec } from './node-runtime.js';

/** Network names: the node's `--cluster-id` rules, starting with a letter or digit. */
const NETWORK_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkNetwork(network: string): void {
  if (typeof network !== 'string' || !NETWORK_RE.test(network)) {
    throw new RangeError(`network must be 1-64 of [A-Za-z0-9._-] starting with a letter or digit, got ${JSON.stringify(network)}`);
  }
}

export function checkNodeId(nodeId: number): void {
  if (!Number.isSafeInteger(nodeId) || nodeId < 1) throw new RangeError(`nodeId must be a positive integer, got ${String(nodeId)}`);
}

/** The channel names of the spec's genesis documents, in order; checks names and duplicates. */
export function channelNames(spec: NodeSpec): string[] {
  const names: string[] = [];
  for (const g of spec.channels) {
    const name = g['channel'];
    if (typeof name !== 'string' || !isChannelName(name)) {
      throw new RangeError(`node ${spec.nodeId}: a genesis document has no valid "channel" (got ${JSON.stringify(name)})`);
    }
    if (names.includes(name)) throw new RangeError(`node ${spec.nodeId}: channel ${name} given twice`);
    names.push(name);
  }
  return names;
}

/** Checks the whole spec (network, id, channels, keys, peers). */
export function checkSpec(spec: NodeSpec): void {
  checkNetwork(spec.network);
  checkNodeId(spec.nodeId);
  channelNames(spec);
  if (typeof spec.keys !== 'object' || spec.keys === null) throw new RangeError(`node ${spec.nodeId}: keys must be an object`);
  for (const [k, v] of Object.entries(spec.keys)) {
    if (typeof v !== 'string') throw new RangeError(`node ${spec.nodeId}: key "${k}" must be a hex string`);
  }
  if (spec.channels.length > 0 && Object.keys(spec.keys).length === 0) throw new RangeError(`node ${spec.nodeId}: a node serving channels needs keys`);
  const seen = new Set<number>();
  for (const p of spec.peers) {
    checkNodeId(p.id);
    if (seen.has(p.id)) throw new RangeError(`node ${spec.nodeId}: peer ${p.id} given twice`);
    seen.add(p.id);
  }
  if (spec.authJwksUrl !== undefined && !/^https?:\/\//.test(spec.authJwksUrl)) {
    throw new RangeError(`node ${spec.nodeId}: authJwksUrl must be an http(s) URL`);
  }
}
