/**
 * The movement registry as the node serves it (`cfa/assets/:code/moves`): a page of the asset's
 * movement log, each entry a state entry with its proof. Checked here: every proof leads to the
 * state root of its block header, the value is the entry shown, the key is the entry's, and the
 * header is the block the chain holds at that height (its hash recomputed here, its node
 * signatures valid; the caller passes that block's verdict).
 */
import { headerHash, type StateProofJson, verifyStateEntry } from '@konsortium/client';
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
  readonly items: readonly ProvenJson[];
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
  if (!isObj(v) || typeof v['count'] !== 'number' || !Array.isArray(v['items'])) throw new Error('the node answered something that is not a movement page');
  return { count: v['count'], log: readProven(v['log']), items: v['items'].map(readProven) };
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

/**
 * Checks one entry of asset `code`'s log. `trusted(height)` is the recomputed hash of the chain's
 * block at that height when it verified (hash and node signatures), else null.
 */
export function checkEntry(suite: CryptoSuite, code: string, proof: ProvenJson, trusted: (height: number) => string | null): EntryCheck {
  const entry = verifyStateEntry(suite, proof);
  const fromJson = isMove(proof.json) ? proof.json : null;
  if (entry === null) return { ok: false, reason: 'proof', move: fromJson, height: proof.height };
  const value = parseValue(entry.value);
  const move = isMove(value) ? value : null;
  if (move === null || JSON.stringify(value) !== JSON.stringify(proof.json)) return { ok: false, reason: 'value', move: fromJson, height: entry.height };
  if (entry.key !== `cfa/moves/${code}/${move.seq}` || move.asset !== code) return { ok: false, reason: 'key', move, height: entry.height };
  const hash = trusted(entry.height);
  if (hash === null || toHex(headerHash(suite, entry.header)) !== hash) return { ok: false, reason: 'block', move, height: entry.height };
  return { ok: true, move, height: entry.height, blockHash: hash };
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
