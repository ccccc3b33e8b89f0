/**
 * Shared pieces of the LedgerStore tests: temp dirs, stores, signed transactions and blocks
 * built on a store's head the way the ledger builds them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Block, encodeOperation, type HashFn, intlSuite, makeBlock, RESULT_OK, signTx, type Transaction, txRootOf, utf8, ZERO_HASH } from '@konsortium/protocol';
import { LedgerStore, LedgerStoreError } from '../src/index.js';

export const suite = intlSuite;
export const hash: HashFn = (d) => suite.hash(d);
export const sender = suite.generateKeyPair();

export const text = (b: Uint8Array | null | undefined): string | null | undefined => (b instanceof Uint8Array ? new TextDecoder().decode(b) : b);

export interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function tmpDir(t: Teardown, prefix = 'konsortium-ledger-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a store on `dir` (a fresh temp dir by default), closed at teardown. */
export async function openStore(t: Teardown, dir?: string, fsync = false): Promise<LedgerStore> {
  const store = await LedgerStore.open({ dir: dir ?? (await tmpDir(t)), hash, fsync });
  t.teardown(() => store.close());
  return store;
}

export function tx(channel: string, nonce: number): Transaction {
  const operations = [encodeOperation({ contract: 'kv', method: 'put', args: { nonce } })];
  return signTx({ suite: 'intl', channel, sender: sender.publicKey, nonce, operations }, sender.privateKey, suite);
}

export type TextWrites = Record<string, string | null>;

export const toMap = (w: TextWrites): Map<string, Uint8Array | null> => new Map(Object.entries(w).map(([k, v]) => [k, v === null ? null : utf8(v)]));

/** Builds (not commits) the next block on the head with these writes and txs. */
export function nextBlock(
  store: LedgerStore,
  channel: string,
  writes: TextWrites,
  txs: readonly { tx: Transaction; code: string }[] = [],
  o: { appliedIndex?: number; proposer?: number } = {},
) {
  const head = store.head;
  const prepared = store.prepare(toMap(writes));
  const height = head === null ? 0 : head.height + 1;
  const codes = txs.map((x) => x.code);
  const header = {
    suite: 'intl' as const,
    channel,
    height,
    prevHash: head?.hash ?? ZERO_HASH,
    txRoot: txRootOf(hash, txs.map((x) => x.tx.id), codes),
    stateRoot: prepared.root,
    timestamp: 1_700_000_000_000 + height,
    proposer: o.proposer ?? 1,
    txCount: txs.length,
  };
  const block: Block = makeBlock(suite, header, txs.map((x) => x.tx.bytes), codes);
  const entries = txs.map((x, index) => ({ txId: x.tx.id, index, code: x.code, sender: x.tx.sender, nonce: x.tx.nonce, applied: x.code === RESULT_OK }));
  return { block, prepared, txs: entries, appliedIndex: o.appliedIndex ?? (head === null ? 0 : head.appliedIndex + 1) };
}

/** The code of the LedgerStoreError `p` rejects with (undefined when it resolves). */
export async function asyncCodeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof LedgerStoreError ? e.code : `not a LedgerStoreError: ${String(e)}`;
  }
  return undefined;
}
