/**
 * Pending writes during execution of a block: a block-level overlay over the store, and a
 * transaction-level overlay over that which is merged on success and dropped on failure
 * (all-or-nothing transactions).
 */
import type { StateReader } from './contract.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export type Writes = Map<string, Uint8Array | null>;

export class StateOverlay implements StateReader {
  readonly writes: Writes = new Map();

  constructor(private readonly below: { get(key: string): Uint8Array | undefined }) {}

  get(key: string): Uint8Array | undefined {
    const w = this.writes.get(key);
    if (w !== undefined) return w === null ? undefined : w;
    return this.below.get(key);
  }

  getJson<T>(key: string): T | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : (JSON.parse(decoder.decode(v)) as T);
  }

  put(key: string, value: Uint8Array): void {
    this.writes.set(key, value);
  }

  putJson(key: string, value: unknown): void {
    this.writes.set(key, encoder.encode(JSON.stringify(value)));
  }

  delete(key: string): void {
    this.writes.set(key, null);
  }

  /** Moves this overlay's writes into `target` (a transaction into its block). */
  mergeInto(target: StateOverlay): void {
    for (const [k, v] of this.writes) target.writes.set(k, v);
  }
}

export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function parseJsonBytes<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}
