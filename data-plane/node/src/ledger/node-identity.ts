/**
 * Which node this process is in a channel, and on whose word. A node named in the channel's
 * genesis is vouched for by the genesis document: its keys are checked against it before the
 * channel opens, as always. A node provisioned later is not in the genesis; it may open the
 * channel only to join it (`--join`, or a data directory it joined with before), and its keys
 * are then checked against the committed governance state instead (registration-gate.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Genesis } from '@konsortium/contracts';
import { type CryptoSuite, toHex } from '@konsortium/protocol';
import { BootError } from '../runtime/boot.js';
import { opensslX25519 } from './server-x25519.js';

/** The public keys this node holds, as governance records them (lower-case hex). */
export interface NodeIdentity {
  readonly nodeId: number;
  /** Block-signing public key in the channel's suite. */
  readonly publicKey: string;
  /** X25519 public key that key shares are sealed to; null: the key file has no "seal" key. */
  readonly sealKey: string | null;
}

export function nodeIdentity(nodeId: number, suite: CryptoSuite, signingKey: Uint8Array, sealKey: Uint8Array | null): NodeIdentity {
  return { nodeId, publicKey: toHex(suite.publicKeyOf(signingKey)), sealKey: sealKey === null ? null : toHex(opensslX25519.publicKey(sealKey)) };
}

/** Whether the channel's Raft data under `channelDir` exists: the node started it before. */
export function hasChannelData(channelDir: string): boolean {
  return existsSync(path.join(channelDir, 'raft', 'node.json'));
}

/**
 * 'genesis' when the genesis lists the node (its keys must match, else BootError); 'joiner'
 * when it does not and the node joins (or joined before); BootError otherwise.
 */
export function channelStanding(g: Genesis, self: NodeIdentity, joining: boolean): 'genesis' | 'joiner' {
  const entry = g.nodes.find((n) => n.nodeId === self.nodeId);
  if (entry === undefined) {
    if (joining) return 'joiner';
    throw new BootError(
      `node ${self.nodeId} is not a node of channel ${g.channel} (not in its genesis); to join it, register the node in governance (governance.setNode), ` +
        `add it as a learner on the leader (POST /v1/channels/${g.channel}/admin/members) and start it with --join`,
    );
  }
  if (self.publicKey !== entry.publicKey) {
    throw new BootError(`the ${g.suite} node key does not match node ${self.nodeId}'s key in the genesis of ${g.channel} (${entry.publicKey})`);
  }
  if (entry.sealKey !== undefined) {
    if (self.sealKey === null) throw new BootError(`channel ${g.channel} lists a seal key for node ${self.nodeId}, and the node key file has no "seal" key`);
    if (self.sealKey !== entry.sealKey) throw new BootError(`the node's seal key does not match node ${self.nodeId}'s sealKey in the genesis of ${g.channel}`);
  }
  return 'genesis';
}
