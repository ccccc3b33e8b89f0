// A small real chain built with protocol functions: signed transactions, blocks with real tx
// roots, state roots and node signatures, and the proofs a node would serve.
import {
  type Block,
  encodeBlock,
  fromHex,
  intlSuite,
  type KeyPair,
  makeBlock,
  merkleInclusionPath,
  pathBit,
  SMT_EMPTY,
  smtLeafHash,
  type SmtLeaf,
  smtNodeHash,
  smtPath,
  smtReferenceRoot,
  type StateProofJson,
  toHex,
  type Transaction,
  txLeafHash,
  txRootOf,
  type TxProofJson,
  utf8,
  ZERO_HASH,
} from '@konsortium/protocol';
import { type BlockRecord, type NodeKey, Signer } from '../../src/index.js';

export const CHANNEL = 'main';
export const suite = intlSuite;
export const hash = (d: Uint8Array): Uint8Array => suite.hash(d);
export const T0 = 1_700_000_000_000;

/** Deterministic node key pairs (ids 1..n). */
export function nodeKeyPairs(n = 3): Map<number, KeyPair> {
  const out = new Map<number, KeyPair>();
  for (let id = 1; id <= n; id++) out.set(id, suite.generateKeyPair((len) => new Uint8Array(len).fill(id)));
  return out;
}

export interface ChainBlock {
  readonly block: Block;
  readonly txs: readonly Transaction[];
  /** The state (key → value) right after this block. */
  readonly state: ReadonlyMap<string, Uint8Array>;
}

export interface Chain {
  readonly blocks: ChainBlock[];
  readonly nodeKeys: Map<number, KeyPair>;
  readonly users: Signer[];
}

/**
 * Genesis plus `height` blocks, 1..3 transactions each; every third transaction is rejected
 * (INSUFFICIENT_FUNDS, recorded but not applied); an applied one sets `acct/<n>` to its amount.
 */
export function buildChain(height = 6, genesisState: ReadonlyMap<string, Uint8Array> = new Map()): Chain {
  const nodeKeys = nodeKeyPairs();
  const users = [1, 2, 3].map((i) => new Signer('intl', new Uint8Array(32).fill(100 + i)));
  const state = new Map(genesisState);
  const blocks: ChainBlock[] = [];
  let prev: Block | undefined;
  let n = 0;
  for (let h = 0; h <= height; h++) {
    const txs: Transaction[] = [];
    const results: string[] = [];
    const count = h === 0 ? 0 : 1 + (h % 3);
    for (let i = 0; i < count; i++, n++) {
      const user = users[n % users.length]!;
      txs.push(user.buildTx(CHANNEL, { contract: 'cfa', method: 'transfer', args: { to: `acct/${n}`, amount: n * 10 } }, { nonce: 1000 + n }));
      const ok = n % 3 !== 2;
      results.push(ok ? 'OK' : 'INSUFFICIENT_FUNDS');
      if (ok) state.set(`acct/${n}`, utf8(String(n * 10)));
    }
    const header = {
      suite: suite.id,
      channel: CHANNEL,
      height: h,
      prevHash: prev === undefined ? ZERO_HASH : prev.hash,
      txRoot: txRootOf(
        hash,
        txs.map((t) => t.id),
        results,
      ),
      stateRoot: smtReferenceRoot(hash, state),
      timestamp: T0 + h * 1000,
      proposer: 1 + (h % 3),
      txCount: txs.length,
    };
    const unsigned = makeBlock(
      suite,
      header,
      txs.map((t) => t.bytes),
      results,
    );
    const signatures = [1, 2].map((id) => ({ nodeId: id, signature: suite.sign(nodeKeys.get(id)!.privateKey, unsigned.hash) }));
    const block = { ...unsigned, signatures };
    blocks.push({ block, txs, state: new Map(state) });
    prev = block;
  }
  return { blocks, nodeKeys, users };
}

export function recordOf(b: Block): BlockRecord {
  return { height: b.header.height, hash: toHex(b.hash), header: toHex(b.headerBytes), block: toHex(encodeBlock(b)) };
}

export function nodeKeyList(chain: Chain): NodeKey[] {
  return [...chain.nodeKeys].map(([nodeId, kp]) => ({ nodeId, publicKey: toHex(kp.publicKey) }));
}

/** Where a transaction is: block height and index. */
export function findTx(chain: Chain, txId: string): { height: number; index: number } | undefined {
  for (const cb of chain.blocks) {
    const index = cb.txs.findIndex((t) => toHex(t.id) === txId);
    if (index >= 0) return { height: cb.block.header.height, index };
  }
  return undefined;
}

export function txProofOf(chain: Chain, txId: string): TxProofJson | undefined {
  const at = findTx(chain, txId);
  if (at === undefined) return undefined;
  const { block, txs } = chain.blocks[at.height]!;
  const leaves = txs.map((t, i) => txLeafHash(hash, t.id, block.results[i]!));
  return {
    txId,
    code: block.results[at.index]!,
    height: at.height,
    header: toHex(block.headerBytes),
    index: at.index,
    path: merkleInclusionPath(hash, leaves, at.index).map(toHex),
  };
}

// ---- sparse Merkle proofs, built by hand from the definition in protocol/src/proof/smt.ts ----

function leavesOf(state: ReadonlyMap<string, Uint8Array>): SmtLeaf[] {
  return [...state].map(([k, v]) => ({ path: smtPath(hash, utf8(k)), valueHash: hash(v) }));
}

/** The root of the subtree at `depth` holding `leaves` (all sharing the path prefix above it). */
export function subtreeRoot(leaves: readonly SmtLeaf[], depth: number): Uint8Array {
  if (leaves.length === 0) return SMT_EMPTY;
  if (leaves.length === 1) return smtLeafHash(hash, leaves[0]!.path, leaves[0]!.valueHash);
  const left = leaves.filter((l) => pathBit(l.path, depth) === 0);
  const right = leaves.filter((l) => pathBit(l.path, depth) === 1);
  return smtNodeHash(hash, subtreeRoot(left, depth + 1), subtreeRoot(right, depth + 1));
}

/** Siblings from the root down to where `key`'s path ends, and the terminal there. */
export function smtProofParts(state: ReadonlyMap<string, Uint8Array>, key: string): Pick<StateProofJson, 'siblings' | 'terminal'> {
  const target = smtPath(hash, utf8(key));
  const siblings: string[] = [];
  let here = leavesOf(state);
  for (let depth = 0; ; depth++) {
    if (here.length === 0) return { siblings, terminal: { kind: 'empty' } };
    if (here.length === 1) return { siblings, terminal: { kind: 'leaf', path: toHex(here[0]!.path), valueHash: toHex(here[0]!.valueHash) } };
    const bit = pathBit(target, depth);
    siblings.push(toHex(subtreeRoot(here.filter((l) => pathBit(l.path, depth) !== bit), depth + 1)));
    here = here.filter((l) => pathBit(l.path, depth) === bit);
  }
}

export function stateProofOf(chain: Chain, key: string, height = chain.blocks.length - 1): StateProofJson {
  const cb = chain.blocks[height]!;
  const value = cb.state.get(key);
  return { key, value: value === undefined ? null : toHex(value), height, header: toHex(cb.block.headerBytes), ...smtProofParts(cb.state, key) };
}

/** Flips one bit of a hex string at byte `offset`. */
export function flipHexBit(hex: string, offset: number, bit = 0): string {
  const bytes = fromHex(hex);
  bytes[offset]! ^= 1 << bit;
  return toHex(bytes);
}
