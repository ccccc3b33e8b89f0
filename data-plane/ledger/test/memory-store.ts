/**
 * An in-memory ChainStore for unit tests of the executor (the real one is storage's
 * LedgerStore on LMDB, exercised by the node's tests). Roots come from the protocol's
 * reference SMT, recomputed from scratch: slow, simple, obviously right.
 */
import { type Block, smtReferenceRoot, toHex } from '@konsortium/protocol';
import type { ChainHead, ChainStore, CommittedTx, PreparedRoot } from '../src/index.js';

interface Prepared extends PreparedRoot {
  readonly next: Map<string, Uint8Array>;
}

export class MemoryChainStore implements ChainStore<Prepared> {
  head: ChainHead | null = null;
  state = new Map<string, Uint8Array>();
  readonly blocks: Block[] = [];
  readonly txs = new Map<string, { height: number; index: number; code: string }>();
  readonly nonces = new Set<string>();

  constructor(private readonly hash: (d: Uint8Array) => Uint8Array) {}

  get(key: string): Uint8Array | undefined {
    return this.state.get(key);
  }

  prepare(writes: ReadonlyMap<string, Uint8Array | null>): Prepared {
    const next = new Map(this.state);
    for (const [k, v] of writes) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    return { root: smtReferenceRoot(this.hash, next), next };
  }

  commit(c: { block: Block; prepared: Prepared; txs: readonly CommittedTx[]; appliedIndex: number }): void {
    const h = c.block.header;
    if (this.head === null ? h.height !== 0 : h.height !== this.head.height + 1) throw new Error(`height ${h.height} does not follow`);
    this.state = c.prepared.next;
    this.blocks.push(c.block);
    for (const t of c.txs) {
      this.txs.set(toHex(t.txId), { height: h.height, index: t.index, code: t.code });
      if (t.applied) this.nonces.add(`${toHex(t.sender)}:${t.nonce}`);
    }
    this.head = { height: h.height, hash: c.block.hash, stateRoot: h.stateRoot, timestamp: h.timestamp, appliedIndex: c.appliedIndex };
  }

  markApplied(appliedIndex: number): void {
    if (this.head !== null) this.head = { ...this.head, appliedIndex };
  }

  txLocation(txId: Uint8Array): { height: number; index: number; code: string } | undefined {
    return this.txs.get(toHex(txId));
  }

  nonceUsed(sender: Uint8Array, nonce: number): boolean {
    return this.nonces.has(`${toHex(sender)}:${nonce}`);
  }
}
