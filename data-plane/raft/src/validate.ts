/**
 * Checks on messages that arrive from the network, before they reach the core. The core
 * trusts its inputs (as etcd's does); the transport must not: a malformed or misaddressed
 * message is refused with a reason and changes nothing.
 */
import { isLocalMessage, type Message, MessageType, NONE, type NodeId } from './types.js';

export interface MessageLimits {
  /** Largest total entry payload accepted in one message. */
  readonly maxEntryBytes: number;
  /** Largest number of entries in one message. */
  readonly maxEntries: number;
}

/** Returns why `m` must be refused by node `self`, or null if it may be stepped. */
export function checkNetworkMessage(m: Message, self: NodeId, limits: MessageLimits): string | null {
  if (isLocalMessage(m.type)) return `local message type ${MessageType[m.type]} received from the network`;
  if (m.to !== self) return `message addressed to ${m.to}, this node is ${self}`;
  if (m.from === NONE || m.from === self) return `invalid sender ${m.from}`;
  const forwarded = m.type === MessageType.Prop || m.type === MessageType.ReadIndex || m.type === MessageType.TransferLeader;
  if (forwarded) {
    if (m.term !== 0) return `forwarded ${MessageType[m.type]} must carry term 0`;
  } else if (m.term === 0) {
    return `${MessageType[m.type]} without a term`;
  }
  if (m.type === MessageType.Prop && m.entries.length === 0) return 'empty proposal';
  if (m.type !== MessageType.App && m.type !== MessageType.Prop && m.entries.length > 0) {
    return `${MessageType[m.type]} must not carry entries`;
  }
  if (m.entries.length > limits.maxEntries) return `${m.entries.length} entries exceed the limit of ${limits.maxEntries}`;
  let bytes = 0;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i]!;
    bytes += e.data.byteLength;
    if (m.type === MessageType.App) {
      if (e.index !== m.index + 1 + i) return `entry ${i} has index ${e.index}, expected ${m.index + 1 + i}`;
      if (e.term > m.term || e.term < (i === 0 ? m.logTerm : m.entries[i - 1]!.term)) return `entry ${e.index} has term ${e.term} out of order`;
    }
  }
  if (bytes > limits.maxEntryBytes) return `${bytes} entry bytes exceed the limit of ${limits.maxEntryBytes}`;
  if ((m.type === MessageType.Snap) !== (m.snapshot !== null)) return 'snapshot present on the wrong message type';
  if (m.type === MessageType.App && m.logTerm > m.term) return 'previous log term above message term';
  if (m.commit < 0 || m.index < 0) return 'negative index';
  return null;
}
