/**
 * Snapshot files: one file per snapshot, `<index:16 hex>-<term:16 hex>.snap`, written atomically
 * (temp file, fsync, rename, fsync the directory) so a crash leaves either the whole new file or
 * none of it, plus perhaps a `.snap.tmp` that is ignored and cleaned up.
 *
 * File format (big-endian):
 *   offset 0   u32  magic 'KSNP'
 *   offset 4   u32  crc      CRC-32 (zlib) of bytes [8, end)
 *   offset 8   u8   version  1
 *   offset 9   u53  length   payload length (8 bytes)
 *   offset 17  ...  payload  codec.ts encodeSnapshot(snapshot)
 *
 * A file that fails any check (magic, crc, length, decoding, name vs metadata) is reported via
 * onCorrupt, renamed to `.snap.broken` (kept for inspection, never loaded or counted again) and
 * skipped in favour of the next older one.
 */
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { assert, decodeSnapshot, encodeSnapshot, type Snapshot } from '@konsortium/raft';
import { StorageError } from './errors.js';
import { ensureDir, hex16, isErrno, syncDir, writeFully } from './fsutil.js';

const MAGIC = 0x4b534e50; // 'KSNP'
const VERSION = 1;
const HEADER_BYTES = 17;
const NAME_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const TMP_SUFFIX = '.snap.tmp';
const BROKEN_SUFFIX = '.broken';

export interface SnapshotterOptions {
  /** Called for each snapshot file that fails verification (it is then skipped). */
  onCorrupt?: (file: string, err: StorageError) => void;
  /** Default true; false only in tests that do not test durability. */
  fsync?: boolean;
}

export interface SnapshotFileInfo {
  readonly index: number;
  readonly term: number;
  readonly name: string;
}

export function snapshotFileName(index: number, term: number): string {
  return `${hex16(index)}-${hex16(term)}.snap`;
}

export function encodeSnapshotFile(s: Snapshot): Buffer {
  const payload = encodeSnapshot(s);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt8(VERSION, 8);
  out.writeUInt32BE(Math.floor(payload.byteLength / 2 ** 32), 9);
  out.writeUInt32BE(payload.byteLength >>> 0, 13);
  out.set(payload, HEADER_BYTES);
  out.writeUInt32BE(crc32(out.subarray(8)), 4);
  return out;
}

/** Verifies and decodes a snapshot file's bytes; throws SNAPSHOT_CORRUPT naming `file`. */
export function decodeSnapshotFile(file: string, buf: Buffer): Snapshot {
  const bad = (why: string, cause?: unknown): StorageError => new StorageError('SNAPSHOT_CORRUPT', `${file}: ${why}`, { cause });
  if (buf.byteLength < HEADER_BYTES) throw bad(`${buf.byteLength} bytes, shorter than the header`);
  if (buf.readUInt32BE(0) !== MAGIC) throw bad('bad magic');
  const stored = buf.readUInt32BE(4);
  const actual = crc32(buf.subarray(8));
  if (stored !== actual) throw bad(`checksum mismatch (stored ${stored}, computed ${actual})`);
  const version = buf.readUInt8(8);
  if (version !== VERSION) throw bad(`unsupported version ${version}`);
  const length = buf.readUInt32BE(9) * 2 ** 32 + buf.readUInt32BE(13);
  if (length !== buf.byteLength - HEADER_BYTES) throw bad(`payload length ${length} but ${buf.byteLength - HEADER_BYTES} bytes follow the header`);
  try {
    // A plain Uint8Array view, so the snapshot's data is not a Buffer (whose slice() does not copy).
    return decodeSnapshot(new Uint8Array(buf.buffer, buf.byteOffset + HEADER_BYTES, buf.byteLength - HEADER_BYTES));
  } catch (err) {
    throw bad(`undecodable payload: ${String(err)}`, err);
  }
}

export class Snapshotter {
  private readonly fsync: boolean;
  /** Temp files of saves in progress in this process: cleanup must not delete them. */
  private readonly inFlight = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly options: SnapshotterOptions = {},
  ) {
    this.fsync = options.fsync ?? true;
  }

  /** Writes `s` durably and atomically; resolves once file and name are both durable. */
  async save(s: Snapshot): Promise<void> {
    const name = snapshotFileName(s.metadata.index, s.metadata.term);
    const bytes = encodeSnapshotFile(s);
    await ensureDir(this.dir, this.fsync);
    const tmpName = name + TMP_SUFFIX;
    assert(!this.inFlight.has(tmpName), () => `concurrent save of snapshot ${name}`);
    this.inFlight.add(tmpName);
    const tmp = path.join(this.dir, tmpName);
    try {
      const fh = await open(tmp, 'w');
      try {
        await writeFully(fh, bytes, 0);
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path.join(this.dir, name));
      if (this.fsync) await syncDir(this.dir);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    } finally {
      this.inFlight.delete(tmpName);
    }
  }

  /** Snapshot files by name, newest (highest index, then term) first. Corrupt ones are not detected here. */
  async list(): Promise<SnapshotFileInfo[]> {
    return (await this.scan()).snaps;
  }

  /**
   * The newest snapshot that verifies, or null if there is none. Corrupt files are reported,
   * renamed aside and skipped; I/O errors (not corruption) are thrown. Removes leftover temps.
   */
  async loadNewest(): Promise<Snapshot | null> {
    const { snaps, temps } = await this.scan();
    await this.removeAll(temps);
    for (const info of snaps) {
      const file = path.join(this.dir, info.name);
      const buf = await readFile(file);
      let snap: Snapshot;
      try {
        snap = decodeSnapshotFile(file, buf);
        if (snap.metadata.index !== info.index || snap.metadata.term !== info.term) {
          throw new StorageError('SNAPSHOT_CORRUPT', `${file}: holds snapshot ${snap.metadata.index}/${snap.metadata.term}, the name disagrees`);
        }
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        this.options.onCorrupt?.(file, err);
        await rename(file, file + BROKEN_SUFFIX);
        if (this.fsync) await syncDir(this.dir);
        continue;
      }
      return snap;
    }
    return null;
  }

  /** Deletes all but the newest `keep` snapshot files (and leftover temps). */
  async prune(keep: number): Promise<void> {
    assert(Number.isSafeInteger(keep) && keep >= 0, () => `prune(${keep})`);
    const { snaps, temps } = await this.scan();
    await this.removeAll([...snaps.slice(keep).map((s) => s.name), ...temps]);
  }

  private async removeAll(names: readonly string[]): Promise<void> {
    for (const n of names) {
      try {
        await unlink(path.join(this.dir, n));
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    if (names.length > 0 && this.fsync) await syncDir(this.dir);
  }

  private async scan(): Promise<{ snaps: SnapshotFileInfo[]; temps: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { snaps: [], temps: [] };
      throw err;
    }
    const snaps: SnapshotFileInfo[] = [];
    const temps: string[] = [];
    for (const name of names) {
      const m = NAME_RE.exec(name);
      if (m) snaps.push({ index: Number.parseInt(m[1]!, 16), term: Number.parseInt(m[2]!, 16), name });
      else if (name.endsWith(TMP_SUFFIX) && !this.inFlight.has(name)) temps.push(name);
    }
    snaps.sort((a, b) => b.index - a.index || b.term - a.term);
    return { snaps, temps };
  }
}
