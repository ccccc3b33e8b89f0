/** What the KV state machine stores per key, and what a put returns. */

export interface KvRecord {
  readonly value: string;
  /** Raft index of the entry that last wrote the key. */
  readonly revision: number;
  /** UTF-8 sizes of key and value, known when applied: snapshots need not measure strings. */
  readonly keyBytes: number;
  readonly valueBytes: number;
}

export interface PutResult {
  readonly key: string;
  readonly revision: number;
}
