/**
 * WAL record framing: how records are laid out in a segment file and how they are verified.
 *
 * On-disk format (all integers unsigned big-endian, like @konsortium/raft's codec)
 * ------------------------------------------------------------------------------
 * A segment file `<seq:16 hex>-<firstIndex:16 hex>.wal` is a sequence of records:
 *
 *   offset 0  u32  crc      CRC-32 (zlib) of bytes [4, 9 + length), seeded with the crc of the
 *                           previous record in the same segment (0 for the segment's first one)
 *   offset 4  u8   type     RecordType below; 0 is never valid (zero-filled tails fail)
 *   offset 5  u32  length   payload length, at most maxRecordBytes
 *   offset 9  ...  payload  `length` bytes, type-specific (see payload.ts)
 *
 * Chaining the crc means a record only verifies in its place: records cannot be reordered,
 * dropped or spliced in from elsewhere without detection. A segment's first record is always
 * a SegmentHeader, whose payload carries the crc the previous segment ended with, so the chain
 * also links segments (see payload.ts).
 *
 * There is no padding and no preallocation: a file ends exactly after its last record.
 */
import { crc32 } from 'node:zlib';
import { assert } from '@konsortium/raft';

export const RECORD_HEADER_BYTES = 9;

export enum RecordType {
  /** First record of every segment: magic, version, sequence, first index, chain link. */
  SegmentHeader = 1,
  /** An encoded HardState (codec.ts encodeHardState). */
  HardState = 2,
  /** An encoded Entry (codec.ts encodeEntry). */
  Entry = 3,
  /** SnapshotMetadata of a snapshot the node saved: (index, term, confState). */
  Snapshot = 4,
  /** The log was replaced by snapshot (index, term) at open time; carries no confState. */
  LogReset = 5,
}

export const RECORD_TYPE_MAX = RecordType.LogReset;

export interface RecordInput {
  readonly type: RecordType;
  readonly payload: Uint8Array;
}

export function recordSize(payloadBytes: number): number {
  return RECORD_HEADER_BYTES + payloadBytes;
}

function checksum(frame: Uint8Array, seed: number): number {
  // Covers type, length and payload: everything but the crc field itself.
  return crc32(frame.subarray(4), seed);
}

/**
 * Frames `records` back to back into one buffer (one write(2) for a whole group), chaining the
 * crc from `seed`. Returns the buffer and the crc of the last record (the next seed).
 */
export function frameRecords(records: readonly RecordInput[], seed: number): { bytes: Buffer; crc: number } {
  let total = 0;
  for (const r of records) total += recordSize(r.payload.byteLength);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  let crc = seed;
  for (const r of records) {
    const end = pos + recordSize(r.payload.byteLength);
    out.writeUInt8(r.type, pos + 4);
    out.writeUInt32BE(r.payload.byteLength, pos + 5);
    out.set(r.payload, pos + RECORD_HEADER_BYTES);
    crc = checksum(out.subarray(pos, end), crc);
    out.writeUInt32BE(crc, pos);
    pos = end;
  }
  assert(pos === total, 'frameRecords: size accounting');
  return { bytes: out, crc };
}

export interface ScannedRecord {
  readonly type: RecordType;
  /** A view into the scanned buffer. */
  readonly payload: Uint8Array;
  /** Byte offset of the record in its file. */
  readonly offset: number;
}

export interface ScanProblem {
  /** Offset of the first bad record. */
  readonly offset: number;
  /**
   * torn: the file ends inside a record. corrupt: the bytes there fail the checksum or claim an
   * absurd length. Either may be the torn tail of an interrupted write. invalid: the record
   * verifies but makes no sense to this software; that is never a torn write.
   */
  readonly kind: 'torn' | 'corrupt' | 'invalid';
  readonly reason: string;
}

export interface ScanResult {
  readonly records: ScannedRecord[];
  /** End of the last good record: where a repaired file is cut and appends continue. */
  readonly goodEnd: number;
  /** Crc of the last good record (the seed if there is none). */
  readonly crc: number;
  readonly problem: ScanProblem | null;
}

/**
 * Reads records from `buf` until the end or the first bad one. Never looks past a bad record:
 * whether the rest is recoverable is the caller's decision (it depends on which segment this is).
 */
export function scanRecords(buf: Uint8Array, seed: number, maxRecordBytes: number): ScanResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: ScannedRecord[] = [];
  let pos = 0;
  let crc = seed;
  const stop = (kind: ScanProblem['kind'], reason: string): ScanResult => ({
    records,
    goodEnd: pos,
    crc,
    problem: { offset: pos, kind, reason },
  });
  while (pos < buf.byteLength) {
    const left = buf.byteLength - pos;
    if (left < RECORD_HEADER_BYTES) return stop('torn', `${left} bytes left, shorter than a record header`);
    const stored = view.getUint32(pos);
    const type = view.getUint8(pos + 4);
    const length = view.getUint32(pos + 5);
    // Check the length before trusting it, so a flipped length cannot make us allocate or
    // skip gigabytes; a length the file cannot hold is what a torn write looks like.
    if (length > maxRecordBytes) return stop('corrupt', `record length ${length} exceeds maxRecordBytes ${maxRecordBytes}`);
    if (left < RECORD_HEADER_BYTES + length) {
      return stop('torn', `record of ${RECORD_HEADER_BYTES + length} bytes but only ${left} bytes left`);
    }
    const end = pos + RECORD_HEADER_BYTES + length;
    const actual = checksum(buf.subarray(pos, end), crc);
    if (actual !== stored) {
      return stop('corrupt', `checksum mismatch (stored ${hex32(stored)}, computed ${hex32(actual)})`);
    }
    // Only now is `type` trustworthy. A verified record of unknown type was written by other
    // software; that is corruption of our format, not a torn write.
    if (type === 0 || type > RECORD_TYPE_MAX) return stop('invalid', `unknown record type ${type}`);
    records.push({ type: type as RecordType, payload: buf.subarray(pos + RECORD_HEADER_BYTES, end), offset: pos });
    crc = actual;
    pos = end;
  }
  return { records, goodEnd: pos, crc, problem: null };
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
