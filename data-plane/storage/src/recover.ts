/**
 * Reading an existing WAL at open: verify every segment, replay its records, and decide what
 * may be repaired. Pure reading: nothing here modifies the disk, so a WAL that cannot be opened
 * is left exactly as it was found (wal.ts repairs only after this succeeded).
 *
 * The rule: a bad record at the end of the last segment may be the torn tail of a write that
 * was never acknowledged, so it is cut off (reported, not silently). A bad record anywhere else
 * has acknowledged data after it (later segments are only started once earlier ones are
 * fsynced), and so is WAL_CORRUPT. Records that verify but make no sense are always corruption.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { assert } from '@konsortium/raft';
import { StorageError } from './errors.js';
import { decodeSegmentHeader } from './payload.js';
import { recordSize, RecordType, scanRecords } from './record.js';
import { type ReplayResult, Replayer } from './replay.js';
import type { SegmentFile } from './segment.js';

export interface Tail {
  /** End of the last good record of the last segment: appends continue here. */
  readonly goodEnd: number;
  readonly fileSize: number;
  /** Crc of the last good record: the seed of the next. */
  readonly crc: number;
  /** End of the header (and a hard-state copy following it): never roll a segment holding no more. */
  readonly headerEnd: number;
  /** Why the tail beyond goodEnd is bad; null when there is none. */
  readonly reason: string | null;
}

export async function recoverSegments(
  dir: string,
  segments: readonly SegmentFile[],
  snap: { index: number; term: number },
  maxRecordBytes: number,
): Promise<{ result: ReplayResult; tail: Tail }> {
  assert(segments.length > 0, 'recoverSegments: no segments');
  for (let k = 1; k < segments.length; k++) {
    if (segments[k]!.seq !== segments[k - 1]!.seq + 1) {
      throw new StorageError('WAL_CORRUPT', `segment missing between ${segments[k - 1]!.name} and ${segments[k]!.name}`);
    }
  }
  const replayer = new Replayer(snap);
  let prevCrc: number | null = null;
  let tail: Tail | null = null;
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k]!;
    const isLast = k === segments.length - 1;
    const file = path.join(dir, seg.name);
    const raw = await readFile(file);
    // A plain Uint8Array view: decoded fields are then Uint8Arrays, not Buffers.
    const buf = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    const scan = scanRecords(buf, 0, maxRecordBytes);
    const first = scan.records[0];
    if (first === undefined || first.type !== RecordType.SegmentHeader) {
      // Headers are durable before the file gets its name (segment.ts): never a torn write.
      const why = scan.problem ? `${scan.problem.reason} at offset ${scan.problem.offset}` : 'first record is not a segment header';
      throw new StorageError('WAL_CORRUPT', `${file}: no valid segment header (${why})`);
    }
    if (scan.problem !== null && (!isLast || scan.problem.kind === 'invalid')) {
      const why = isLast ? '' : ' (not the last segment: later data exists, so this is not a torn write)';
      throw new StorageError('WAL_CORRUPT', `${file} at offset ${scan.problem.offset}: ${scan.problem.reason}${why}`);
    }
    let header;
    try {
      header = decodeSegmentHeader(first.payload);
    } catch (err) {
      throw new StorageError('WAL_CORRUPT', `${file}: bad segment header: ${String(err)}`, { cause: err });
    }
    if (header.seq !== seg.seq || header.firstIndex !== seg.firstIndex) {
      throw new StorageError('WAL_CORRUPT', `${file}: header says seq ${header.seq} first index ${header.firstIndex}, the name disagrees`);
    }
    replayer.startSegment(file, header, prevCrc);
    for (let i = 1; i < scan.records.length; i++) replayer.apply(scan.records[i]!);
    prevCrc = scan.crc;
    if (isLast) {
      const second = scan.records[1];
      const headerRecord = second !== undefined && second.type === RecordType.HardState ? second : first;
      tail = {
        goodEnd: scan.goodEnd,
        fileSize: buf.byteLength,
        crc: scan.crc,
        headerEnd: headerRecord.offset + recordSize(headerRecord.payload.byteLength),
        reason: scan.problem ? `${file} at offset ${scan.problem.offset}: ${scan.problem.kind}: ${scan.problem.reason}` : null,
      };
    }
  }
  assert(tail !== null, 'recoverSegments: no tail');
  return { result: replayer.finish(), tail };
}
