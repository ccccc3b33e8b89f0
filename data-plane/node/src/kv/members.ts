/**
 * Member addresses as they travel in a ConfChange's context (JSON, off the hot path) and live
 * in the replicated state, so that every replica, and every snapshot, knows where members are.
 */
import type { NodeId } from '@konsortium/raft';
import { parseHostPort } from '../addresses.js';

export interface MemberAddress {
  readonly raftAddr: string;
  readonly httpAddr: string;
}

export interface Member extends MemberAddress {
  readonly id: NodeId;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function encodeMemberContext(a: MemberAddress): Uint8Array {
  return utf8.encode(JSON.stringify({ raftAddr: a.raftAddr, httpAddr: a.httpAddr }));
}

/** The addresses in a ConfChange context, or null if absent or malformed (treated alike everywhere). */
export function decodeMemberContext(context: Uint8Array): MemberAddress | null {
  if (context.byteLength === 0) return null;
  try {
    const o = JSON.parse(fromUtf8.decode(context)) as unknown;
    if (typeof o !== 'object' || o === null) return null;
    const { raftAddr, httpAddr } = o as Record<string, unknown>;
    if (typeof raftAddr !== 'string' || typeof httpAddr !== 'string') return null;
    if (parseHostPort(raftAddr) === null || parseHostPort(httpAddr) === null) return null;
    return { raftAddr, httpAddr };
  } catch {
    return null;
  }
}
