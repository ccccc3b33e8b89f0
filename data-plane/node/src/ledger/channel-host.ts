/**
 * The channels this node serves, each a Raft group with its ledger. A node serves only the
 * channels whose governance lists it among the channel's nodes; asking for any other channel
 * is CHANNEL_NOT_FOUND (the node does not even say whether it exists).
 */
import type { SuiteId } from '@konsortium/protocol';
import { NodeError } from '../errors.js';
import type { KonsortiumNode } from '../runtime/node.js';
import type { BallotKeeper } from './ballot-keeper.js';
import type { BlobStore } from './blob-store.js';
import type { ChannelLedger } from './channel-ledger.js';
import type { KeyReleaser } from './key-release.js';

export interface HostedChannel {
  readonly name: string;
  readonly suite: SuiteId;
  readonly ledger: ChannelLedger;
  readonly node: KonsortiumNode;
  /** Releases this node's key shares of encrypted records to authorised readers. */
  readonly releaser: KeyReleaser;
  /** Ciphertext of large records, by SHA-256. */
  readonly blobs: BlobStore;
  /** Reveals this node's ballot key shares after close; tallies while it leads. */
  readonly keeper: BallotKeeper;
}

export class ChannelHost {
  private readonly channels = new Map<string, HostedChannel>();

  add(c: HostedChannel): void {
    if (this.channels.has(c.name)) throw new Error(`channel ${c.name} is already hosted`);
    this.channels.set(c.name, c);
  }

  get(name: string): HostedChannel {
    const c = this.channels.get(name);
    if (c === undefined) throw new NodeError('CHANNEL_NOT_FOUND', `this node does not serve channel "${name}"`);
    return c;
  }

  list(): HostedChannel[] {
    return [...this.channels.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  get size(): number {
    return this.channels.size;
  }
}
