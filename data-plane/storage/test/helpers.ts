// Shared test helpers (no tests of its own).
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Entry, EntryType, type HardState } from '@konsortium/raft';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh directory under os.tmpdir(), removed when the test ends. */
export async function tmpDir(t: Teardown, prefix = 'konsortium-storage-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function entry(index: number, term: number, payload = `e${index}t${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(payload) };
}

/** Entries lo..hi inclusive, all of one term. */
export function ents(lo: number, hi: number, term: number, payload?: (i: number) => string): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i <= hi; i++) out.push(entry(i, term, payload?.(i)));
  return out;
}

export function hs(term: number, vote: number, commit: number): HardState {
  return { term, vote, commit };
}

export async function walFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
}

export async function copyDir(src: string, dst: string): Promise<void> {
  await rm(dst, { recursive: true, force: true });
  await cp(src, dst, { recursive: true });
}

/** Plain objects for t.same: index, term and data as a string. */
export function show(es: readonly Entry[]): { index: number; term: number; data: string }[] {
  return es.map((e) => ({ index: e.index, term: e.term, data: new TextDecoder().decode(e.data) }));
}
