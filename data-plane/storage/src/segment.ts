/**
 * Segment files: naming, listing, creation. A segment is `<seq>-<firstIndex>.wal` (16 hex
 * digits each, so names sort by sequence); `firstIndex` is the log's last index + 1 when the
 * segment was started. Record framing is in record.ts, the header payload in payload.ts.
 *
 * A segment is created under a temporary name, its header written and fsynced, then renamed
 * and the directory fsynced. So a `.wal` file always has a complete, durable header: a bad
 * header is corruption, never a torn write, and a leftover `.wal.tmp` is just garbage.
 */
import { type FileHandle, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { assert } from '@konsortium/raft';
import { hex16, syncDir, writeFully } from './fsutil.js';
import { encodeSegmentHeader, type SegmentHeader } from './payload.js';
import { frameRecords, type RecordInput, RecordType } from './record.js';

export interface SegmentFile {
  readonly seq: number;
  readonly firstIndex: number;
  readonly name: string;
}

const SEGMENT_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;
export const SEGMENT_TMP_SUFFIX = '.wal.tmp';

export function segmentName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

export function parseSegmentName(name: string): SegmentFile | null {
  const m = SEGMENT_RE.exec(name);
  if (!m) return null;
  const seq = Number.parseInt(m[1]!, 16);
  const firstIndex = Number.parseInt(m[2]!, 16);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex)) return null;
  return { seq, firstIndex, name };
}

/** Segments sorted by sequence, and leftover temporary files from interrupted creations. */
export async function listSegments(dir: string): Promise<{ segments: SegmentFile[]; temps: string[] }> {
  const segments: SegmentFile[] = [];
  const temps: string[] = [];
  for (const name of await readdir(dir)) {
    const seg = parseSegmentName(name);
    if (seg) segments.push(seg);
    else if (name.endsWith(SEGMENT_TMP_SUFFIX)) temps.push(name);
  }
  segments.sort((a, b) => a.seq - b.seq);
  return { segments, temps };
}

export interface OpenSegment {
  readonly file: SegmentFile;
  readonly fh: FileHandle;
  /** Bytes in the file: where the next record goes. */
  readonly size: number;
  /** Crc of the last record: the seed of the next. */
  readonly crc: number;
  /** fsyncs done on files and on the directory. */
  readonly fileSyncs: number;
  readonly dirSyncs: number;
}

/**
 * Creates segment `header.seq` durably (see the file comment) and returns it open for appending.
 * `extra` records (the current hard state) follow the header in the same atomic creation.
 */
export async function createSegment(
  dir: string,
  header: SegmentHeader,
  extra: readonly RecordInput[],
  fsync: boolean,
): Promise<OpenSegment> {
  const file: SegmentFile = { seq: header.seq, firstIndex: header.firstIndex, name: segmentName(header.seq, header.firstIndex) };
  const tmp = path.join(dir, file.name + SEGMENT_TMP_SUFFIX);
  const { bytes, crc } = frameRecords([{ type: RecordType.SegmentHeader, payload: encodeSegmentHeader(header) }, ...extra], 0);
  // 'w+' rather than 'wx+': a stale temp of the same name is garbage from a crash.
  const fh = await open(tmp, 'w+');
  let renamed = false;
  try {
    await writeFully(fh, bytes, 0);
    if (fsync) await fh.sync();
    await rename(tmp, path.join(dir, file.name));
    renamed = true;
    if (fsync) await syncDir(dir);
  } catch (err) {
    await fh.close().catch(() => undefined);
    if (!renamed) await unlink(tmp).catch(() => undefined);
    throw err;
  }
  assert(bytes.byteLength > 0, 'createSegment: empty header');
  // The descriptor stays valid across the rename: keep appending through it.
  return { file, fh, size: bytes.byteLength, crc, fileSyncs: fsync ? 1 : 0, dirSyncs: fsync ? 1 : 0 };
}
