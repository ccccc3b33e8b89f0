// Crash safety of the ledger store across processes. This file is also its own child process:
// with LEDGER_CRASH_ROLE=writer it commits a deterministic chain (fsync on) and reports each
// durable height over IPC until the parent SIGKILLs it (by the PID it spawned); with
// LEDGER_CRASH_ROLE=reader it opens a directory another process holds and reports its head.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap'; // type only: erased, so a child never loads tap
import {
  encodeOperation,
  type HashFn,
  intlSuite,
  makeBlock,
  RESULT_OK,
  signTx,
  smtReferenceRoot,
  toHex,
  txRootOf,
  utf8,
  verifyTxProof,
  ZERO_HASH,
} from '@konsortium/protocol';
import { LedgerStore } from '../src/index.js';

const suite = intlSuite;
const hash: HashFn = (d) => suite.hash(d);
const CHANNEL = 'crash-channel';
const sender = suite.generateKeyPair(() => new Uint8Array(32).fill(7)); // the same in every process
const MAX_BLOCKS = 3000;
const KEYS = 200;

/** The writes of block `h`: deterministic, with overwrites and deletes. */
function writesAt(h: number): Map<string, Uint8Array | null> {
  const w = new Map<string, Uint8Array | null>();
  for (let i = 0; i < 12; i++) w.set(`k${(h * 13 + i * 7) % KEYS}`, utf8(`h${h}.i${i}`));
  if (h % 3 === 0) w.set(`k${(h * 5 + 1) % KEYS}`, null);
  return w;
}

function txsAt(h: number) {
  return h === 0 ? [] : [2 * h, 2 * h + 1].map((nonce) => signTx({ suite: 'intl', channel: CHANNEL, sender: sender.publicKey, nonce, operations: [encodeOperation({ contract: 'kv', method: 'put', args: { nonce } })] }, sender.privateKey, suite));
}

function commitNext(store: LedgerStore): number {
  const head = store.head;
  const h = head === null ? 0 : head.height + 1;
  const prepared = store.prepare(writesAt(h));
  const txs = txsAt(h);
  const codes = txs.map((_, i) => (i === 0 ? RESULT_OK : 'REJECTED'));
  const header = { suite: 'intl' as const, channel: CHANNEL, height: h, prevHash: head?.hash ?? ZERO_HASH, txRoot: txRootOf(hash, txs.map((x) => x.id), codes), stateRoot: prepared.root, timestamp: h, proposer: 1, txCount: txs.length };
  const block = makeBlock(suite, header, txs.map((x) => x.bytes), codes);
  const entries = txs.map((x, index) => ({ txId: x.id, index, code: codes[index]!, sender: x.sender, nonce: x.nonce, applied: index === 0 }));
  store.commit({ block, prepared, txs: entries, appliedIndex: h + 1 });
  return h;
}

/** The state after block `h`, replayed from the deterministic writes. */
function modelAt(h: number): Map<string, Uint8Array> {
  const model = new Map<string, Uint8Array>();
  for (let i = 0; i <= h; i++) {
    for (const [k, v] of writesAt(i)) {
      if (v === null) model.delete(k);
      else model.set(k, v);
    }
  }
  return model;
}

async function writer(dir: string): Promise<void> {
  const store = await LedgerStore.open({ dir, hash, fsync: true });
  const deadline = Date.now() + 60_000;
  for (let i = 0; i < MAX_BLOCKS && Date.now() < deadline; i++) {
    const h = commitNext(store);
    store.flush().then(
      () => process.send!({ durable: h }),
      (e: unknown) => process.send!({ error: String(e) }),
    );
    await nextTurn(); // let durability callbacks and IPC run between blocks
  }
  await store.close();
}

async function reader(dir: string): Promise<void> {
  const store = await LedgerStore.open({ dir, hash, fsync: true });
  const head = store.head!;
  process.send!({ height: head.height, hash: toHex(head.hash), k1: toHex(store.get('k1') ?? new Uint8Array(0)) });
  await store.close();
}

const role = process.env['LEDGER_CRASH_ROLE'];
if (role === 'writer') await writer(process.env['LEDGER_CRASH_DIR']!);
else if (role === 'reader') await reader(process.env['LEDGER_CRASH_DIR']!);
else await parent();

/** Spawns this file in `role`, with the loader flags tap gave this process. */
function spawnRole(childRole: string, dir: string): { child: ChildProcess; messages: Record<string, unknown>[]; exited: Promise<number | null>; stderr: () => string } {
  const file = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, file], {
    env: { ...process.env, LEDGER_CRASH_ROLE: childRole, LEDGER_CRASH_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const messages: Record<string, unknown>[] = [];
  child.on('message', (m) => messages.push(m as Record<string, unknown>));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, messages, exited, stderr: () => err };
}

/** Polls (bounded) until `done()` or the timeout. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return done();
}

async function parent(): Promise<void> {
  const { default: t } = await import('tap');
  const tmp = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'konsortium-ledger-crash-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };

  t.test('flushed blocks are visible to another process that opens the directory', async (t) => {
    const dir = await tmp();
    const store = await LedgerStore.open({ dir, hash, fsync: true });
    t.teardown(() => store.close());
    for (let i = 0; i < 10; i++) commitNext(store);
    await store.flush();
    const r = spawnRole('reader', dir);
    t.teardown(() => r.child.kill('SIGKILL'));
    t.equal(await r.exited, 0, `reader exits cleanly ${r.stderr()}`);
    t.same(r.messages[0], { height: 9, hash: toHex(store.head!.hash), k1: toHex(store.get('k1') ?? new Uint8Array(0)) });
  });

  t.test('SIGKILL in the middle of a stream of commits leaves a consistent prefix, three times over', async (t) => {
    const dir = await tmp();
    let floor = -1;
    for (let round = 0; round < 3; round++) {
      // Each writer continues the chain the previous one left.
      const w = spawnRole('writer', dir);
      t.teardown(() => w.child.kill('SIGKILL'));
      const durable = (): number => Math.max(-1, ...w.messages.map((m) => (typeof m['durable'] === 'number' ? m['durable'] : -1)));
      const target = floor + 25 + 10 * round;
      t.ok(await until(() => durable() >= target || w.child.exitCode !== null, 120_000), `round ${round}: the writer made progress`);
      t.ok(w.child.kill('SIGKILL'), `round ${round}: killed writer ${w.child.pid}`);
      await w.exited;
      t.same(w.messages.filter((m) => 'error' in m), [], `no write errors ${w.stderr()}`);
      const reported = durable();
      t.ok(reported >= target, `round ${round}: writer reported ${reported} durable`);
      floor = await checkPrefix(t, dir, reported);
    }
  });
}

/** Reopens `dir` and checks that it holds a whole prefix of the chain covering `reported`; returns its head. */
async function checkPrefix(t: Test, dir: string, reported: number): Promise<number> {
  const store = await LedgerStore.open({ dir, hash, fsync: false });
  try {
    const head = store.head!;
    t.ok(head.height >= reported, `head ${head.height} covers every block reported durable (${reported})`);
    t.equal(head.appliedIndex, head.height + 1);
    const state = store.stateEntries();
    t.same(head.stateRoot, smtReferenceRoot(hash, state), 'state root of the reopened state = head state root');
    t.same(state, modelAt(head.height), 'state = replay of blocks 0..head');
    for (let h = 1; h <= head.height; h++) {
      if (h % 10 !== 0 && h !== head.height) continue;
      const block = store.block(h)!;
      t.same(block.header.prevHash, store.block(h - 1)!.hash, `block ${h} links to ${h - 1}`);
      const [ok, rejected] = txsAt(h);
      t.equal(verifyTxProof(suite, store.proveTx(ok!.id)!)?.header.height, h, `tx of block ${h} proves`);
      t.ok(store.nonceUsed(sender.publicKey, ok!.nonce) && !store.nonceUsed(sender.publicKey, rejected!.nonce), `nonces of block ${h}`);
    }
    t.equal(store.block(head.height + 1), undefined, 'nothing beyond the head');
    return head.height;
  } finally {
    await store.close();
  }
}
