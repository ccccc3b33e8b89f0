/**
 * Small file-system helpers whose point is durability: a file's bytes are durable after fsync
 * of the file, but its name (creation, rename, unlink) only after fsync of the directory.
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { assert } from '@konsortium/raft';

/** fsyncs a directory so that entries created, renamed or removed in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p, then fsync every directory whose entries changed, so the new path survives a crash. */
export async function ensureDir(dir: string, fsync: boolean): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined || !fsync) return;
  // Each created directory is an entry in its parent: sync from `dir` up to first's parent.
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    await syncDir(p);
    if (p === path.dirname(path.resolve(first))) break;
    assert(p !== path.dirname(p), 'ensureDir: walked past the root');
  }
}

/** write(2) may write less than asked; loop until every byte is at `position`. */
export async function writeFully(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, position + done);
    assert(bytesWritten > 0, 'writeFully: write made no progress');
    done += bytesWritten;
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** Fixed-width lowercase hex, so file names sort in numeric order. */
export function hex16(n: number): string {
  assert(Number.isSafeInteger(n) && n >= 0, () => `hex16(${n})`);
  return n.toString(16).padStart(16, '0');
}
