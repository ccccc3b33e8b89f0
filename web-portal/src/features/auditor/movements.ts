/**
 * The movement registry as the node serves it (`cfa/assets/:code/moves`): a page of the asset's
 * movement log as the proven chunks (CFA_MOVE_CHUNK records per state key) that hold it.
 * Checked here for every record shown: its chunk's proof leads to the state root of its block
 * header, the chunk's value is what the node's JSON says, the chunk is the one that must hold
 * that record (key, position, seq, asset), and the header is the block the chain holds at that
 * height (its hash recomputed here, its node signatures valid; the caller passes that verdict).
 */
import { CFA_MOVE_CHUNK, cfaStateKeys, headerHash, type StateProofJson, verifyStateEntry } from '@konsortium/client';
import { type CryptoSuite, toHex } from '@konsortium/protocol';

export interface AssetMove {
  readonly seq: number;
  readonly asset: string;
  readonly entry: 'credit' | 'debit';
  readonly account: string;
  readonly quantity: number;
  readonly cause: string;
  readonly money: number;
  readonly counterparty: string | null;
  readonly ref: string | null;
  readonly txId: string;
  readonly height: number;
  readonly timestamp: number;
}

export type ProvenJson = StateProofJson & { readonly json?: unknown };

export interface MovesPage {
  readonly count: number;
  readonly log: ProvenJson;
  readonly chunks: readonly ProvenJson[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isProof(v: unknown): v is ProvenJson {
  return (
    isObj(v) &&
    typeof v['key'] === 'string' &&
    (v['value'] === null || typeof v['value'] === 'string') &&
    typeof v['height'] === 'number' &&
    typeof v['header'] === 'string' &&
    Array.isArray(v['siblings']) &&
    isObj(v['terminal'])
  );
}

/** Reads a node answer as a proven state entry (a wrong shape is an error, not an empty page). */
export function readProven(v: unknown): ProvenJson {
  if (!isProof(v)) throw new Error('the node answered something that is not a state proof');
  return v;
}

export function readMovesPage(v: unknown): MovesPage {
  if (!isObj(v) || typeof v['count'] !== 'number' || !Array.isArray(v['chunks'])) throw new Error('the node answered something that is not a movement page');
  return { count: v['count'], log: readProven(v['log']), chunks: v['chunks'].map(readProven) };
}

export type EntryCheck =
  | { readonly ok: true; readonly move: AssetMove; readonly height: number; readonly blockHash: string }
  | { readonly ok: false; readonly reason: 'proof' | 'key' | 'value' | 'block'; readonly move: AssetMove | null; readonly height: number };

const decoder = new TextDecoder('utf-8', { fatal: true });

function parseValue(value: Uint8Array | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(decoder.decode(value)) as unknown;
  } catch {
    return undefined;
  }
}

function isMove(v: unknown): v is AssetMove {
  return isObj(v) && typeof v['seq'] === 'number' && (v['entry'] === 'credit' || v['entry'] === 'debit') && typeof v['account'] === 'string' && typeof v['quantity'] === 'number';
}

type ChunkCheck = { readonly ok: true; readonly records: readonly unknown[]; readonly height: number; readonly blockHash: string } | { readonly ok: false; readonly reason: 'proof' | 'value' | 'key' | 'block'; readonly records: readonly unknown[]; readonly height: number };

/** Checks chunk `chunk` of asset `code`'s log. `trusted(height)`: the recomputed hash of the chain's block at that height when it verified, else null. */
function checkChunk(suite: CryptoSuite, code: string, chunk: number, proof: ProvenJson, trusted: (height: number) => string | null): ChunkCheck {
  const fromJson = Array.isArray(proof.json) ? (proof.json as unknown[]) : [];
  const entry = verifyStateEntry(suite, proof);
  if (entry === null) return { ok: false, reason: 'proof', records: fromJson, height: proof.height };
  const value = parseValue(entry.value);
  if (!Array.isArray(value) || JSON.stringify(value) !== JSON.stringify(proof.json)) return { ok: false, reason: 'value', records: fromJson, height: entry.height };
  if (entry.key !== cfaStateKeys.moveChunk(code, chunk)) return { ok: false, reason: 'key', records: value, height: entry.height };
  const hash = trusted(entry.height);
  if (hash === null || toHex(headerHash(suite, entry.header)) !== hash) return { ok: false, reason: 'block', records: value, height: entry.height };
  return { ok: true, records: value, height: entry.height, blockHash: hash };
}

/**
 * Checks records from..from+limit−1 of asset `code`'s log, each from the chunk that must hold
 * it (a chunk the node left out, or a record out of place, fails as 'key').
 */
export function checkPage(suite: CryptoSuite, code: string, page: MovesPage, from: number, limit: number, trusted: (height: number) => string | null): EntryCheck[] {
  const to = Math.min(page.count, from + limit);
  const first = Math.floor(from / CFA_MOVE_CHUNK);
  const chunks = page.chunks.map((proof, i) => checkChunk(suite, code, first + i, proof, trusted));
  const out: EntryCheck[] = [];
  for (let seq = from; seq < to; seq++) {
    const c = chunks[Math.floor(seq / CFA_MOVE_CHUNK) - first];
    if (c === undefined) {
      out.push({ ok: false, reason: 'key', move: null, height: page.log.height });
      continue;
    }
    const record = c.records[seq % CFA_MOVE_CHUNK];
    const move = isMove(record) ? record : null;
    if (!c.ok) out.push({ ok: false, reason: c.reason, move, height: c.height });
    else if (move === null || move.seq !== seq || move.asset !== code) out.push({ ok: false, reason: 'key', move, height: c.height });
    else out.push({ ok: true, move, height: c.height, blockHash: c.blockHash });
  }
  return out;
}

/** The asset codes of `cfa/assets` (a proven value), checked against the trusted block like an entry. */
export function assetCodes(suite: CryptoSuite, proof: ProvenJson, trusted: (height: number) => string | null): { codes: string[]; proven: boolean } {
  const entry = verifyStateEntry(suite, proof);
  const value = entry === null ? undefined : parseValue(entry.value);
  const codes = Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : Array.isArray(proof.json) ? (proof.json as unknown[]).filter((c): c is string => typeof c === 'string') : [];
  const hash = entry === null ? null : trusted(entry.height);
  const proven = entry !== null && hash !== null && toHex(headerHash(suite, entry.header)) === hash;
  return { codes, proven };
}
