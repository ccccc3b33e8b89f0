/**
 * The node's duties in e-voting. When a ballot has been closed on chain (it is listed under
 * voting/pending), the node opens its share of the ballot key (sealed to its seal key when the
 * ballot was created) and sends it in a voting.revealShare transaction; once enough shares are
 * in and the ballot is counting, the channel's leader sends voting.tally transactions (each
 * counts a bounded number of votes) until the ballot is tallied. The node never reveals before
 * the close transaction is committed: it reads only committed state.
 *
 * Driven by new blocks, with a slow timer as a backstop (a transaction that was lost with a
 * leader change is sent again after RETRY_MS).
 */
import { type Ballot, ballotShareContext, votingKeys } from '@konsortium/contracts';
import { StateOverlay } from '@konsortium/ledger';
import { fromHex, openSealed, toHex } from '@konsortium/protocol';
import type { Logger } from 'pino';
import type { ChannelLedger } from './channel-ledger.js';
import type { NodeTxSender } from './node-sender.js';
import type { RaftHandle } from './raft-handle.js';
import { opensslX25519 } from './server-x25519.js';

const RETRY_MS = 2_000;

export class BallotKeeper {
  /** ballot → when this node last sent a transaction for it (ms), to avoid resending each block. */
  private readonly sent = new Map<string, { at: number; txId: string }>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly sealPublic: Uint8Array | null;

  constructor(
    private readonly o: {
      readonly ledger: ChannelLedger;
      readonly sender: NodeTxSender;
      readonly raft: () => RaftHandle | null;
      readonly nodeId: number;
      readonly sealKey: Uint8Array | null;
      readonly logger: Logger;
      readonly clock?: () => number;
    },
  ) {
    this.sealPublic = o.sealKey === null ? null : opensslX25519.publicKey(o.sealKey);
    // Blocks are published while they are applied: act just after, never inside the apply.
    let queued = false;
    this.unsubscribe = o.ledger.feed.subscribe(() => {
      if (queued) return;
      queued = true;
      setImmediate(() => {
        queued = false;
        this.check();
      });
    });
    this.timer = setInterval(() => this.check(), RETRY_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }

  /** One pass over the pending ballots; never throws (a failure is logged and retried later). */
  check(): void {
    if (this.o.ledger.store.head === null) return;
    const state = new StateOverlay(this.o.ledger.store);
    const pending = state.getJson<string[]>(votingKeys.pending) ?? [];
    for (const id of [...this.sent.keys()]) if (!pending.includes(id)) this.sent.delete(id);
    for (const id of pending) {
      try {
        this.duty(state, id);
      } catch (err) {
        this.o.logger.warn({ ballot: id, err: (err as Error).message }, 'ballot duty failed; retrying later');
      }
    }
  }

  /** Is our last transaction for this ballot still in flight (or just refused)? Then wait. */
  private waiting(id: string): boolean {
    const s = this.sent.get(id);
    if (s === undefined) return false;
    const status = this.o.ledger.status(s.txId)?.status;
    if (status === 'received' || status === 'ordered') return this.now() - s.at < RETRY_MS * 5;
    if (status === 'rejected') return this.now() - s.at < RETRY_MS;
    return false; // committed (the state shows its effect) or lost
  }

  private duty(state: StateOverlay, id: string): void {
    const ballot = state.getJson<Ballot>(votingKeys.ballot(id));
    if (ballot === undefined || this.waiting(id)) return;
    if (ballot.status === 'closed') {
      const mine = ballot.key.shares.find((s) => s.nodeId === this.o.nodeId);
      if (mine === undefined || this.o.sealKey === null || state.get(votingKeys.share(id, this.o.nodeId)) !== undefined) return;
      const share = openSealed(this.o.sealKey, fromHex(mine.sealed), ballotShareContext(this.o.ledger.name, id, this.o.nodeId), {
        recipient: this.sealPublic!,
        backend: opensslX25519,
      });
      const r = this.o.sender.send([{ contract: 'voting', method: 'revealShare', args: { ballot: id, share: toHex(share) } }]);
      this.sent.set(id, { at: this.now(), txId: r.txId });
      this.o.logger.info({ ballot: id, tx: r.txId }, 'revealed this node\'s ballot key share after close');
    } else if (ballot.status === 'counting' && this.o.raft()?.isLeader() === true) {
      const r = this.o.sender.send([{ contract: 'voting', method: 'tally', args: { ballot: id } }]);
      this.sent.set(id, { at: this.now(), txId: r.txId });
    }
  }
}
