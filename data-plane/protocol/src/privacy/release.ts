/**
 * A key-release request: what a reader signs with its member key to ask the channel's nodes
 * for their shares of a record version's data key. One signed request may go to every node;
 * each seals its share to the request's one-time X25519 key, so a replayed or intercepted
 * request yields nothing readable. Nodes refuse requests outside a freshness window.
 */
import { utf8 } from '../codec/bytes.js';

export interface KeyReleaseFields {
  readonly channel: string;
  readonly record: string;
  readonly version: number;
  /** The reader's signing public key (hex), a key of a channel member. */
  readonly requester: string;
  /** X25519 public key (hex) the shares are sealed to; used once. */
  readonly oneTimeKey: string;
  /** 16..32 random bytes (hex): names the request in the access log. */
  readonly requestId: string;
  /** Milliseconds since the epoch, by the reader's clock. */
  readonly issuedAt: number;
}

/** The exact bytes a key-release request's signature covers (signed as suite.sign(key, suite.hash(bytes))). */
export function keyReleaseMessage(f: KeyReleaseFields): Uint8Array {
  return utf8(['konsortium:key-release:v1', f.channel, f.record, String(f.version), f.requester, f.oneTimeKey, f.requestId, String(f.issuedAt)].join('\n'));
}
