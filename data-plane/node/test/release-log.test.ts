// The access-log writer: releases logged in the same event-loop turn share one transaction
// (at most 64 operations each); a failed send fails exactly the releases of its batch.
import type { Operation } from '@konsortium/protocol';
import t from 'tap';
import type { NodeTxSender } from '../src/ledger/node-sender.js';
import { type ReleaseEntry, ReleaseLog } from '../src/ledger/release-log.js';

/** A NodeTxSender stand-in: records each send; `fail(n)` makes the n-th send (1-based) throw. */
class FakeSender {
  readonly sends: Operation[][] = [];
  private readonly failures = new Map<number, unknown>();

  fail(call: number, err: unknown): void {
    this.failures.set(call, err);
  }

  send(operations: readonly Operation[]): { txId: string; status: string; accepted: boolean } {
    this.sends.push([...operations]);
    const n = this.sends.length;
    const err = this.failures.get(n);
    if (err !== undefined) throw err;
    return { txId: `tx-${n}`, status: 'pending', accepted: true };
  }

  asSender(): NodeTxSender {
    return this as unknown as NodeTxSender;
  }
}

const entry = (i: number): ReleaseEntry => ({ record: `rec-${i % 7}`, version: 1 + (i % 3), requester: `member-${i % 5}`, requestId: `req-${i}` });
const op = (e: ReleaseEntry): Operation => ({ contract: 'data', method: 'logRelease', args: e });
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('entries logged in the same turn share one transaction', async (t) => {
  const sender = new FakeSender();
  const log = new ReleaseLog(sender.asSender());
  const entries = [entry(1), entry(2), entry(3)];
  const pending = entries.map((e) => log.log(e));
  t.equal(sender.sends.length, 0, 'nothing is sent before the turn ends');
  const txIds = await Promise.all(pending);
  t.equal(sender.sends.length, 1, 'one send');
  t.strictSame(sender.sends[0], entries.map(op), 'three logRelease operations on data, args exactly the entries, in order');
  t.strictSame(txIds, ['tx-1', 'tx-1', 'tx-1'], 'every release resolves to that transaction');
});

t.test('entries logged in separate turns are separate transactions', async (t) => {
  const sender = new FakeSender();
  const log = new ReleaseLog(sender.asSender());
  const a = log.log(entry(1));
  await nextTurn();
  const b = log.log(entry(2));
  await nextTurn();
  const c = log.log(entry(3));
  t.strictSame(await Promise.all([a, b, c]), ['tx-1', 'tx-2', 'tx-3'], 'each release has its own transaction');
  t.strictSame(sender.sends, [[op(entry(1))], [op(entry(2))], [op(entry(3))]], 'one operation per send');

  // Awaiting a release and then logging another also starts a new batch.
  t.equal(await log.log(entry(4)), 'tx-4');
  t.equal(await log.log(entry(5)), 'tx-5');
  t.equal(sender.sends.length, 5);
  t.strictSame(sender.sends.slice(3), [[op(entry(4))], [op(entry(5))]]);
});

t.test('130 entries in one turn: sends of 64, 64 and 2', async (t) => {
  const sender = new FakeSender();
  const log = new ReleaseLog(sender.asSender());
  const entries = Array.from({ length: 130 }, (_, i) => entry(i));
  const txIds = await Promise.all(entries.map((e) => log.log(e)));
  t.strictSame(
    sender.sends.map((s) => s.length),
    [64, 64, 2],
    'batch sizes',
  );
  t.strictSame(sender.sends.flat(), entries.map(op), 'every entry logged exactly once, in order');
  t.strictSame(txIds, [...Array<string>(64).fill('tx-1'), ...Array<string>(64).fill('tx-2'), 'tx-3', 'tx-3'], 'each release resolves to its own batch');
  await nextTurn();
  await nextTurn();
  t.equal(sender.sends.length, 3, 'no empty sends afterwards');
});

t.test('exactly 64 entries in one turn are one send', async (t) => {
  const sender = new FakeSender();
  const log = new ReleaseLog(sender.asSender());
  const txIds = await Promise.all(Array.from({ length: 64 }, (_, i) => log.log(entry(i))));
  await nextTurn();
  t.strictSame(
    sender.sends.map((s) => s.length),
    [64],
  );
  t.ok(
    txIds.every((id) => id === 'tx-1'),
    'all in tx-1',
  );
});

t.test('a send that throws rejects its whole batch with that error, and only it', async (t) => {
  const sender = new FakeSender();
  const log = new ReleaseLog(sender.asSender());
  const boom = new Error('admission refused');
  sender.fail(2, boom);
  const entries = Array.from({ length: 130 }, (_, i) => entry(i));
  const settled = await Promise.allSettled(entries.map((e) => log.log(e)));
  t.strictSame(
    sender.sends.map((s) => s.length),
    [64, 64, 2],
  );
  const first = settled.slice(0, 64);
  const failed = settled.slice(64, 128);
  const last = settled.slice(128);
  t.ok(
    first.every((s) => s.status === 'fulfilled' && s.value === 'tx-1'),
    'the batch before resolves',
  );
  t.ok(
    failed.every((s) => s.status === 'rejected' && s.reason === boom),
    'every release of the failed batch rejects with the error itself',
  );
  t.ok(
    last.every((s) => s.status === 'fulfilled' && s.value === 'tx-3'),
    'the batch after resolves',
  );

  // A failure in the event-loop-turn path (fewer than 64 entries), then later turns are unaffected.
  const timeout = new Error('TIMEOUT');
  sender.fail(4, timeout);
  const small = [entry(200), entry(201), entry(202)];
  const smallSettled = await Promise.allSettled(small.map((e) => log.log(e)));
  t.equal(smallSettled.length, 3);
  t.ok(
    smallSettled.every((s) => s.status === 'rejected' && s.reason === timeout),
    'all three reject with the error itself',
  );
  t.strictSame(sender.sends[3], small.map(op), 'they were one send');
  const after = [entry(300), entry(301)];
  t.strictSame(await Promise.all(after.map((e) => log.log(e))), ['tx-5', 'tx-5'], 'the next turn logs normally');
  t.strictSame(sender.sends[4], after.map(op), 'without the failed entries');
  t.equal(sender.sends.length, 5);
});

t.test('a non-Error thrown by send is passed through as is', async (t) => {
  const sender = new FakeSender();
  const log = new ReleaseLog(sender.asSender());
  const code = { code: 'NONCE_REUSED' };
  sender.fail(1, code);
  const results = await Promise.allSettled([log.log(entry(1)), log.log(entry(2))]);
  t.ok(
    results.every((r) => r.status === 'rejected' && r.reason === code),
    'both reject with the thrown value',
  );
});
