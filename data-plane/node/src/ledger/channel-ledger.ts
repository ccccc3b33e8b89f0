/**
 * One channel's ledger inside a node: admission of submitted transactions, leader batching or
 * forwarding to the leader, execution of committed batches into blocks, status of
 * transactions, and the block feed. Plugged into the channel's Raft runtime as its
 * EntryExtension.
 */
import { decodeBatch, fromHex, isBatch, RESULT_OK, toHex } from '@konsortium/protocol';
import type { Ledger } from '@konsortium/ledger';
import type { LedgerStore } from '@konsortium/storage';
import type { Logger } from 'pino';
import { NodeError } from '../errors.js';
import { BatchProposer, type BatchLimits, DEFAULT_BATCH_LIMITS } from './batch-proposer.js';
import { BlockFeed } from './block-feed.js';
import { Forwarder } from './forwarder.js';
import type { EntryExtension, RaftHandle } from './raft-handle.js';
import type { ServingGate } from './registration-gate.js';
import { captureLedgerSnapshot, restoreLedgerSnapshot } from './ledger-snapshot.js';
import { type TxState, TxStatusBoard } from './tx-status.js';
import { DEFAULT_POOL_LIMITS, type PoolLimits, TxPool } from './tx-pool.js';

export interface SubmitResult {
  readonly txId: string;
  readonly status: TxState;
  /** false when the transaction was already known (idempotent resubmission). */
  readonly accepted: boolean;
}

export interface TxStatusView {
  readonly txId: string;
  readonly status: TxState;
  readonly code?: string;
  readonly message?: string;
  readonly height?: number;
  readonly index?: number;
}

export interface ChannelLedgerOptions {
  readonly ledger: Ledger;
  readonly store: LedgerStore;
  readonly logger: Logger;
  readonly pool?: PoolLimits;
  readonly batch?: BatchLimits;
  readonly clock?: () => number;
}

export interface ChannelCounters {
  submitted: number;
  refused: number;
  committedTxs: number;
  rejectedTxs: number;
  blocks: number;
}

export class ChannelLedger implements EntryExtension {
  readonly name: string;
  readonly ledger: Ledger;
  readonly store: LedgerStore;
  readonly feed = new BlockFeed();
  readonly statuses = new TxStatusBoard();
  readonly counters: ChannelCounters = { submitted: 0, refused: 0, committedTxs: 0, rejectedTxs: 0, blocks: 0 };
  private readonly pool: TxPool;
  private readonly logger: Logger;
  private raft: RaftHandle | null = null;
  private proposer: BatchProposer | null = null;
  private forwarder: Forwarder | null = null;
  /** Whether this node may act in the channel (null: always, a genesis node). */
  private gate: ServingGate | null = null;
  private readonly batchLimits: BatchLimits;
  private readonly clock: () => number;

  constructor(o: ChannelLedgerOptions) {
    this.ledger = o.ledger;
    this.store = o.store;
    this.name = o.ledger.channel;
    this.logger = o.logger;
    this.pool = new TxPool(o.pool ?? DEFAULT_POOL_LIMITS);
    this.batchLimits = o.batch ?? DEFAULT_BATCH_LIMITS;
    this.clock = o.clock ?? Date.now;
  }

  /**
   * Connects to the Raft group (once the runtime exists). `gate`: for a node that joined after
   * the genesis, whether governance vouches for it (see registration-gate.ts).
   */
  attach(raft: RaftHandle, gate: ServingGate | null = null): void {
    this.raft = raft;
    this.gate = gate;
    this.proposer = new BatchProposer(raft, this.pool, this.batchLimits, this.clock, this.logger, (ids) => {
      for (const id of ids) this.statuses.advance(id, 'ordered');
    });
    this.forwarder = new Forwarder(this.name, raft, this.pool, this.logger, (body) => ({ nodeId: raft.selfId, signature: this.ledger.signAsNode(body) }));
  }

  /** Why this node may not act in the channel now (not registered in governance), or null. */
  refusal(): NodeError | null {
    return this.gate?.refusal() ?? null;
  }

  get poolSize(): number {
    return this.pool.size;
  }

  /**
   * Admits a transaction: idempotent by id (a known one returns its status), checked before
   * ordering (throws LedgerError/ContractError with the reason; nothing is ordered then).
   */
  submit(bytes: Uint8Array): SubmitResult {
    if (this.raft === null || this.proposer === null || this.forwarder === null) throw new NodeError('UNAVAILABLE', 'channel is starting');
    const refusal = this.refusal();
    if (refusal !== null) throw refusal;
    let tx;
    try {
      tx = this.ledger.decodeSubmitted(bytes);
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
    const idHex = toHex(tx.id);
    const existing = this.status(idHex);
    if (existing !== null) return { txId: idHex, status: existing.status, accepted: false };
    try {
      this.ledger.admit(tx);
    } catch (err) {
      this.counters.refused++;
      throw err;
    }
    this.pool.add(idHex, tx);
    this.statuses.advance(idHex, 'received');
    this.counters.submitted++;
    if (this.raft.isLeader()) this.proposer.schedule();
    else this.forwarder.schedule();
    return { txId: idHex, status: 'received', accepted: true };
  }

  status(idHex: string): TxStatusView | null {
    let id: Uint8Array;
    try {
      id = fromHex(idHex, 32);
    } catch {
      return null;
    }
    const loc = this.store.txLocation(id);
    if (loc !== undefined) {
      const message = this.statuses.message(idHex);
      return {
        txId: idHex,
        status: loc.code === RESULT_OK ? 'committed' : 'rejected',
        ...(loc.code === RESULT_OK ? {} : { code: loc.code }),
        ...(message === undefined ? {} : { message }),
        height: loc.height,
        index: loc.index,
      };
    }
    const pending = this.statuses.pendingState(idHex);
    return pending === undefined ? null : { txId: idHex, status: pending };
  }

  // --- EntryExtension --------------------------------------------------------------------

  claims(data: Uint8Array): boolean {
    return isBatch(data);
  }

  applyEntry(index: number, term: number, data: Uint8Array): void {
    const head = this.store.head;
    if (head === null) throw new Error(`channel ${this.name}: batch ${index} before genesis`);
    if (index <= head.appliedIndex) {
      this.proposer?.applied(index, term); // replayed after a restart: already in the chain
      return;
    }
    let batch;
    try {
      batch = decodeBatch(data);
    } catch (err) {
      // A correct leader never proposes this; every replica skips it alike.
      this.logger.error({ index, err: (err as Error).message }, 'undecodable batch entry skipped');
      this.store.markApplied(index);
      this.proposer?.applied(index, term);
      return;
    }
    const executed = this.ledger.apply(batch, index);
    this.proposer?.applied(index, term);
    if (executed === null) return;
    for (const o of executed.outcomes) {
      this.statuses.settled(toHex(o.txId), o.message);
      if (o.code === RESULT_OK) this.counters.committedTxs++;
      else this.counters.rejectedTxs++;
    }
    for (const id of executed.duplicates) this.statuses.settled(toHex(id), null);
    this.counters.blocks++;
    this.feed.publish(executed.block);
  }

  afterApply(): void {
    if (this.raft === null) return;
    this.gate?.observe();
    if (this.raft.isLeader()) this.proposer?.proposeWhileRoom();
    // Forwarding is signed as this node: not while governance does not vouch for it.
    else if (this.pool.size > 0 && this.refusal() === null) this.forwarder?.flush();
  }

  leadershipChanged(isLeader: boolean): void {
    if (!isLeader) this.proposer?.leadershipLost();
    this.afterApply();
  }

  captureSnapshot(): () => Promise<Uint8Array> {
    return captureLedgerSnapshot(this.store);
  }

  async restore(index: number, data: Uint8Array): Promise<void> {
    await restoreLedgerSnapshot(this.store, index, data, this.logger);
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  /** Stops background work (forwarding retries); the store is closed by its owner. */
  close(): void {
    this.forwarder?.close();
  }

  nodeKeys(): Map<number, Uint8Array> {
    return this.ledger.nodeKeys();
  }
}
