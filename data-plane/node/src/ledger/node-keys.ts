/**
 * A node's private keys: one per crypto suite it signs blocks with (a node may serve channels
 * of different suites), and optionally its X25519 seal key, to which key shares of encrypted
 * data and ballots are sealed. The file is JSON:
 *   { "intl": "<hex>", "gost": "<hex>", "sm": "<hex>", "seal": "<hex>" }
 * any subset; it should be readable by the node's user only. Keys are never logged.
 */
import { readFile } from 'node:fs/promises';
import { fromHex, isSuiteId, suiteById, type SuiteId, X25519_KEY_BYTES } from '@konsortium/protocol';

export interface NodeKeys {
  readonly signing: ReadonlyMap<SuiteId, Uint8Array>;
  /** X25519 private key; null: this node holds no key shares. */
  readonly seal: Uint8Array | null;
}

export class NodeKeyError extends Error {
  readonly code = 'INVALID_NODE_KEY';
}

export function parseNodeKeys(json: unknown, source: string): NodeKeys {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new NodeKeyError(`${source}: expected a JSON object of suite → private key hex`);
  const keys = new Map<SuiteId, Uint8Array>();
  let seal: Uint8Array | null = null;
  for (const [suite, hex] of Object.entries(json)) {
    if (suite === 'seal') {
      if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new NodeKeyError(`${source}: the seal key must be ${X25519_KEY_BYTES} bytes of lower-case hex`);
      seal = fromHex(hex);
      continue;
    }
    if (!isSuiteId(suite)) throw new NodeKeyError(`${source}: unknown suite "${suite}"`);
    if (typeof hex !== 'string') throw new NodeKeyError(`${source}: the ${suite} key must be a hex string`);
    let key: Uint8Array;
    try {
      key = fromHex(hex);
      suiteById(suite).publicKeyOf(key);
    } catch {
      throw new NodeKeyError(`${source}: the ${suite} key is not a valid private key`);
    }
    keys.set(suite, key);
  }
  return { signing: keys, seal };
}

export async function readNodeKeys(file: string): Promise<NodeKeys> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new NodeKeyError(`cannot read node key file ${file}: ${(err as Error).message}`);
  }
  try {
    return parseNodeKeys(JSON.parse(text), file);
  } catch (err) {
    if (err instanceof NodeKeyError) throw err;
    throw new NodeKeyError(`${file} is not JSON`);
  }
}
