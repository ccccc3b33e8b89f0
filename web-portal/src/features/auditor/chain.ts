/**
 * Chain integrity in the browser: blocks as a node serves them (hex), decoded and checked here
 * with the protocol's own functions, never trusting the node's word for a hash. For every block
 * of a range: its hash recomputed from its header, its transactions recomputed into the Merkle
 * root its header commits to, its link to the block before (the previous-hash field against
 * that block's recomputed hash), the node signatures over the recomputed hash and, optionally,
 * every transaction's signature.
 *
 * A tamper is one flipped bit in this browser's copy of one block (a header field or a part of
 * a transaction envelope). Re-checking with it shows where the chain breaks: a changed header
 * changes the block's hash, so the next block's previous-hash link no longer matches (and the
 * node signatures over the old hash no longer verify); a changed transaction changes its id, so
 * the block's transaction root no longer matches its header.
 *
 * Everything here is pure: no I/O, no clock. Problems carry codes and values, the screens word
 * them in the user's language.
 */
import {
  type Block,
  blockHashOf,
  type BlockHeader,
  bytesEqual,
  type CryptoSuite,
  decodeBlock,
  decodeBlockHeader,
  decodeTx,
  fromHex,
  isChannelName,
  toHex,
  txRootOf,
  ZERO_HASH,
} from '@konsortium/protocol';

/** A block as the node API serves it (`GET /v1/channels/:ch/blocks`). */
export interface BlockRecordJson {
  readonly height: number;
  readonly hash: string;
  readonly header: string;
  readonly block: string;
}

export const HEADER_FIELDS = ['height', 'prevHash', 'txRoot', 'stateRoot', 'timestamp', 'proposer'] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];
export const TX_PARTS = ['nonce', 'args', 'signature'] as const;
export type TxPart = (typeof TX_PARTS)[number];

export type TamperTarget = { readonly kind: 'header'; readonly field: HeaderField } | { readonly kind: 'tx'; readonly index: number; readonly part: TxPart };

/** One flipped bit: bit 0 is the lowest bit of the field's last byte (a field read as a big-endian number). */
export interface Tamper {
  readonly height: number;
  readonly target: TamperTarget;
  readonly bit: number;
}

export interface ByteSpan {
  readonly offset: number;
  readonly length: number;
}

export type ProblemCode =
  | 'MALFORMED' // the block does not decode (or no longer does, after a flip)
  | 'HEIGHT' // not the height asked for / not consecutive
  | 'CHANNEL' // another channel or suite
  | 'HASH_MISMATCH' // the hash recomputed here is not the hash the node recorded
  | 'GENESIS' // block 0 does not start the chain
  | 'PREV_HASH' // the previous-hash link is not the previous block's recomputed hash
  | 'TIMESTAMP' // older than its predecessor
  | 'TX_MALFORMED' // a transaction does not decode
  | 'TX_ROOT' // the transactions and outcomes do not give the header's root
  | 'SIGNATURE' // a node signature does not verify over the recomputed hash
  | 'UNKNOWN_SIGNER' // signed by a node whose key is not known
  | 'UNSIGNED' // fewer valid node signatures than required
  | 'TX_SIGNATURE'; // a transaction's own signature does not verify

export interface Problem {
  readonly code: ProblemCode;
  readonly height: number;
  /** The other block concerned (PREV_HASH: the previous one). */
  readonly other?: number;
  readonly index?: number;
  readonly nodeId?: number;
  /** Hex values: what was found and what was expected. */
  readonly found?: string;
  readonly expected?: string;
}

export type CheckState = 'ok' | 'fail' | 'skipped';

export interface TxView {
  readonly index: number;
  readonly id: string | null;
  readonly result: string;
  readonly sender: string | null;
  readonly nonce: number | null;
  readonly operations: readonly { readonly contract: string; readonly method: string; readonly argsJson: string }[];
  readonly signatureOk: boolean | null;
}

export interface BlockVerdict {
  readonly height: number;
  /** The hash the node recorded for the block. */
  readonly servedHash: string;
  /** Recomputed here from the header bytes (null: the block does not decode). */
  readonly hash: string | null;
  readonly header: BlockHeader | null;
  readonly txRootComputed: string | null;
  readonly txs: readonly TxView[];
  readonly signers: readonly number[];
  readonly signatureCount: number;
  readonly checks: { readonly hash: CheckState; readonly link: CheckState; readonly txRoot: CheckState; readonly signatures: CheckState; readonly txSignatures: CheckState };
  readonly problems: readonly Problem[];
  readonly tampered: boolean;
}

export interface ChainVerdict {
  readonly ok: boolean;
  readonly blocks: readonly BlockVerdict[];
  readonly problems: readonly Problem[];
  /** Where the chain breaks: the first broken link if any, else the first problem. */
  readonly breakAt: Problem | null;
}

export interface VerifyOptions {
  readonly suite: CryptoSuite;
  readonly channel: string;
  /** Block-signing keys by node id. */
  readonly nodeKeys: ReadonlyMap<number, Uint8Array>;
  /** Distinct known nodes that must have signed each block (default 1). */
  readonly minSignatures?: number;
  /** Also verify every transaction's signature (default true). */
  readonly txSignatures?: boolean;
  /** A trusted hash of the block before the range (its first link is not checked without it, unless the range starts at genesis). */
  readonly anchorHash?: string;
  readonly tamper?: Tamper | null;
}

/** Remembers signature checks (they are the slow part) across re-checks of the same range. */
export class SignatureCache {
  private readonly seen = new Map<string, boolean>();
  verify(suite: CryptoSuite, key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const k = `${suite.id}:${toHex(key)}:${toHex(message)}:${toHex(signature)}`;
    let ok = this.seen.get(k);
    if (ok === undefined) {
      ok = suite.verify(key, message, signature);
      if (this.seen.size > 20_000) this.seen.clear();
      this.seen.set(k, ok);
    }
    return ok;
  }
}

/** Where a header field lies in the encoded header. */
export function headerFieldSpan(headerBytes: Uint8Array, field: HeaderField): ByteSpan {
  const channelLength = headerBytes[2] ?? 0;
  let offset = 3 + channelLength;
  const layout: readonly [HeaderField | 'txCount', number][] = [
    ['height', 8],
    ['prevHash', 32],
    ['txRoot', 32],
    ['stateRoot', 32],
    ['timestamp', 8],
    ['proposer', 4],
    ['txCount', 4],
  ];
  for (const [name, length] of layout) {
    if (name === field) return { offset, length };
    offset += length;
  }
  throw new RangeError(`unknown header field ${field}`);
}

/** Where a part of a transaction envelope lies (nonce, the first operation's arguments, the signature). */
export function txPartSpan(tx: Uint8Array, part: TxPart): ByteSpan {
  const at = (i: number): number => {
    if (i >= tx.length) throw new RangeError('the transaction is shorter than its layout');
    return tx[i]!;
  };
  let o = 2; // version, suite
  o += 1 + at(o); // channel
  o += 1 + at(o); // sender key
  if (part === 'nonce') return { offset: o, length: 8 };
  o += 8;
  const count = at(o);
  o += 1;
  const argsSpans: ByteSpan[] = [];
  for (let i = 0; i < count; i++) {
    o += 1 + at(o); // contract
    o += 1 + at(o); // method
    const n = ((at(o) << 24) >>> 0) + (at(o + 1) << 16) + (at(o + 2) << 8) + at(o + 3);
    o += 4;
    argsSpans.push({ offset: o, length: n });
    o += n;
  }
  if (part === 'args') {
    const first = argsSpans[0];
    if (first === undefined || first.length === 0) throw new RangeError('the transaction has no arguments');
    return first;
  }
  return { offset: o + 1, length: at(o) };
}

/** A copy of `bytes` with bit `bit` of the span flipped (bit 0: lowest bit of the span's last byte). */
export function flipBit(bytes: Uint8Array, span: ByteSpan, bit: number): Uint8Array {
  if (!Number.isInteger(bit) || bit < 0 || bit >= span.length * 8) throw new RangeError(`bit must be 0..${span.length * 8 - 1}`);
  const out = Uint8Array.from(bytes);
  const i = span.offset + span.length - 1 - Math.floor(bit / 8);
  out[i] = out[i]! ^ (1 << bit % 8);
  return out;
}

/** The span a tamper target names in a decoded block. */
export function targetSpan(block: Block, target: TamperTarget): ByteSpan {
  if (target.kind === 'header') return headerFieldSpan(block.headerBytes, target.field);
  const tx = block.txs[target.index];
  if (tx === undefined) throw new RangeError(`the block has no transaction ${target.index}`);
  return txPartSpan(tx, target.part);
}

/** The tamper targets a block offers (header fields; each transaction's parts that it has). */
export function tamperTargets(block: Block): { target: TamperTarget; bits: number }[] {
  const out: { target: TamperTarget; bits: number }[] = HEADER_FIELDS.map((field) => ({ target: { kind: 'header', field } as const, bits: headerFieldSpan(block.headerBytes, field).length * 8 }));
  block.txs.forEach((_, index) => {
    for (const part of TX_PARTS) {
      try {
        const span = txPartSpan(block.txs[index]!, part);
        if (span.length > 0) out.push({ target: { kind: 'tx', index, part }, bits: span.length * 8 });
      } catch {
        // a part this transaction does not have
      }
    }
  });
  return out;
}

export function targetKey(t: TamperTarget): string {
  return t.kind === 'header' ? `header:${t.field}` : `tx:${t.index}:${t.part}`;
}

export function parseTargetKey(key: string): TamperTarget | null {
  const [kind, a, b] = key.split(':');
  if (kind === 'header' && (HEADER_FIELDS as readonly string[]).includes(a ?? '')) return { kind: 'header', field: a as HeaderField };
  if (kind === 'tx' && /^\d+$/.test(a ?? '') && (TX_PARTS as readonly string[]).includes(b ?? '')) return { kind: 'tx', index: Number(a), part: b as TxPart };
  return null;
}

/** What a tamper changed: the byte's position in the block's part, and its value before and after. */
export interface TamperEffect {
  readonly byteOffset: number;
  readonly before: number;
  readonly after: number;
}

export function decodeRecord(suite: CryptoSuite, record: BlockRecordJson): Block {
  return decodeBlock((d) => suite.hash(d), fromHex(record.block));
}

/** Applies a tamper to a decoded block: a new block whose hash is recomputed from the changed header. */
export function tamperBlock(suite: CryptoSuite, block: Block, tamper: Tamper): { block: Block; headerDecodes: boolean; effect: TamperEffect } {
  const span = targetSpan(block, tamper.target);
  const byteOffset = span.offset + span.length - 1 - Math.floor(tamper.bit / 8);
  if (tamper.target.kind === 'header') {
    const headerBytes = flipBit(block.headerBytes, span, tamper.bit);
    const hash = blockHashOf((d) => suite.hash(d), headerBytes);
    let header = block.header;
    let headerDecodes = true;
    try {
      header = decodeBlockHeader(headerBytes);
    } catch {
      headerDecodes = false;
    }
    return { block: { ...block, header, headerBytes, hash }, headerDecodes, effect: { byteOffset, before: block.headerBytes[byteOffset]!, after: headerBytes[byteOffset]! } };
  }
  const index = tamper.target.index;
  const original = block.txs[index]!;
  const changed = flipBit(original, span, tamper.bit);
  const txs = block.txs.map((t, i) => (i === index ? changed : t));
  return { block: { ...block, txs }, headerDecodes: true, effect: { byteOffset, before: original[byteOffset]!, after: changed[byteOffset]! } };
}

function viewTx(suite: CryptoSuite, bytes: Uint8Array, index: number, result: string, checkSig: boolean, cache: SignatureCache): { view: TxView; id: Uint8Array | null } {
  try {
    const tx = decodeTx(bytes, { suite, maxBytes: Number.MAX_SAFE_INTEGER });
    const signatureOk = checkSig ? cache.verify(suite, tx.sender, tx.id, tx.signature) : null;
    return {
      id: tx.id,
      view: { index, id: toHex(tx.id), result, sender: toHex(tx.sender), nonce: tx.nonce, operations: tx.operations.map((o) => ({ contract: o.contract, method: o.method, argsJson: o.argsJson })), signatureOk },
    };
  } catch {
    return { id: null, view: { index, id: null, result, sender: null, nonce: null, operations: [], signatureOk: null } };
  }
}

/** Checks one block on its own and against the block before it (`prev`: its verdict and decoded header, null at the start of the range). */
export function checkBlock(
  o: VerifyOptions,
  record: BlockRecordJson,
  expectedHeight: number,
  prev: { readonly hash: string | null; readonly header: BlockHeader | null; readonly height: number } | null,
  cache: SignatureCache = new SignatureCache(),
): BlockVerdict {
  const suite = o.suite;
  const problems: Problem[] = [];
  const tamper = o.tamper !== undefined && o.tamper !== null && o.tamper.height === expectedHeight ? o.tamper : null;
  const failed = (code: ProblemCode, extra: Omit<Problem, 'code' | 'height'> = {}): BlockVerdict => ({
    height: expectedHeight,
    servedHash: record.hash,
    hash: null,
    header: null,
    txRootComputed: null,
    txs: [],
    signers: [],
    signatureCount: 0,
    checks: { hash: 'fail', link: 'skipped', txRoot: 'skipped', signatures: 'skipped', txSignatures: 'skipped' },
    problems: [{ code, height: expectedHeight, ...extra }],
    tampered: tamper !== null,
  });

  let block: Block;
  try {
    block = decodeRecord(suite, record);
  } catch {
    return failed('MALFORMED');
  }
  let headerDecodes = true;
  if (tamper !== null) {
    try {
      const t = tamperBlock(suite, block, tamper);
      block = t.block;
      headerDecodes = t.headerDecodes;
    } catch {
      return failed('MALFORMED');
    }
  }
  const hash = toHex(block.hash);
  if (!headerDecodes) return { ...failed('MALFORMED'), hash };
  const h = block.header;

  // The hash, recomputed from the header bytes, against what the node recorded.
  const hashOk = hash === record.hash && record.height === expectedHeight;
  if (record.height !== expectedHeight || h.height !== expectedHeight) problems.push({ code: 'HEIGHT', height: expectedHeight, found: String(h.height), expected: String(expectedHeight) });
  if (hash !== record.hash) problems.push({ code: 'HASH_MISMATCH', height: expectedHeight, found: hash, expected: record.hash });
  if (h.channel !== o.channel || h.suite !== suite.id || !isChannelName(h.channel)) problems.push({ code: 'CHANNEL', height: expectedHeight, found: `${h.channel}/${h.suite}` });

  // The link to the block before.
  let link: CheckState = 'skipped';
  if (prev !== null) {
    if (prev.hash === null) link = 'skipped';
    else if (toHex(h.prevHash) !== prev.hash) {
      link = 'fail';
      problems.push({ code: 'PREV_HASH', height: expectedHeight, other: prev.height, found: toHex(h.prevHash), expected: prev.hash });
    } else link = 'ok';
    if (prev.header !== null && h.timestamp < prev.header.timestamp) problems.push({ code: 'TIMESTAMP', height: expectedHeight, other: prev.height });
  } else if (expectedHeight === 0) {
    link = bytesEqual(h.prevHash, ZERO_HASH) ? 'ok' : 'fail';
    if (link === 'fail') problems.push({ code: 'GENESIS', height: 0, found: toHex(h.prevHash), expected: toHex(ZERO_HASH) });
  } else if (o.anchorHash !== undefined) {
    link = toHex(h.prevHash) === o.anchorHash ? 'ok' : 'fail';
    if (link === 'fail') problems.push({ code: 'PREV_HASH', height: expectedHeight, other: expectedHeight - 1, found: toHex(h.prevHash), expected: o.anchorHash });
  }

  // Transactions: decoded, their ids and outcomes into the Merkle root.
  const checkTxSigs = o.txSignatures ?? true;
  const txs: TxView[] = [];
  const ids: Uint8Array[] = [];
  let txMalformed = false;
  block.txs.forEach((bytes, i) => {
    const { view, id } = viewTx(suite, bytes, i, block.results[i] ?? '', checkTxSigs, cache);
    txs.push(view);
    if (id === null) {
      txMalformed = true;
      problems.push({ code: 'TX_MALFORMED', height: expectedHeight, index: i });
    } else ids.push(id);
  });
  let txRootComputed: string | null = null;
  let txRoot: CheckState = 'skipped';
  if (!txMalformed) {
    txRootComputed = toHex(txRootOf((d) => suite.hash(d), ids, block.results));
    txRoot = txRootComputed === toHex(h.txRoot) ? 'ok' : 'fail';
    if (txRoot === 'fail') problems.push({ code: 'TX_ROOT', height: expectedHeight, found: txRootComputed, expected: toHex(h.txRoot) });
  }
  let txSignatures: CheckState = checkTxSigs ? 'ok' : 'skipped';
  if (checkTxSigs) {
    for (const t of txs) {
      if (t.signatureOk === false && t.result !== 'BAD_SIGNATURE') {
        txSignatures = 'fail';
        problems.push({ code: 'TX_SIGNATURE', height: expectedHeight, index: t.index });
      }
    }
  }

  // Node signatures over the recomputed hash.
  const signers = new Set<number>();
  let signatures: CheckState = 'ok';
  for (const s of block.signatures) {
    const key = o.nodeKeys.get(s.nodeId);
    if (key === undefined) {
      signatures = 'fail';
      problems.push({ code: 'UNKNOWN_SIGNER', height: expectedHeight, nodeId: s.nodeId });
    } else if (!cache.verify(suite, key, block.hash, s.signature)) {
      signatures = 'fail';
      problems.push({ code: 'SIGNATURE', height: expectedHeight, nodeId: s.nodeId });
    } else signers.add(s.nodeId);
  }
  if (signers.size < (o.minSignatures ?? 1)) {
    signatures = 'fail';
    problems.push({ code: 'UNSIGNED', height: expectedHeight, found: String(signers.size), expected: String(o.minSignatures ?? 1) });
  }

  return {
    height: expectedHeight,
    servedHash: record.hash,
    hash,
    header: h,
    txRootComputed,
    txs,
    signers: [...signers].sort((a, b) => a - b),
    signatureCount: block.signatures.length,
    checks: { hash: hashOk ? 'ok' : 'fail', link, txRoot, signatures, txSignatures },
    problems,
    tampered: tamper !== null,
  };
}

/** Sums up block verdicts: ok, every problem in height order, and where the chain breaks. */
export function summarize(blocks: readonly BlockVerdict[]): ChainVerdict {
  const problems = blocks.flatMap((b) => b.problems);
  const link = problems.find((p) => p.code === 'PREV_HASH' || p.code === 'GENESIS');
  return { ok: problems.length === 0, blocks, problems, breakAt: link ?? problems[0] ?? null };
}

/** Checks a consecutive range of blocks (records in height order, the first at `records[0].height`). */
export function verifyRange(o: VerifyOptions, records: readonly BlockRecordJson[], cache: SignatureCache = new SignatureCache()): ChainVerdict {
  const blocks: BlockVerdict[] = [];
  const from = records[0]?.height ?? 0;
  records.forEach((r, i) => {
    const prev = blocks[i - 1];
    blocks.push(checkBlock(o, r, from + i, prev === undefined ? null : { hash: prev.hash, header: prev.header, height: prev.height }, cache));
  });
  return summarize(blocks);
}

/** Node keys as the API lists them (hex), as a map. */
export function keyMap(keys: readonly { readonly nodeId: number; readonly publicKey: string }[]): Map<number, Uint8Array> {
  return new Map(keys.map((k) => [k.nodeId, fromHex(k.publicKey)] as const));
}

/** Short form of a hex hash for tables (the full value goes in a title / details). */
export function shortHex(hex: string | null | undefined, n = 10): string {
  if (hex === null || hex === undefined) return '—';
  return hex.length <= n * 2 ? hex : `${hex.slice(0, n)}…${hex.slice(-4)}`;
}
