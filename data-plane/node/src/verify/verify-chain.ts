/**
 * Offline chain verification (`konsortium verify`): every block hash, Merkle root, link and
 * node signature is recomputed, and the first broken link is reported. The genesis document,
 * when given, anchors the chain: block 0 must hash to what that document produces.
 */
import {
  type Block,
  type ChainProblem,
  checkBlockContents,
  checkLink,
  checkSignatures,
  type CryptoSuite,
  bytesEqual,
  toHex,
} from '@konsortium/protocol';
import type { BlockSource } from './block-source.js';

export interface VerifyOptions {
  readonly suite: CryptoSuite;
  readonly source: BlockSource;
  /** Expected hash of block 0 (from the genesis document). */
  readonly genesisHash?: Uint8Array;
  /** Node signatures each block must carry (default 1: the serving node's own). */
  readonly minSignatures?: number;
  /** Called after each verified block (progress). */
  readonly onBlock?: (height: number) => void;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly lowest: number;
  readonly head: number;
  readonly verified: number;
  readonly problem: ChainProblem | null;
  readonly headHash: string | null;
  /** Whether the world state's root was recomputed and matched the head's (data directory only). */
  readonly stateChecked: boolean;
}

const PAGE = 100;

export async function verifyChain(o: VerifyOptions): Promise<VerifyReport> {
  const { lowest, head } = await o.source.range();
  let prev: Block | null = null;
  let verified = 0;
  const fail = (problem: ChainProblem): VerifyReport => ({ ok: false, lowest, head, verified, problem, headHash: prev === null ? null : toHex(prev.hash), stateChecked: false });
  for (let from = lowest; from <= head; from += PAGE) {
    const page = await o.source.blocks(from, Math.min(PAGE, head - from + 1));
    for (let i = 0; i < page.length; i++) {
      const height = from + i;
      const b = page[i]!;
      if (b instanceof Error) return fail({ code: 'UNREADABLE', height, message: `block ${height} cannot be read: ${b.message}` });
      if (b.header.height !== height) return fail({ code: 'HEIGHT', height, message: `block stored at ${height} says it is block ${b.header.height}` });
      const problem =
        checkBlockContents(o.suite, b, { txSignatures: true }) ??
        (prev === null && height > 0 ? null : checkLink(prev, b)) ??
        checkSignatures(o.suite, b, await o.source.nodeKeysAt(height, b), o.minSignatures ?? 1);
      if (problem !== null) return fail(problem);
      if (height === 0 && o.genesisHash !== undefined && !bytesEqual(b.hash, o.genesisHash)) {
        return fail({ code: 'HEADER_HASH', height: 0, message: `block 0 hashes to ${toHex(b.hash)}, the genesis document gives ${toHex(o.genesisHash)}` });
      }
      prev = b;
      verified++;
      o.onBlock?.(height);
    }
  }
  if (prev === null) return fail({ code: 'HEIGHT', height: lowest, message: 'no blocks' });
  const root = await o.source.recomputeStateRoot();
  if (root !== null && !bytesEqual(root, prev.header.stateRoot)) {
    return {
      ...fail({ code: 'STATE_ROOT', height: head, message: `the stored world state hashes to ${toHex(root)}, block ${head} commits to ${toHex(prev.header.stateRoot)}` }),
      stateChecked: true,
    };
  }
  return { ok: true, lowest, head, verified, problem: null, headHash: toHex(prev.hash), stateChecked: root !== null };
}
