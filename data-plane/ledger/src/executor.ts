/**
 * The ledger of one channel: checks transactions before ordering, and executes committed
 * batches into blocks. Execution is deterministic (every replica produces the same block from
 * the same batch): it depends only on the batch, the state and the chain, never on the clock,
 * the node or what this node happened to see before.
 *
 * Per transaction, in batch order:
 *   - bytes that do not decode, and transactions of another channel or suite, are dropped (a
 *     correct leader never orders them, see precheck; a block holds only its channel's);
 *   - a transaction whose id is already in the chain (or earlier in this batch) is dropped: the
 *     same transaction submitted twice is applied once (idempotency);
 *   - otherwise it goes in the block with a result: OK, or the code that rejected it
 *     (WRONG_CHANNEL, UNKNOWN_SENDER, BAD_SIGNATURE, NONCE_REPLAYED, a contract's code...),
 *     in which case nothing of it applies.
 */
import {
  type Batch,
  type Block,
  type CryptoSuite,
  decodeTx,
  makeBlock,
  MAX_TX_BYTES,
  parseArgs,
  RESULT_OK,
  toHex,
  type Transaction,
  txRootOf,
  ZERO_HASH,
} from '@konsortium/protocol';
import type { ChainStore, CommittedTx } from './chain-store.js';
import type { Contract, ContractContext, IdentityDirectory, Sender } from './contract.js';
import { assert, ContractError, LedgerError, type LedgerErrorCode } from './errors.js';
import { StateOverlay, type Writes } from './overlay.js';

export interface LedgerConfig {
  readonly channel: string;
  /** The channel's suite (a server-side fast implementation is fine: same results). */
  readonly suite: CryptoSuite;
  readonly store: ChainStore;
  readonly contracts: readonly Contract[];
  readonly identities: IdentityDirectory;
  /** This node: it signs every block it appends. */
  readonly nodeId: number;
  readonly nodePrivateKey: Uint8Array;
  readonly maxTxBytes?: number;
}

export interface TxOutcome {
  readonly txId: Uint8Array;
  readonly code: string;
  readonly message: string | null;
}

export interface ExecutedBlock {
  readonly block: Block;
  readonly outcomes: readonly TxOutcome[];
  /** Ids of transactions left out as duplicates of ones already in the chain. */
  readonly duplicates: readonly Uint8Array[];
}

export class Ledger {
  readonly channel: string;
  readonly suite: CryptoSuite;
  readonly maxTxBytes: number;
  private readonly contracts: ReadonlyMap<string, Contract>;
  /** Ids of transactions whose signature this node has already checked (precheck): not checked twice. */
  private readonly verified = new Set<string>();
  private readonly hash: (d: Uint8Array) => Uint8Array;

  constructor(private readonly cfg: LedgerConfig) {
    this.channel = cfg.channel;
    this.suite = cfg.suite;
    this.maxTxBytes = Math.min(cfg.maxTxBytes ?? MAX_TX_BYTES, MAX_TX_BYTES);
    this.contracts = new Map(cfg.contracts.map((c) => [c.name, c]));
    assert(this.contracts.size === cfg.contracts.length, 'contract names are unique');
    this.hash = (d) => cfg.suite.hash(d);
  }

  get store(): ChainStore {
    return this.cfg.store;
  }

  /** Creates block 0 from the genesis state, once, on an empty store. */
  initialize(genesisWrites: Writes, timestamp: number, appliedIndex = 0): Block {
    const { store } = this.cfg;
    if (store.head !== null) throw new LedgerError('LEDGER_FAILED', `channel ${this.channel} already has a chain (height ${store.head.height})`);
    const prepared = store.prepare(genesisWrites);
    const block = this.seal(0, ZERO_HASH, prepared.root, timestamp, 0, [], [], []);
    store.commit({ block, prepared, txs: [], appliedIndex });
    return block;
  }

  get nodeId(): number {
    return this.cfg.nodeId;
  }

  /** Block-signing keys of the channel's nodes, from the governance state at the head. */
  nodeKeys(): Map<number, Uint8Array> {
    return this.cfg.identities.nodeKeys(new StateOverlay(this.cfg.store));
  }

  /** Signs H(message) with this node's key: node-to-node requests (forwarded transactions). */
  signAsNode(message: Uint8Array): Uint8Array {
    return this.suite.sign(this.cfg.nodePrivateKey, this.hash(message));
  }

  /** Checks a signature made with signAsNode by one of the channel's nodes. */
  verifyNodeSigned(nodeId: number, message: Uint8Array, signature: Uint8Array): boolean {
    const key = this.nodeKeys().get(nodeId);
    return key !== undefined && this.suite.verify(key, this.hash(message), signature);
  }

  /** Decodes a submitted transaction strictly (MALFORMED, TOO_LARGE, WRONG_SUITE); checks nothing else. */
  decodeSubmitted(bytes: Uint8Array): Transaction {
    return this.decode(bytes);
  }

  /**
   * Checks a decoded transaction before it is ordered: channel, sender, nonce, signature and
   * each operation's arguments. Throws LedgerError (or ContractError for bad arguments) with
   * the reason; on success the transaction may be proposed.
   */
  admit(tx: Transaction): void {
    const idHex = toHex(tx.id);
    const admitted = this.admission(tx, new StateOverlay(this.cfg.store), idHex);
    if ('code' in admitted) throw new LedgerError(admitted.code, admitted.message);
    for (const op of tx.operations) this.checkOperation(op.contract, op.method, op.argsJson);
    this.rememberVerified(idHex);
  }

  /** decodeSubmitted + admit. */
  precheck(bytes: Uint8Array): Transaction {
    const tx = this.decode(bytes);
    this.admit(tx);
    return tx;
  }

  /** Executes one committed batch (Raft entry `appliedIndex`) into the next block. */
  apply(batch: Batch, appliedIndex: number): ExecutedBlock | null {
    const { store } = this.cfg;
    const head = store.head;
    assert(head !== null, 'the chain is initialized before batches are applied');
    assert(appliedIndex > head.appliedIndex, `entry ${appliedIndex} applied after ${head.appliedIndex}`);
    const height = head.height + 1;
    const timestamp = Math.max(head.timestamp, batch.timestamp);
    const blockState = new StateOverlay(store);
    const seen = new Set<string>();
    const included: Transaction[] = [];
    const outcomes: TxOutcome[] = [];
    const committed: CommittedTx[] = [];
    const duplicates: Uint8Array[] = [];
    const usedNonces = new Set<string>();
    for (const bytes of batch.txs) {
      let tx: Transaction;
      try {
        tx = decodeTx(bytes, { suite: this.suite, maxBytes: this.maxTxBytes });
      } catch {
        continue; // undecodable: no id to record it under
      }
      if (tx.channel !== this.channel || tx.suite !== this.suite.id) continue;
      const idHex = toHex(tx.id);
      if (seen.has(idHex) || store.txLocation(tx.id) !== undefined) {
        duplicates.push(tx.id);
        continue;
      }
      seen.add(idHex);
      const outcome = this.execute(tx, blockState, usedNonces, { height, timestamp, idHex });
      const index = included.length;
      included.push(tx);
      outcomes.push({ txId: tx.id, code: outcome.code, message: outcome.message });
      const applied = outcome.code === RESULT_OK;
      committed.push({ txId: tx.id, index, code: outcome.code, sender: tx.sender, nonce: tx.nonce, applied });
      this.verified.delete(idHex);
    }
    if (included.length === 0) {
      store.markApplied(appliedIndex);
      return null;
    }
    const prepared = store.prepare(blockState.writes);
    const block = this.seal(
      height,
      head.hash,
      prepared.root,
      timestamp,
      batch.proposer,
      included.map((t) => t.bytes),
      outcomes.map((o) => o.code),
      included.map((t) => t.id),
    );
    store.commit({ block, prepared, txs: committed, appliedIndex });
    return { block, outcomes, duplicates };
  }

  private execute(
    tx: Transaction,
    blockState: StateOverlay,
    usedNonces: Set<string>,
    at: { height: number; timestamp: number; idHex: string },
  ): { code: string; message: string | null } {
    const admitted = this.admission(tx, blockState, at.idHex);
    if ('code' in admitted) return admitted;
    const { sender } = admitted;
    const nonceKey = `${sender.publicKey}:${tx.nonce}`;
    if (usedNonces.has(nonceKey)) return { code: 'NONCE_REPLAYED', message: `nonce ${tx.nonce} was used earlier in this block` };
    const txState = new StateOverlay(blockState);
    const ctx = contextOf(txState, { channel: this.channel, height: at.height, timestamp: at.timestamp, txId: at.idHex, sender });
    try {
      for (const op of tx.operations) {
        const contract = this.contracts.get(op.contract);
        if (contract === undefined) return { code: 'UNKNOWN_CONTRACT', message: `no contract "${op.contract}"` };
        const args = contract.check(op.method, parseArgs(op));
        contract.execute(ctx, op.method, args);
      }
    } catch (err) {
      if (err instanceof ContractError || err instanceof LedgerError) return { code: err.code, message: err.message };
      // A contract bug: deterministic all the same (same code, same input), so every replica agrees.
      return { code: 'CONTRACT_FAILED', message: err instanceof Error ? err.message : String(err) };
    }
    txState.mergeInto(blockState);
    usedNonces.add(nonceKey);
    return { code: RESULT_OK, message: null };
  }

  /** The checks that do not depend on the contract: channel, sender, nonce, signature. Gives the sender, or why not. */
  private admission(tx: Transaction, state: StateOverlay, idHex: string): { code: LedgerErrorCode; message: string } | { sender: Sender } {
    if (tx.channel !== this.channel) return { code: 'WRONG_CHANNEL', message: `transaction for channel "${tx.channel}" sent to channel "${this.channel}"` };
    if (tx.suite !== this.suite.id) return { code: 'WRONG_SUITE', message: `channel ${this.channel} uses suite ${this.suite.id}, not ${tx.suite}` };
    const senderHex = toHex(tx.sender);
    const sender = this.cfg.identities.sender(state, senderHex);
    if (sender === null) return { code: 'UNKNOWN_SENDER', message: `key ${senderHex} is not a member key of channel ${this.channel}` };
    if (!sender.active) return { code: 'SENDER_SUSPENDED', message: `member ${sender.memberId} is suspended` };
    if (this.cfg.store.nonceUsed(tx.sender, tx.nonce)) return { code: 'NONCE_REPLAYED', message: `nonce ${tx.nonce} of this sender was already used` };
    if (!this.verified.has(idHex) && !this.suite.verify(tx.sender, tx.id, tx.signature)) {
      return { code: 'BAD_SIGNATURE', message: 'the signature does not verify under the sender key' };
    }
    return { sender };
  }

  private decode(bytes: Uint8Array): Transaction {
    try {
      return decodeTx(bytes, { suite: this.suite, maxBytes: this.maxTxBytes });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'TOO_LARGE') throw new LedgerError('TOO_LARGE', (err as Error).message, { maxBytes: this.maxTxBytes });
      if (code === 'INVALID_FIELD' && /suite/.test((err as Error).message)) throw new LedgerError('WRONG_SUITE', (err as Error).message);
      throw new LedgerError('MALFORMED', (err as Error).message);
    }
  }

  private checkOperation(contractName: string, method: string, argsJson: string): void {
    const contract = this.contracts.get(contractName);
    if (contract === undefined) throw new LedgerError('UNKNOWN_CONTRACT', `no contract "${contractName}"`);
    let args: unknown;
    try {
      args = JSON.parse(argsJson) as unknown;
    } catch {
      throw new LedgerError('INVALID_ARGS', `${contractName}.${method}: arguments are not JSON`);
    }
    contract.check(method, args);
  }

  private rememberVerified(idHex: string): void {
    // Bounded: ids leave the set when their batch is applied; a flood of never-ordered ones is cut off.
    if (this.verified.size >= 200_000) this.verified.clear();
    this.verified.add(idHex);
  }

  private seal(
    height: number,
    prevHash: Uint8Array,
    stateRoot: Uint8Array,
    timestamp: number,
    proposer: number,
    txs: readonly Uint8Array[],
    codes: readonly string[],
    ids: readonly Uint8Array[],
  ): Block {
    const txRoot = txRootOf(this.hash, ids, codes);
    const unsigned = makeBlock(this.suite, { suite: this.suite.id, channel: this.channel, height, prevHash, txRoot, stateRoot, timestamp, proposer, txCount: txs.length }, txs, codes);
    const signature = this.suite.sign(this.cfg.nodePrivateKey, unsigned.hash);
    return { ...unsigned, signatures: [{ nodeId: this.cfg.nodeId, signature }] };
  }
}

function contextOf(
  state: StateOverlay,
  at: { channel: string; height: number; timestamp: number; txId: string; sender: Sender },
): ContractContext {
  return {
    ...at,
    get: (k) => state.get(k),
    getJson: <T>(k: string) => state.getJson<T>(k),
    put: (k, v) => state.put(k, v),
    putJson: (k, v) => state.putJson(k, v),
    delete: (k) => state.delete(k),
  };
}
