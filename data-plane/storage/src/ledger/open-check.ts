/** What open() reads and verifies before it trusts a ledger directory. */
import { ByteReader, type Block, decodeBlock, decodeBlockHeader, bytesEqual, type HashFn, type BlockHeader } from '@konsortium/protocol';
import { heightKey, isZero } from './bytes.js';
import type { LedgerDbs } from './dbs.js';
import { corrupt, LedgerStoreError } from './errors.js';
import { decodeMeta, META_HEAD_KEY, type MetaRecord } from './records.js';

const EMPTY_META: MetaRecord = { appliedIndex: 0, lowestBlock: 0, head: null };

/** The meta record, checked against the head block it names (CORRUPT on any disagreement). */
export function readCheckedMeta(d: LedgerDbs, hash: HashFn): MetaRecord {
  const bytes = d.meta.get(META_HEAD_KEY);
  if (bytes === undefined) return EMPTY_META;
  const meta = decodeMeta(bytes);
  const head = meta.head;
  if (head === null) return meta;
  if (meta.lowestBlock > head.height) throw corrupt(`lowest block ${meta.lowestBlock} above the head ${head.height}`);
  const blockBytes = d.blocks.get(heightKey(head.height));
  if (blockBytes === undefined) throw corrupt(`head block ${head.height} is missing`);
  const block = decodeStoredBlock(hash, blockBytes, head.height);
  if (block.header.height !== head.height) throw corrupt(`the block stored at height ${head.height} says height ${block.header.height}`);
  if (!bytesEqual(block.hash, head.hash)) throw corrupt(`head block ${head.height}: its hash differs from the head record (damaged store, or opened with another hash function)`);
  if (!bytesEqual(block.header.stateRoot, head.stateRoot) || block.header.timestamp !== head.timestamp) throw corrupt(`head block ${head.height} differs from the head record`);
  if (!isZero(head.stateRoot) && d.smt.get(head.stateRoot) === undefined) throw corrupt(`the SMT root node of block ${head.height} is missing`);
  if (d.blocks.get(heightKey(meta.lowestBlock)) === undefined) throw corrupt(`lowest block ${meta.lowestBlock} is missing`);
  return meta;
}

export function decodeStoredBlock(hash: HashFn, bytes: Uint8Array, height: number): Block {
  try {
    return decodeBlock(hash, bytes);
  } catch (e) {
    throw corrupt(`block ${height} does not decode: ${(e as Error).message}`, e);
  }
}

/** The encoded header at the front of a stored block (a view), without decoding the rest. */
export function headerBytesOf(bytes: Uint8Array, height: number): { headerBytes: Uint8Array; header: BlockHeader } {
  try {
    const headerBytes = new ByteReader(bytes).bytes32('header');
    return { headerBytes, header: decodeBlockHeader(headerBytes) };
  } catch (e) {
    if (e instanceof LedgerStoreError) throw e;
    throw corrupt(`block ${height}: header does not decode: ${(e as Error).message}`, e);
  }
}
