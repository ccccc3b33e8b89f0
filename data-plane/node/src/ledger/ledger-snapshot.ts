/**
 * The ledger's part of a Raft snapshot: the store's export (head block, world state, tx and
 * nonce indexes) as of the moment of capture. Restoring skips a snapshot the store already
 * has (a restart: LMDB holds everything up to its own applied index) and imports one it lacks
 * (a lagging or new node, or a crash before LMDB caught up with the Raft snapshot).
 */
import type { LedgerStore } from '@konsortium/storage';
import type { Logger } from 'pino';

export function captureLedgerSnapshot(store: LedgerStore): () => Promise<Uint8Array> {
  // Started now, synchronously: the export names the head of this moment (see storage's snapshot.ts).
  const exported = store.exportSnapshot();
  exported.catch(() => undefined); // handled by whoever awaits the returned function
  return () => exported;
}

export async function restoreLedgerSnapshot(store: LedgerStore, index: number, data: Uint8Array, logger: Logger): Promise<void> {
  const head = store.head;
  if (head !== null && head.appliedIndex >= index) return;
  await store.importSnapshot(data, index);
  logger.info({ index, height: store.head?.height, from: head?.height ?? null }, 'ledger state restored from a snapshot');
}
