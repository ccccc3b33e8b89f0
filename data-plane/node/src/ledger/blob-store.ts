/**
 * Ciphertext of large records, kept by each node and addressed by its SHA-256 (the chain holds
 * only the hash): channels/<name>/blobs/<aa>/<hash>. A blob is written to a temporary file,
 * fsynced, and renamed into place, so a crash never leaves a partial blob under its hash; the
 * content is checked against the hash before it is kept. Uploading the same blob twice is a no-op.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, syncDir } from '@konsortium/storage';
import { NodeError } from '../errors.js';

const HASH = /^[0-9a-f]{64}$/;

export class BlobStore {
  constructor(
    private readonly dir: string,
    private readonly fsync = true,
  ) {}

  private fileOf(hash: string): string {
    if (!HASH.test(hash)) throw new NodeError('INVALID_ARGUMENT', 'a blob hash is 64 lower-case hex characters (SHA-256)');
    return path.join(this.dir, hash.slice(0, 2), hash);
  }

  /** Stores `bytes` under `hash`; false if it was already there. CONTENT_MISMATCH if the hash is not theirs. */
  async put(hash: string, bytes: Uint8Array): Promise<boolean> {
    const file = this.fileOf(hash);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== hash) throw new NodeError('CONTENT_MISMATCH', `the uploaded bytes hash to ${actual}, not ${hash}`);
    if (await exists(file)) return false;
    await ensureDir(path.dirname(file), this.fsync); // a new <aa> directory is durable in its parent too
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'wx', 0o600);
    try {
      try {
        await fh.writeFile(bytes);
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      // A failed write (ENOSPC, EIO) must not leave its partial temporary file behind.
      await rm(tmp, { force: true });
      throw err;
    }
    try {
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    if (this.fsync) await syncDir(path.dirname(file));
    return true;
  }

  async get(hash: string): Promise<Buffer> {
    try {
      return await readFile(this.fileOf(hash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NodeError('BLOB_NOT_FOUND', `no blob ${hash} on this node`);
      throw err;
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
