// Pure parts of the projection: the re-declared cfa layout (which arguments name which assets
// and accounts), the (method, args) labels of transactions, the service's shape check and its
// refusal classification, canonical JSON, and scheduleAudit on injected timers.
import t from 'tap';
import { KonsortiumApiError, KonsortiumNetworkError, KonsortiumVerificationError } from '@konsortium/client';
import {
  type AuditReport,
  BlockFollower,
  canonicalJson,
  type ChainClient,
  ChainReader,
  changesMoney,
  changesUnits,
  checkShape,
  isProjectedOperation,
  isTxRefusal,
  labelOf,
  namedInArgs,
  nodeFailure,
  operationsOf,
  type ProjectionDb,
  ProjectionError,
  scheduleAudit,
} from '../src/projection/index.js';

t.test('namedInArgs', async (t) => {
  t.same(namedInArgs({ asset: 'BOND1', to: 'bob', quantity: 5 }), { assets: ['BOND1'], accounts: ['bob'], offers: [] });
  t.same(namedInArgs({ offer: 'BOND1/12', quantity: 1 }), { assets: ['BOND1'], accounts: [], offers: ['BOND1/12'] });
  t.same(namedInArgs({ application: 'BOND-2/0' }), { assets: ['BOND-2'], accounts: [], offers: [] });
  t.same(namedInArgs({ code: 'NEW1', name: 'x' }), { assets: ['NEW1'], accounts: [], offers: [] });
  t.same(namedInArgs({ asset: 'BOND1', from: 'alice', to: 'bob', holder: 'carol', counterparty: 'dan', account: 'eve' }).accounts, ['eve', 'bob', 'alice', 'carol', 'dan']);
  t.same(namedInArgs({ asset: 'lower', to: 'Not An Id', offer: 'BOND1/x' }), { assets: [], accounts: [], offers: [] }, 'what is not an id is ignored');
  t.same(namedInArgs(null), { assets: [], accounts: [], offers: [] });
  t.ok(changesUnits('acceptOffer') && changesMoney('acceptOffer'));
  t.ok(!changesUnits('mint') && changesMoney('mint'));
  t.ok(!changesUnits('offerSell') && !changesMoney('offerSell'), 'a lock is not a change of ownership');
  t.ok(changesUnits('someFutureMethod') && changesMoney('someFutureMethod'), 'an unknown method is assumed to change both');
});

t.test('labels of transactions', async (t) => {
  const one = [{ contract: 'cfa', method: 'mint', args: { account: 'a', amount: 1, ref: 'r' } }];
  t.same(labelOf(one), { method: 'cfa.mint', args: one[0]!.args });
  t.same(operationsOf('cfa.mint', one[0]!.args), one);
  const two = [one[0]!, { contract: 'governance', method: 'setFees', args: { collector: null, rules: {} } }];
  const l = labelOf(two);
  t.equal(l.method, 'multi');
  t.same(operationsOf(l.method, l.args), two, 'round trip');
  t.equal(operationsOf('multi', { operations: [] }), null);
  t.equal(operationsOf('nodot', {}), null);
  t.ok(isProjectedOperation('cfa', 'mint') && isProjectedOperation('cfa', 'someFutureMethod'), 'every cfa call is projected');
  t.ok(isProjectedOperation('governance', 'setFees'), 'and the fee schedule');
  t.notOk(isProjectedOperation('governance', 'addMember') || isProjectedOperation('voting', 'vote'), 'other governance and other contracts are not');
});

t.test('checkShape and isTxRefusal', async (t) => {
  t.equal(checkShape('cfa.mint', { account: 'a', amount: 1, ref: 'r' }), null);
  t.match(checkShape('cfa.mint', { account: 'a' }), { code: 'INVALID_ARGS', message: /amount, ref/ });
  t.match(checkShape('governance.addMember', {}), { code: 'UNKNOWN_METHOD' });
  t.match(checkShape('governance.setFees', {}), { code: 'INVALID_ARGS', message: /collector, rules/ }, 'the fee schedule is projected: its shape is checked');
  t.equal(checkShape('governance.setFees', { collector: 'operator', rules: {} }), null);
  t.match(checkShape('multi', { operations: [{ contract: 'cfa', method: 'mint', args: { account: 'a', amount: 1, ref: 'r' } }, { contract: 'cfa', method: 'burn', args: 3 }] }), { code: 'INVALID_ARGS' });
  t.ok(isTxRefusal(new KonsortiumApiError(400, 'INVALID_ARGS', 'x')));
  t.ok(isTxRefusal(new KonsortiumApiError(401, 'BAD_SIGNATURE', 'x')));
  t.ok(isTxRefusal(new KonsortiumApiError(409, 'NONCE_REPLAYED', 'x')));
  t.notOk(isTxRefusal(new KonsortiumApiError(401, 'UNAUTHORIZED', 'no token')), 'the caller, not the transaction');
  t.notOk(isTxRefusal(new KonsortiumApiError(404, 'CHANNEL_NOT_FOUND', 'x')));
  t.notOk(isTxRefusal(new KonsortiumApiError(503, 'NO_LEADER', 'x')));
  t.notOk(isTxRefusal(new KonsortiumApiError(429, 'RATE_LIMITED', 'x')));
  t.notOk(isTxRefusal(new KonsortiumNetworkError('reset')));
  t.equal(JSON.stringify(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })), '{"a":{"d":[{"y":2,"z":1}]},"b":1}');
});

/** Timers that fire only when the test says so. */
class FakeTimers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Fires every pending timer once. */
  fire(): number[] {
    const all = [...this.pending.entries()];
    this.pending.clear();
    for (const [, p] of all) p.fn();
    return all.map(([, p]) => p.ms);
  }
}

const settle = () => new Promise((r) => setImmediate(r));

t.test('scheduleAudit', async (t) => {
  const timers = new FakeTimers();
  const runs: string[] = [];
  const reports: AuditReport[] = [];
  const errors: string[] = [];
  let release: (() => void) | undefined;
  const audit = {
    async run(channel: string): Promise<AuditReport> {
      runs.push(channel);
      if (channel === 'broken') throw new ProjectionError('NOT_FOLLOWED', 'never followed');
      if (release === undefined && runs.length === 1) await new Promise<void>((r) => (release = r));
      return { id: BigInt(runs.length), at: new Date(0), channel, height: 1, ok: true, differences: [], checked: { blocks: 1, cfaTxs: 0, operations: 0, balances: 0 } };
    },
  };
  const s = scheduleAudit({ audit, channels: ['consortium', 'broken', 'private-1'], intervalMs: 3_600_000, timers, onReport: (r) => reports.push(r), onError: (c, e) => errors.push(`${c}:${(e as ProjectionError).code}`) });
  t.equal(runs.length, 0, 'nothing runs before the first interval');
  t.same([...timers.pending.values()].map((p) => p.ms), [3_600_000]);
  timers.fire();
  await settle();
  t.same(runs, ['consortium'], 'a round started');
  t.equal(timers.pending.size, 0, 'the next round is not armed while one is in flight (no overlap)');
  release!();
  for (let i = 0; i < 5; i++) await settle();
  t.same(runs, ['consortium', 'broken', 'private-1'], 'channels in order; a failing one does not stop the round');
  t.same(reports.map((r) => r.channel), ['consortium', 'private-1']);
  t.same(errors, ['broken:NOT_FOLLOWED']);
  t.same([...timers.pending.values()].map((p) => p.ms), [3_600_000], 'armed again after the round');
  const now = await s.runNow();
  t.equal(now.length, 2, 'runNow runs a round at once');
  await s.stop();
  t.equal(timers.pending.size, 0, 'stop clears the timer');
  timers.fire();
  t.equal(runs.length, 6, 'and nothing runs after stop');
  t.throws(() => scheduleAudit({ audit, channels: [], intervalMs: 0, timers }), ProjectionError);
  const immediate = new FakeTimers();
  const s2 = scheduleAudit({ audit, channels: ['consortium'], runImmediately: true, timers: immediate });
  t.same([...immediate.pending.values()].map((p) => p.ms), [0], 'runImmediately arms a zero delay');
  await s2.stop();
});

t.test('ChainReader refuses gaps, and node failures are classified', async (t) => {
  const fake = {
    channels: async () => [{ name: 'consortium', suite: 'intl' as const, height: 9 }],
    blocks: async (_ch: string, from: number) => [{ height: from + 2, hash: '00', header: '00', block: '00' }],
  } as unknown as ChainClient;
  const reader = new ChainReader({ client: fake, channel: 'consortium' });
  const err = await reader.blocksAfter({ height: 2, hash: 'ab'.repeat(32) }, 10).then(
    () => null,
    (e: unknown) => e,
  );
  t.match(err, { code: 'CHAIN_GAP', message: /asked for block 3, the node served block 5/ });
  t.throws(() => new ChainReader({ client: fake, channel: 'consortium', readConcurrency: 0 }), ProjectionError);
  t.equal(nodeFailure(new KonsortiumNetworkError('reset'), 'x').code, 'NODE_UNAVAILABLE');
  t.equal(nodeFailure(new KonsortiumApiError(503, 'NO_LEADER', 'x'), 'x').code, 'NODE_UNAVAILABLE');
  t.equal(nodeFailure(new KonsortiumApiError(404, 'HEIGHT_NOT_AVAILABLE', 'x'), 'x').code, 'CHAIN_GAP');
  t.equal(nodeFailure(new KonsortiumApiError(401, 'UNAUTHORIZED', 'x'), 'x').code, 'NODE_REFUSED_CALLER');
  t.equal(nodeFailure(new KonsortiumVerificationError('bad proof'), 'x').code, 'CHAIN_INVALID');
});

t.test('BlockFollower: backoff on node failures, giving up, stop during a wait', async (t) => {
  const db = { projectionCursor: { findUnique: async () => null } } as unknown as ProjectionDb;
  let heads = 0;
  const down = {
    head: async () => {
      heads++;
      throw new KonsortiumNetworkError('connection refused');
    },
  } as unknown as ChainClient;
  const slept: number[] = [];
  const seen: string[] = [];
  const f = new BlockFollower({
    db,
    client: down,
    channel: 'consortium',
    retryBaseMs: 100,
    retryCapMs: 250,
    maxConsecutiveFailures: 4,
    sleep: async (ms) => void slept.push(ms),
    onError: (e, n, fatal) => seen.push(`${e.code}#${n}${fatal ? '!' : ''}`),
  });
  const err = await f.run().then(
    () => null,
    (e: unknown) => e,
  );
  t.match(err, { code: 'NODE_UNAVAILABLE', message: /giving up after 4 failed rounds/ });
  t.same(slept, [100, 200, 250], 'exponential backoff, capped');
  t.same(seen, ['NODE_UNAVAILABLE#1', 'NODE_UNAVAILABLE#2', 'NODE_UNAVAILABLE#3', 'NODE_UNAVAILABLE#4!']);
  t.equal(heads, 4);
  t.throws(() => f.run(), { code: 'FOLLOWER_STATE' }, 'run() twice');

  // A follower with nothing to do waits; stop() ends the wait at once.
  const idle = {
    head: async () => ({ height: -1, hash: '', stateRoot: '', timestamp: 0 }),
    events: () => (async function* () {})(),
  } as unknown as ChainClient;
  const g = new BlockFollower({ db, client: idle, channel: 'consortium', useEvents: false, pollIntervalMs: 3_600_000 });
  const running = g.run();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  await g.stop();
  await running;
  t.ok(Date.now() - t0 < 1_000, 'stop() does not wait for the poll interval');
  t.throws(() => new BlockFollower({ db, client: idle, channel: 'Bad', useEvents: false }), { code: 'INVALID_ARGUMENT' });
});
