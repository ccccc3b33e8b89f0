/**
 * Payloads of the WAL's own record types. Entries and hard states use the Raft codec as is
 * (encodeEntry / encodeHardState); this file covers the records only the WAL knows about.
 *
 *   SegmentHeader  u32 magic 'KWAL' | u8 version (1) | u53 seq | u53 firstIndex | u53 prevTerm | u32 prevCrc
 *   Snapshot       u53 index | u53 term | ConfState (codec.ts writeConfState)
 *   LogReset       u53 index | u53 term
 *
 * SegmentHeader fields: `seq` and `firstIndex` repeat the file name (a renamed or copied file is
 * detected); `firstIndex - 1` is the log's last index when the segment was started and
 * `prevTerm` that entry's term (0 when unknown), so a segment can be replayed without its
 * predecessors once they are released; `prevCrc` is the crc the previous segment ended with,
 * which links the crc chain across files.
 */
import { readConfState, Reader, type SnapshotMetadata, Writer, writeConfState } from '@konsortium/raft';

export const SEGMENT_MAGIC = 0x4b57414c; // 'KWAL'
export const SEGMENT_VERSION = 1;

export interface SegmentHeader {
  readonly seq: number;
  readonly firstIndex: number;
  readonly prevTerm: number;
  readonly prevCrc: number;
}

export function encodeSegmentHeader(h: SegmentHeader): Uint8Array {
  return new Writer(40).u32(SEGMENT_MAGIC).u8(SEGMENT_VERSION).u53(h.seq).u53(h.firstIndex).u53(h.prevTerm).u32(h.prevCrc).finish();
}

/** Throws (RaftError CODEC or Error) on anything but a well-formed version-1 header. */
export function decodeSegmentHeader(b: Uint8Array): SegmentHeader {
  const r = new Reader(b);
  const magic = r.u32('magic');
  if (magic !== SEGMENT_MAGIC) throw new Error(`bad segment magic 0x${magic.toString(16)}`);
  const version = r.u8('version');
  if (version !== SEGMENT_VERSION) throw new Error(`unsupported segment version ${version}`);
  const h = { seq: r.u53('seq'), firstIndex: r.u53('firstIndex'), prevTerm: r.u53('prevTerm'), prevCrc: r.u32('prevCrc') };
  r.end('segment header');
  return h;
}

export function encodeSnapshotMarker(m: SnapshotMetadata): Uint8Array {
  const w = new Writer(64).u53(m.index).u53(m.term);
  writeConfState(w, m.confState);
  return w.finish();
}

export function decodeSnapshotMarker(b: Uint8Array): SnapshotMetadata {
  const r = new Reader(b);
  const index = r.u53('snapshot index');
  const term = r.u53('snapshot term');
  const confState = readConfState(r);
  r.end('snapshot marker');
  return { index, term, confState };
}

export interface LogReset {
  readonly index: number;
  readonly term: number;
}

export function encodeLogReset(x: LogReset): Uint8Array {
  return new Writer(16).u53(x.index).u53(x.term).finish();
}

export function decodeLogReset(b: Uint8Array): LogReset {
  const r = new Reader(b);
  const x = { index: r.u53('reset index'), term: r.u53('reset term') };
  r.end('log reset');
  return x;
}
