/**
 * A node that joined a channel after its genesis is vouched for by governance, not by the
 * genesis document: its entry in gov/nodes (written by an admin's governance.setNode) must hold
 * its block-signing key, and its seal key when the entry lists one. That state exists only once
 * the node has caught up with the leader, so the check is made on the committed state, again
 * whenever the head moves (governance may register, change or remove the node at any block).
 *
 * While the check fails the channel does not act as this node: it admits no transactions (so
 * it forwards none to the leader, logs no key release and reveals no ballot share) and /readyz
 * reports the reason. Replication goes on, so the node becomes ready by itself once a block
 * registers it.
 */
import { GOVERNANCE_KEYS, type NodeEntry } from '@konsortium/contracts';
import { StateOverlay } from '@konsortium/ledger';
import type { LedgerStore } from '@konsortium/storage';
import type { Logger } from 'pino';
import { NodeError } from '../errors.js';
import type { NodeIdentity } from './node-identity.js';

/** Why governance's node list does not vouch for `self`, or null when it does. */
export function registrationProblem(channel: string, nodes: readonly NodeEntry[], self: NodeIdentity): NodeError | null {
  const entry = nodes.find((n) => n.nodeId === self.nodeId);
  if (entry === undefined) {
    return new NodeError('NODE_NOT_REGISTERED', `governance of channel ${channel} lists no node ${self.nodeId} (gov/nodes); an admin registers it with governance.setNode`);
  }
  if (entry.publicKey !== self.publicKey) {
    return new NodeError('NODE_KEY_MISMATCH', `governance of channel ${channel} lists node ${self.nodeId} with block-signing key ${entry.publicKey}, this node holds ${self.publicKey}`);
  }
  if (entry.sealKey !== undefined && entry.sealKey !== self.sealKey) {
    const held = self.sealKey === null ? 'the node key file has no "seal" key' : `this node holds ${self.sealKey}`;
    return new NodeError('NODE_KEY_MISMATCH', `governance of channel ${channel} lists node ${self.nodeId} with seal key ${entry.sealKey}, ${held}`);
  }
  return null;
}

/** What the channel ledger asks before acting as this node. */
export interface ServingGate {
  /** Why this node may not act in the channel now, or null when it may. */
  refusal(): NodeError | null;
  /** Called after entries were applied: reports changes of the verdict in the log. */
  observe(): void;
}

export interface RegistrationGateOptions {
  readonly channel: string;
  readonly store: LedgerStore;
  readonly self: NodeIdentity;
  readonly logger: Logger;
  /** Whether the node knows a leader and has applied everything it knows to be committed. */
  readonly caughtUp: () => boolean;
}

export class RegistrationGate implements ServingGate {
  /** The verdict is a function of the state, hence of the head height: computed once per height. */
  private checkedHeight = -1;
  private verdict: NodeError | null = null;
  /** The verdict last written to the log ('ok', 'waiting' or an error code). */
  private reported: string | null = null;

  constructor(private readonly o: RegistrationGateOptions) {}

  refusal(): NodeError | null {
    const head = this.o.store.head;
    if (head === null) return new NodeError('UNAVAILABLE', 'channel is starting');
    if (head.height !== this.checkedHeight) {
      const nodes = new StateOverlay(this.o.store).getJson<NodeEntry[]>(GOVERNANCE_KEYS.nodes) ?? [];
      this.verdict = registrationProblem(this.o.channel, nodes, this.o.self);
      this.checkedHeight = head.height;
    }
    return this.verdict;
  }

  observe(): void {
    const v = this.refusal();
    const height = this.o.store.head?.height;
    if (v === null) {
      if (this.reported !== 'ok') this.o.logger.info({ height }, 'governance lists this node with its keys: it serves the channel');
      this.reported = 'ok';
      return;
    }
    if (this.reported === v.code) return;
    // Behind the leader, the block registering the node may simply not be here yet.
    if (!this.o.caughtUp()) {
      if (this.reported === null) this.o.logger.info({ height, nodeId: this.o.self.nodeId }, 'joined a channel it is not a genesis node of: waiting for the governance state from the leader');
      this.reported ??= 'waiting';
      return;
    }
    this.o.logger.error({ code: v.code, height }, `${v.message}: this node admits no transactions in the channel and is not ready`);
    this.reported = v.code;
  }
}
