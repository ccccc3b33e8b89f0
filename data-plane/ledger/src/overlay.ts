/**
 * Pending writes during execution of a block: a block-level overlay over the store, and a
 * transaction-level overlay over that which is merged on success and dropped on failure
 * (all-or-nothing transactions).
 *
 * Contract state is JSON, and a few keys are touched by most transactions of a block (an
 * asset's owners, a fee collector's balance, a log counter). So values written with putJson are
 * kept as objects and encoded once, when the block's writes are taken; values read with getJson
 * are parsed once per block. Cached objects are frozen (top level): contracts update state by
 * writing new values, and a contract that tried to change a value it read would throw (a
 * deterministic CONTRACT_FAILED), never alter state behind the ledger's back.
 */
import type { StateReader } from './contract.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export type Writes = Map<string, Uint8Array | null>;

/** A pending write: bytes, a JSON value not encoded yet, or a deletion. */
type Pending = Uint8Array | { readonly json: unknown } | null;

interface Below {
  get(key: string): Uint8Array | undefined;
  getJson?<T>(key: string): T | undefined;
}

function freeze<T>(v: T): T {
  return typeof v === 'object' && v !== null ? Object.freeze(v) : v;
}

function isJson(p: Pending): p is { readonly json: unknown } {
  return p !== null && !(p instanceof Uint8Array);
}

export class StateOverlay implements StateReader {
  private readonly pending = new Map<string, Pending>();
  /** Values parsed from the layer below, by key (only keys not written here). */
  private readonly parsed = new Map<string, unknown>();

  constructor(private readonly below: Below) {}

  /** The writes as bytes (JSON values encoded now, once). */
  get writes(): Writes {
    const out: Writes = new Map();
    for (const [k, p] of this.pending) out.set(k, isJson(p) ? encoder.encode(JSON.stringify(p.json)) : p);
    return out;
  }

  get size(): number {
    return this.pending.size;
  }

  get(key: string): Uint8Array | undefined {
    const p = this.pending.get(key);
    if (p === undefined) return this.below.get(key);
    if (p === null) return undefined;
    return isJson(p) ? encoder.encode(JSON.stringify(p.json)) : p;
  }

  getJson<T>(key: string): T | undefined {
    const p = this.pending.get(key);
    if (p === undefined) {
      if (this.parsed.has(key)) return this.parsed.get(key) as T;
      const v = this.below.getJson !== undefined ? this.below.getJson<T>(key) : parseOrUndefined<T>(this.below.get(key));
      this.parsed.set(key, v);
      return v;
    }
    if (p === null) return undefined;
    if (isJson(p)) return p.json as T;
    return JSON.parse(decoder.decode(p)) as T;
  }

  put(key: string, value: Uint8Array): void {
    this.pending.set(key, value);
  }

  putJson(key: string, value: unknown): void {
    this.pending.set(key, { json: freeze(value) });
  }

  delete(key: string): void {
    this.pending.set(key, null);
  }

  /** Moves this overlay's writes into `target` (a transaction into its block). */
  mergeInto(target: StateOverlay): void {
    for (const [k, v] of this.pending) {
      target.pending.set(k, v);
      target.parsed.delete(k);
    }
  }
}

function parseOrUndefined<T>(v: Uint8Array | undefined): T | undefined {
  return v === undefined ? undefined : freeze(JSON.parse(decoder.decode(v)) as T);
}

export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function parseJsonBytes<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}
