// The blob store: content-addressed files under <dir>/<aa>/<hash>, written through a temporary
// file, fsynced and renamed (real files, real fsync).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { NodeError } from '../src/errors.js';
import { BlobStore } from '../src/ledger/blob-store.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function tempDir(t: Test): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'konsortium-blobs-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

/** Every regular file under `dir`, relative to it, sorted; [] if `dir` does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

async function expectNodeError(t: Test, p: Promise<unknown>, code: string, what: string): Promise<void> {
  const err = await failure(p);
  t.ok(err instanceof NodeError, `${what}: a NodeError`);
  t.equal((err as NodeError | undefined)?.code, code, `${what}: ${code}`);
}

t.test('put then get returns the same bytes; the file is <dir>/<first two hex>/<hash>', async (t) => {
  const dir = path.join(await tempDir(t), 'blobs');
  const store = new BlobStore(dir);
  const bytes = randomBytes(1000);
  const hash = sha256(bytes);
  t.equal(await store.put(hash, bytes), true, 'a new blob is stored');
  const back = await store.get(hash);
  t.ok(Buffer.isBuffer(back), 'get returns a Buffer');
  t.equal(Buffer.compare(back, bytes), 0, 'the same bytes come back');
  t.strictSame(await filesUnder(dir), [path.join(hash.slice(0, 2), hash)], 'one file, under its two-hex prefix, no .tmp left');
  t.equal(Buffer.compare(await readFile(path.join(dir, hash.slice(0, 2), hash)), bytes), 0, 'the file holds the blob');

  const empty = new Uint8Array(0);
  const emptyHash = sha256(empty);
  t.equal(await store.put(emptyHash, empty), true, 'an empty blob is a blob');
  t.equal((await store.get(emptyHash)).length, 0, 'and comes back empty');
});

t.test('putting the same blob again is a no-op that returns false', async (t) => {
  const dir = await tempDir(t);
  const store = new BlobStore(dir);
  const bytes = randomBytes(4096);
  const hash = sha256(bytes);
  const file = path.join(dir, hash.slice(0, 2), hash);
  t.equal(await store.put(hash, bytes), true, 'first put stores');
  const before = await stat(file);
  t.equal(await store.put(hash, bytes), false, 'second put reports it was already there');
  t.equal(await store.put(hash, Buffer.from(bytes)), false, 'also from another buffer with the same content');
  const after = await stat(file);
  t.equal(after.ino, before.ino, 'the file was not replaced');
  t.equal(after.mtimeMs, before.mtimeMs, 'the file was not rewritten');
  t.equal(Buffer.compare(await readFile(file), bytes), 0, 'content unchanged');
  t.strictSame(await filesUnder(dir), [path.join(hash.slice(0, 2), hash)], 'no second copy, no .tmp');
});

t.test('bytes that do not hash to the name: CONTENT_MISMATCH, nothing on disk', async (t) => {
  const dir = path.join(await tempDir(t), 'blobs');
  const store = new BlobStore(dir);
  const bytes = randomBytes(2048);
  const other = randomBytes(2048);
  await expectNodeError(t, store.put(sha256(other), bytes), 'CONTENT_MISMATCH', 'unrelated hash');
  const flipped = Buffer.from(bytes);
  flipped[100] = flipped[100]! ^ 1;
  await expectNodeError(t, store.put(sha256(bytes), flipped), 'CONTENT_MISMATCH', 'one bit flipped');
  t.strictSame(await filesUnder(dir), [], 'no blob and no .tmp leftovers');
  await expectNodeError(t, store.get(sha256(bytes)), 'BLOB_NOT_FOUND', 'the refused blob');
  await expectNodeError(t, store.get(sha256(other)), 'BLOB_NOT_FOUND', 'the claimed hash');

  // A mismatch is refused even when a blob with that hash is already stored, and leaves it intact.
  const hash = sha256(bytes);
  t.equal(await store.put(hash, bytes), true);
  await expectNodeError(t, store.put(hash, other), 'CONTENT_MISMATCH', 'different bytes under an existing hash');
  t.equal(Buffer.compare(await store.get(hash), bytes), 0, 'the stored blob is unchanged');
  t.strictSame(await filesUnder(dir), [path.join(hash.slice(0, 2), hash)], 'still only the good blob');
});

t.test('malformed hashes: INVALID_ARGUMENT, nothing written anywhere', async (t) => {
  const root = await tempDir(t);
  const dir = path.join(root, 'a', 'b', 'blobs');
  const store = new BlobStore(dir);
  const bytes = Buffer.from('/etc/passwd is not here');
  const hash = sha256(bytes);
  const traversalFile = path.join(root, 'escaped');
  const bad: Array<[string, string]> = [
    [hash.toUpperCase(), 'upper-case'],
    [hash.slice(0, 63), 'short (63)'],
    [hash.slice(0, 2), 'two characters'],
    [hash + '0', 'long (65)'],
    ['', 'empty'],
    ['../../etc', 'path traversal ../../etc'],
    ['../../../escaped', 'path traversal out of the store'],
    ['../' + hash.slice(3), '64 characters with ../'],
    [hash.slice(0, 2) + '/' + hash.slice(3), '64 characters with a slash'],
    ['g'.repeat(64), 'not hex'],
    [hash + '\n', 'trailing newline'],
  ];
  for (const [h, what] of bad) {
    await expectNodeError(t, store.put(h, bytes), 'INVALID_ARGUMENT', `put ${what}`);
    await expectNodeError(t, store.get(h), 'INVALID_ARGUMENT', `get ${what}`);
  }
  t.strictSame(await filesUnder(root), [], 'nothing was written, inside or outside the store');
  await t.rejects(stat(traversalFile), { code: 'ENOENT' }, 'no file escaped the store');
});

t.test('an unknown hash: BLOB_NOT_FOUND', async (t) => {
  const dir = await tempDir(t);
  const store = new BlobStore(dir);
  await expectNodeError(t, store.get(sha256(Buffer.from('never stored'))), 'BLOB_NOT_FOUND', 'empty store');
  const bytes = randomBytes(64);
  await store.put(sha256(bytes), bytes);
  // Same two-hex prefix directory exists, the blob does not.
  const sibling = sha256(bytes).slice(0, 2) + 'f'.repeat(62);
  await expectNodeError(t, store.get(sibling), 'BLOB_NOT_FOUND', 'same prefix directory, other hash');
});

t.test('a .tmp left by a crash never shows as the blob', async (t) => {
  const dir = await tempDir(t);
  const store = new BlobStore(dir);
  const bytes = randomBytes(64 * 1024);
  const hash = sha256(bytes);
  const prefix = path.join(dir, hash.slice(0, 2));
  await mkdir(prefix, { recursive: true });
  // What a crash between write and rename leaves: partial content under temporary names.
  const partial = bytes.subarray(0, 1000);
  await writeFile(path.join(prefix, `${hash}.0123456789ab.tmp`), partial);
  await writeFile(path.join(prefix, `${hash}.tmp`), partial);
  await expectNodeError(t, store.get(hash), 'BLOB_NOT_FOUND', 'the partial write is not the blob');
  t.equal(await store.put(hash, bytes), true, 'the blob is stored, not taken as already present');
  const back = await store.get(hash);
  t.equal(back.length, bytes.length, 'full length');
  t.equal(Buffer.compare(back, bytes), 0, 'the full blob, not the partial one');
});

t.test('concurrent puts of the same blob both succeed and leave it intact', async (t) => {
  const dir = await tempDir(t);
  const store = new BlobStore(dir);
  const other = new BlobStore(dir); // another request handler on the same directory
  const bytes = randomBytes(256 * 1024);
  const hash = sha256(bytes);
  const results = await Promise.all([store.put(hash, bytes), store.put(hash, Buffer.from(bytes)), other.put(hash, bytes), other.put(hash, bytes)]);
  t.ok(
    results.every((r) => typeof r === 'boolean'),
    'every put resolved',
  );
  t.ok(results.includes(true), 'at least one stored it');
  t.equal(Buffer.compare(await store.get(hash), bytes), 0, 'the blob is intact');
  t.strictSame(await filesUnder(dir), [path.join(hash.slice(0, 2), hash)], 'one file, no .tmp leftovers');
  t.equal(await store.put(hash, bytes), false, 'afterwards it is already there');
});

t.test('a 5 MiB blob round-trips', async (t) => {
  const dir = await tempDir(t);
  const store = new BlobStore(dir);
  const bytes = randomBytes(5 * 1024 * 1024);
  const hash = sha256(bytes);
  t.equal(await store.put(hash, bytes), true);
  t.equal((await stat(path.join(dir, hash.slice(0, 2), hash))).size, bytes.length, 'the file has the full size');
  const back = await store.get(hash);
  t.equal(back.length, bytes.length);
  t.equal(sha256(back), hash, 'the content hashes to its name');
  t.equal(Buffer.compare(back, bytes), 0, 'the same bytes');
});

t.test('a write that fails part-way leaves no .tmp behind and no blob', async (t) => {
  const dir = await tempDir(t);
  const store = new BlobStore(dir);
  const bytes = randomBytes(8192);
  const hash = sha256(bytes);
  // Simulate ENOSPC after half the bytes reached the temporary file.
  const realOpen = fs.open;
  let injected = 0;
  fs.open = (async (...args: Parameters<typeof realOpen>) => {
    const fh = await realOpen(...args);
    if (String(args[0]).endsWith('.tmp')) {
      injected++;
      fh.writeFile = async (data: unknown) => {
        await fh.write((data as Uint8Array).subarray(0, 4096));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      };
    }
    return fh;
  }) as typeof realOpen;
  syncBuiltinESMExports();
  let err: unknown;
  try {
    err = await failure(store.put(hash, bytes));
  } finally {
    fs.open = realOpen;
    syncBuiltinESMExports();
  }
  t.equal(injected, 1, 'the failure was injected into the temporary file');
  t.equal((err as NodeJS.ErrnoException | undefined)?.code, 'ENOSPC', 'put reports the write error');
  t.strictSame(await filesUnder(dir), [], 'no partial .tmp and no blob left');
  await expectNodeError(t, store.get(hash), 'BLOB_NOT_FOUND', 'nothing was stored');
  t.equal(await store.put(hash, bytes), true, 'a later put stores it');
  t.equal(Buffer.compare(await store.get(hash), bytes), 0);
});
