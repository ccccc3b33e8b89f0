/**
 * The replicated key-value state machine used by the simulator, and its command encoding.
 * Deterministic: the same commands in the same order give the same state and bytes.
 */
export interface PutCommand {
  readonly requestId: string;
  readonly key: string;
  readonly value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePut(c: PutCommand): Uint8Array {
  return encoder.encode(JSON.stringify([c.requestId, c.key, c.value]));
}

export function decodePut(b: Uint8Array): PutCommand {
  const [requestId, key, value] = JSON.parse(decoder.decode(b)) as [string, string, string];
  return { requestId, key, value };
}

export class KvStore {
  private readonly data = new Map<string, string>();

  apply(c: PutCommand): void {
    this.data.set(c.key, c.value);
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  serialize(): Uint8Array {
    const entries = [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return encoder.encode(JSON.stringify(entries));
  }

  static restore(b: Uint8Array): KvStore {
    const kv = new KvStore();
    if (b.byteLength === 0) return kv;
    for (const [k, v] of JSON.parse(decoder.decode(b)) as [string, string][]) kv.data.set(k, v);
    return kv;
  }
}
