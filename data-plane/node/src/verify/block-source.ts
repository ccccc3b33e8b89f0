/** Where the verifier reads a chain from: a node's data directory or a node's HTTP API. */
import type { Block } from '@konsortium/protocol';

export interface BlockSource {
  readonly description: string;
  /** Lowest and highest stored heights (lowest > 0 on a node restored from a snapshot). */
  range(): Promise<{ lowest: number; head: number }>;
  /** Blocks from `from` (at most `limit`), in order; an entry is an Error when that block cannot be read or decoded. */
  blocks(from: number, limit: number): Promise<(Block | Error)[]>;
  /** Block-signing keys of the channel's nodes as of the state after block `height`. */
  nodeKeysAt(height: number, block: Block): Promise<Map<number, Uint8Array>>;
  /** Recomputes the state root from the stored state and returns it, or null when the source cannot (HTTP). */
  recomputeStateRoot(): Promise<Uint8Array | null>;
  close(): Promise<void>;
}
