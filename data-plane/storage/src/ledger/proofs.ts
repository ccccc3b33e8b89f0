/** Proofs in protocol's JSON form (proof/wire.ts), from what the store holds. */
import { type Block, type HashFn, merkleInclusionPath, type StateProofJson, toHex, type TxProofJson, txLeafHash } from '@konsortium/protocol';
import type { SmtLookup } from './smt.js';
import type { TxLocation } from './types.js';

export function stateProofJson(key: string, height: number, headerBytes: Uint8Array, lookup: SmtLookup, value: Uint8Array | null): StateProofJson {
  const t = lookup.proof.terminal;
  return {
    key,
    value: value === null ? null : toHex(value),
    height,
    header: toHex(headerBytes),
    siblings: lookup.proof.siblings.map(toHex),
    terminal: t.kind === 'empty' ? { kind: 'empty' } : { kind: 'leaf', path: toHex(t.path), valueHash: toHex(t.valueHash) },
  };
}

/** The inclusion proof of tx `loc.index` of `block`, whose tx ids are `txIds` (in block order). */
export function txProofJson(hash: HashFn, txId: Uint8Array, loc: TxLocation, block: Block, txIds: readonly Uint8Array[]): TxProofJson {
  const leaves = txIds.map((id, i) => txLeafHash(hash, id, block.results[i]!));
  return {
    txId: toHex(txId),
    code: loc.code,
    height: loc.height,
    header: toHex(block.headerBytes),
    index: loc.index,
    path: merkleInclusionPath(hash, leaves, loc.index).map(toHex),
  };
}
