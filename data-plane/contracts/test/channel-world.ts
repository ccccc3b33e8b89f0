/**
 * The common ground of the contract test worlds: one channel on one or more in-memory ledgers
 * (each with its own node key), signed transactions, and blocks applied to every ledger at a
 * chosen block time — the ledgers must agree on every outcome and state root.
 */
import { encodeOperation, type KeyPair, signTx, toHex, type Transaction } from '@konsortium/protocol';
import { type Contract, Ledger, serverSuite } from '@konsortium/ledger';
import { MemoryChainStore } from '../../ledger/test/memory-store.js';
import { type Genesis, genesisWrites, governanceContract, governanceDirectory } from '../src/index.js';

const suite = serverSuite('intl');
const decoder = new TextDecoder();

export interface Outcome {
  readonly code: string;
  readonly message: string | null;
}

export interface Op {
  readonly contract?: string;
  readonly method: string;
  readonly args: unknown;
}

export class ChannelWorld {
  readonly ledgers: Ledger[] = [];
  readonly stores: MemoryChainStore[] = [];
  now: number;
  private index = 0;
  private nonce = 0;

  /** `contracts` besides governance; ledger i signs blocks as node i + 1 with `nodeKey(i + 1)`. */
  constructor(
    private readonly genesis: Genesis,
    contracts: () => Contract[],
    nodeKey: (nodeId: number) => Uint8Array,
    ledgers: number,
    private readonly defaultContract: string,
  ) {
    this.now = genesis.timestamp;
    for (let i = 0; i < ledgers; i++) {
      const store = new MemoryChainStore((d) => suite.hash(d));
      const ledger = new Ledger({
        channel: genesis.channel,
        suite,
        store,
        contracts: [governanceContract({ publicKeyBytes: 32 }), ...contracts()],
        identities: governanceDirectory,
        nodeId: i + 1,
        nodePrivateKey: nodeKey(i + 1),
      });
      ledger.initialize(genesisWrites(genesis), genesis.timestamp);
      this.ledgers.push(ledger);
      this.stores.push(store);
    }
  }

  /** A transaction signed with `k` (the world's default contract unless an op names another). */
  signWith(k: KeyPair, ops: readonly Op[]): Transaction {
    const operations = ops.map((op) => encodeOperation({ contract: op.contract ?? this.defaultContract, method: op.method, args: op.args }));
    return signTx({ suite: 'intl', channel: this.genesis.channel, sender: k.publicKey, nonce: ++this.nonce, operations }, k.privateKey);
  }

  /** One batch as the next block on every ledger (they must agree); the outcomes. */
  block(txs: readonly Transaction[], at = this.now): Outcome[] {
    this.now = Math.max(this.now, at);
    this.index++;
    let first: Outcome[] | null = null;
    for (const l of this.ledgers) {
      const r = l.apply({ proposer: 1, timestamp: this.now, txs: txs.map((t) => t.bytes) }, this.index);
      const out = r === null ? [] : r.outcomes.map((o) => ({ code: o.code, message: o.message }));
      if (first === null) first = out;
      else if (JSON.stringify(first) !== JSON.stringify(out)) throw new Error(`ledgers disagree: ${JSON.stringify(first)} vs ${JSON.stringify(out)}`);
    }
    const roots = this.stores.map((s) => toHex(s.head!.stateRoot));
    if (new Set(roots).size !== 1) throw new Error(`state roots differ: ${roots.join(' ')}`);
    return first ?? [];
  }

  /** Moves block time forward (the next block carries it). */
  at(ts: number): this {
    this.now = Math.max(this.now, ts);
    return this;
  }

  get store(): MemoryChainStore {
    return this.stores[0]!;
  }

  get height(): number {
    return this.store.head!.height;
  }

  get root(): string {
    return toHex(this.store.head!.stateRoot);
  }

  json<T>(key: string, store = this.store): T | undefined {
    const v = store.get(key);
    return v === undefined ? undefined : (JSON.parse(decoder.decode(v)) as T);
  }
}
