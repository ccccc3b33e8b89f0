/**
 * The first frame on every node-to-node connection, and the answer to it. The connecting side
 * says who it is (cluster, node id, its raft address) and whom it meant to reach; the accepting
 * side refuses anything from another cluster, another protocol version or addressed to another
 * node, so frames of a different cluster can never reach the core.
 *
 *   Hello   u32 magic 'KRFT' | u32 version | u53 fromId | u53 toId | bytes clusterId | bytes raftAddr
 *   Welcome u32 magic 'KRFT' | u32 version | u8 accepted | bytes reason
 */
import { Reader, Writer, type NodeId } from '@konsortium/raft';

export const HANDSHAKE_MAGIC = 0x4b524654; // 'KRFT'
export const PROTOCOL_VERSION = 1;
/** Bound on handshake frames: they are read before we know who is talking. */
export const MAX_HANDSHAKE_BYTES = 1024;

export interface Hello {
  readonly fromId: NodeId;
  readonly toId: NodeId;
  readonly clusterId: string;
  /** The sender's own raft address, so a node that joins with an empty log can answer it. */
  readonly raftAddr: string;
}

export interface Welcome {
  readonly accepted: boolean;
  readonly reason: string;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeHello(h: Hello): Uint8Array {
  return new Writer(128)
    .u32(HANDSHAKE_MAGIC)
    .u32(PROTOCOL_VERSION)
    .u53(h.fromId)
    .u53(h.toId)
    .bytes(utf8.encode(h.clusterId))
    .bytes(utf8.encode(h.raftAddr))
    .finish();
}

/** Decodes a Hello; throws on anything that is not one of our version. */
export function decodeHello(b: Uint8Array): Hello {
  const r = new Reader(b);
  checkPreamble(r);
  const fromId = r.u53('fromId');
  const toId = r.u53('toId');
  const clusterId = fromUtf8.decode(r.bytes('clusterId'));
  const raftAddr = fromUtf8.decode(r.bytes('raftAddr'));
  r.end('hello');
  return { fromId, toId, clusterId, raftAddr };
}

export function encodeWelcome(w: Welcome): Uint8Array {
  return new Writer(64).u32(HANDSHAKE_MAGIC).u32(PROTOCOL_VERSION).u8(w.accepted ? 1 : 0).bytes(utf8.encode(w.reason)).finish();
}

export function decodeWelcome(b: Uint8Array): Welcome {
  const r = new Reader(b);
  checkPreamble(r);
  const accepted = r.bool('accepted');
  const reason = fromUtf8.decode(r.bytes('reason'));
  r.end('welcome');
  return { accepted, reason };
}

function checkPreamble(r: Reader): void {
  const magic = r.u32('magic');
  if (magic !== HANDSHAKE_MAGIC) throw new Error(`bad handshake magic 0x${magic.toString(16)} (not a Konsortium raft peer)`);
  const version = r.u32('version');
  if (version !== PROTOCOL_VERSION) throw new Error(`protocol version ${version} is not supported (this node speaks ${PROTOCOL_VERSION})`);
}

/** Why the accepting node `selfId` of `clusterId` must refuse `h`, or null to accept. */
export function checkHello(h: Hello, selfId: NodeId, clusterId: string): string | null {
  if (h.clusterId !== clusterId) return `cluster id mismatch: peer is in "${h.clusterId}", this node is in "${clusterId}"`;
  if (h.toId !== selfId) return `peer meant to reach node ${h.toId}, this is node ${selfId}`;
  if (!Number.isSafeInteger(h.fromId) || h.fromId <= 0 || h.fromId === selfId) return `invalid sender id ${h.fromId}`;
  return null;
}
