// The phases of a CFA operation: canAdvance against the spelled-out rule; then, against a real
// PostgreSQL, that the trigger of migration 20261122050500_platform decides every move exactly
// as canAdvance does, that its refusal reaches callers as ProjectionError PHASE_BACKWARDS (also
// through CfaOperationService, in a forced race), and the service's path through the phases with
// a fake node: submit, idempotent re-check, resend of the identical transaction, refusals,
// validators.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { KonsortiumApiError, KonsortiumNetworkError, Signer, type SubmitResult, type TxStatus } from '@konsortium/client';
import { toHex, type Transaction } from '@konsortium/protocol';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { createPrisma, migrateDeploy, type PrismaClient } from '../src/db/prisma.js';
import {
  canAdvance,
  CfaOperationService,
  clientSubmitter,
  isFinal,
  moveOp,
  nonceOf,
  type Phase,
  PHASES,
  phasesBefore,
  ProjectionError,
  tenantActiveValidator,
  translateDbError,
  type TxSubmitter,
} from '../src/projection/index.js';

/** The rule, spelled out move by move (seeds/001 and the trigger's comment). */
const ALLOWED: Record<Phase, readonly Phase[]> = {
  CREATED: ['CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED', 'REJECTED'],
  PROCESSING: ['PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED', 'REJECTED'],
  ONCHAIN_SUBMITTED: ['ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED', 'REJECTED'],
  FINALIZED: ['FINALIZED', 'SETTLED'],
  SETTLED: ['SETTLED'],
  REJECTED: ['REJECTED'],
};

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'NO_ERROR';
  } catch (err) {
    return err instanceof ProjectionError ? err.code : `NOT_PROJECTION_ERROR: ${(err as Error).message}`;
  }
}

t.test('canAdvance', async (t) => {
  t.same(PHASES, ['CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED', 'REJECTED'], 'the enum order');
  for (const from of PHASES) for (const to of PHASES) t.equal(canAdvance(from, to), ALLOWED[from].includes(to), `${from} → ${to}`);
  t.same(phasesBefore('SETTLED'), ['CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'FINALIZED', 'SETTLED']);
  t.same(phasesBefore('REJECTED'), ['CREATED', 'PROCESSING', 'ONCHAIN_SUBMITTED', 'REJECTED']);
  t.same(PHASES.filter(isFinal), ['SETTLED', 'REJECTED']);
});

t.test('translateDbError and ProjectionError', async (t) => {
  const adapter = Object.assign(new Error('PHASE_BACKWARDS: operation x cannot move from SETTLED to CREATED'), { name: 'DriverAdapterError' });
  const raw = Object.assign(new Error('Invalid `prisma.$executeRaw()` invocation: Raw query failed. Code: `23514`.'), {
    code: 'P2010',
    meta: { driverAdapterError: { cause: { originalCode: '23514', originalMessage: 'PHASE_BACKWARDS: operation x cannot move from SETTLED to CREATED' } } },
  });
  for (const e of [adapter, raw, new Error('wrapped', { cause: adapter })]) {
    const out = translateDbError(e);
    t.ok(out instanceof ProjectionError, 'translated');
    t.equal((out as ProjectionError).code, 'PHASE_BACKWARDS');
    t.equal((out as ProjectionError).httpStatus, 409);
    t.equal((out as ProjectionError).cause, e, 'the original is the cause');
  }
  const other = new Error('connection refused');
  t.equal(translateDbError(other), other, 'anything else passes unchanged');
  t.equal(new ProjectionError('NODE_UNAVAILABLE', 'x').retryable, true);
  t.equal(new ProjectionError('CHAIN_FORK', 'x').retryable, false);
  const n = nonceOf('5a9ce518-286f-45b6-add0-b04ecc9b0308');
  t.equal(n, nonceOf('5a9ce518-286f-45b6-add0-b04ecc9b0308'), 'the nonce is a function of the operation id');
  t.ok(Number.isSafeInteger(n) && n >= 0, 'a safe non-negative integer');
  t.not(n, nonceOf('5a9ce518-286f-45b6-add0-b04ecc9b0309'));
});

/** A node that records what it is sent; behaviour per call is set by the test. */
class FakeNode implements TxSubmitter {
  readonly sent: Transaction[] = [];
  known = new Map<string, TxStatus>();
  submitFailure: Error | null = null;
  statusFailure: Error | null = null;
  /** Answer every submit with this status (a node contradicting itself). */
  submitStatus: TxStatus['status'] | null = null;
  private readonly inner: TxSubmitter;

  constructor(signer: Signer) {
    this.inner = clientSubmitter(
      {
        submit: async (tx) => this.accept(tx),
        status: async (_channel, txId) => this.lookup(String(txId)),
      },
      signer,
    );
  }

  build(channel: string, operations: Parameters<TxSubmitter['build']>[1], nonce: number): Transaction {
    return this.inner.build(channel, operations, nonce);
  }

  submit(tx: Transaction): Promise<SubmitResult> {
    return this.inner.submit(tx);
  }

  status(channel: string, txId: string): Promise<TxStatus> {
    return this.inner.status(channel, txId);
  }

  private async accept(tx: Transaction): Promise<SubmitResult> {
    if (this.submitFailure !== null) throw this.submitFailure;
    this.sent.push(tx);
    const id = toHex(tx.id);
    const had = this.known.get(id);
    if (had === undefined) this.known.set(id, { txId: id, status: 'received' });
    return { txId: id, status: this.submitStatus ?? had?.status ?? 'received', alreadyKnown: had !== undefined };
  }

  private async lookup(txId: string): Promise<TxStatus> {
    if (this.statusFailure !== null) throw this.statusFailure;
    const s = this.known.get(txId);
    if (s === undefined) throw new KonsortiumApiError(404, 'TX_NOT_FOUND', `transaction ${txId} is not known to this node`);
    return s;
  }
}

t.test('against PostgreSQL', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'konsortium-projection-phases-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const server = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: false });
  t.teardown(() => server.stop().catch(() => undefined));
  const url = await server.database('konsortium_phases');
  await migrateDeploy(url);
  const db = createPrisma(url);
  t.teardown(() => db.$disconnect());
  const operation = (phase: Phase) => db.cfaOperation.create({ data: { channel: 'consortium', method: 'cfa.mint', args: {}, phase } });

  t.test('the trigger decides every move as canAdvance does', async (t) => {
    for (const from of PHASES) {
      for (const to of PHASES) {
        const op = await operation(from);
        let error: unknown = null;
        try {
          await db.$executeRawUnsafe(`UPDATE cfa_operations SET phase = '${to}' WHERE id = '${op.id}'`);
        } catch (err) {
          error = err;
        }
        if (canAdvance(from, to)) {
          t.equal(error, null, `${from} → ${to} is allowed`);
        } else {
          t.match((error as { meta?: unknown })?.meta, { driverAdapterError: { cause: { originalCode: '23514' } } }, `${from} → ${to} is a check_violation`);
          t.match((error as Error).message, /PHASE_BACKWARDS/);
          t.equal((await db.cfaOperation.findUniqueOrThrow({ where: { id: op.id } })).phase, from, 'and nothing changed');
        }
      }
    }
    const op = await operation('REJECTED');
    await db.cfaOperation.update({ where: { id: op.id }, data: { resultCode: 'FROZEN', blockHeight: 7n } });
    t.equal((await db.cfaOperation.findUniqueOrThrow({ where: { id: op.id } })).resultCode, 'FROZEN', 'other columns of a REJECTED operation can still be filled in');
  });

  t.test('a backward move through Prisma becomes PHASE_BACKWARDS', async (t) => {
    const op = await operation('SETTLED');
    const err = await db.cfaOperation.update({ where: { id: op.id }, data: { phase: 'FINALIZED' } }).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(err !== null, 'the database refuses');
    const mapped = translateDbError(err);
    t.ok(mapped instanceof ProjectionError && mapped.code === 'PHASE_BACKWARDS', 'translated to the coded error');
    t.equal(await codeOf(moveOp(db, op.id, 'FINALIZED', {}, { strict: true })), 'PHASE_BACKWARDS', 'moveOp refuses before writing');
    t.same((await moveOp(db, op.id, 'FINALIZED')).moved, false, 'without strict it reports that nothing moved');
    t.equal(await codeOf(moveOp(db, '00000000-0000-4000-8000-000000000000', 'SETTLED')), 'OPERATION_NOT_FOUND');
    t.equal(await codeOf(moveOp(db, 'not-a-uuid', 'SETTLED')), 'OPERATION_NOT_FOUND');
  });

  t.test('the service maps the trigger refusal when a write races past its check', async (t) => {
    // A writer that moves the row to SETTLED right before the service's compare-and-set, and a
    // compare-and-set that lost its phase condition: the trigger is the last line, and the
    // service reports its refusal as PHASE_BACKWARDS.
    let sabotage = true;
    const broken = db.$extends({
      query: {
        cfaOperation: {
          async updateMany({ args, query }) {
            if (!sabotage) return query(args);
            sabotage = false;
            const id = (args.where as { id: string }).id;
            await db.$executeRawUnsafe(`UPDATE cfa_operations SET phase = 'SETTLED' WHERE id = '${id}'`);
            return query({ ...args, where: { id } });
          },
        },
      },
    }) as unknown as PrismaClient;
    const service = new CfaOperationService({ db: broken });
    const op = await service.create({ channel: 'consortium', method: 'mint', args: { account: 'alice', amount: 5, ref: 'r' } });
    const err = await service.submit(op.id, { submitter: new FakeNode(Signer.generate('intl')) }).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(err instanceof ProjectionError, 'a ProjectionError');
    t.equal((err as ProjectionError).code, 'PHASE_BACKWARDS');
    t.match((err as ProjectionError).message, /SETTLED to PROCESSING/, 'naming the trigger refusal');
    t.equal((await db.cfaOperation.findUniqueOrThrow({ where: { id: op.id } })).phase, 'SETTLED', 'the other writer’s phase stands');
  });

  t.test('CfaOperationService through the phases with a fake node', async (t) => {
    const signer = Signer.generate('intl');
    const service = new CfaOperationService({ db, validate: tenantActiveValidator(db) });
    const tenant = await db.tenant.create({ data: { name: 'Acme', memberId: 't-000000000001' } });

    t.equal(await codeOf(service.create({ channel: 'Bad Channel', method: 'mint', args: {} })), 'INVALID_ARGUMENT');
    t.equal(await codeOf(service.create({ channel: 'svc', method: 'transfer', args: {} })), 'INVALID_ARGUMENT', 'an unknown method');
    t.equal(await codeOf(service.create({ channel: 'svc', method: 'mint', args: [1] })), 'INVALID_ARGUMENT', 'args must be an object');
    t.equal(await codeOf(service.get('00000000-0000-4000-8000-000000000000')), 'OPERATION_NOT_FOUND');

    // The happy path to ONCHAIN_SUBMITTED, then re-checks.
    const node = new FakeNode(signer);
    const op = await service.create({ channel: 'svc', tenantId: tenant.id, sender: 'acme', method: 'cfa.gift', args: { quantity: 5, to: 'bob', asset: 'BOND1' } });
    t.match(op, { phase: 'CREATED', method: 'cfa.gift', txId: null, source: 'api', tenantId: tenant.id, sender: 'acme' });
    const submitted = await service.submit(op.id, { submitter: node });
    t.equal(submitted.phase, 'ONCHAIN_SUBMITTED');
    t.equal(node.sent.length, 1, 'one transaction sent');
    t.equal(submitted.txId, toHex(node.sent[0]!.id), 'its id is stored');
    t.equal(node.sent[0]!.nonce, nonceOf(op.id), 'the nonce comes from the operation id');
    t.same(JSON.parse(node.sent[0]!.operations[0]!.argsJson), { asset: 'BOND1', quantity: 5, to: 'bob' });
    t.equal(node.sent[0]!.operations[0]!.argsJson, '{"asset":"BOND1","quantity":5,"to":"bob"}', 'arguments signed in canonical JSON');

    const again = await service.submit(op.id, { submitter: node });
    t.equal(again.phase, 'ONCHAIN_SUBMITTED');
    t.equal(node.sent.length, 1, 'submitting again re-checks instead of sending');
    node.known.set(submitted.txId!, { txId: submitted.txId!, status: 'committed', height: 42, index: 0 });
    const finalized = await service.refresh(op.id, node);
    t.match(finalized, { phase: 'FINALIZED', blockHeight: 42n, resultCode: 'OK' }, 'committed on the node: FINALIZED at its height');
    t.equal((await service.submit(op.id, { submitter: node })).phase, 'FINALIZED', 'a decided operation is returned as it is');
    t.equal(await codeOf(service.reject(op.id, 'CANCELLED')), 'PHASE_BACKWARDS', 'a finalized operation cannot be rejected');
    t.equal(await codeOf(moveOp(db, op.id, 'ONCHAIN_SUBMITTED', {}, { strict: true })), 'PHASE_BACKWARDS');

    // Lost on the way: the node never saw it; the identical transaction is sent again.
    const lost = await service.create({ channel: 'svc', method: 'mint', args: { account: 'alice', amount: 10, ref: 'bank-1' } });
    node.submitFailure = new KonsortiumNetworkError('connection reset');
    t.equal(await codeOf(service.submit(lost.id, { submitter: node })), 'NODE_UNAVAILABLE', 'a network failure is NODE_UNAVAILABLE');
    const stuck = await service.get(lost.id);
    t.equal(stuck.phase, 'PROCESSING', 'the operation stays in PROCESSING');
    t.ok(stuck.txId !== null, 'with its transaction id stored before sending');
    node.submitFailure = null;
    const resent = await service.submit(lost.id, { submitter: node });
    t.equal(resent.phase, 'ONCHAIN_SUBMITTED', 'submit again: unknown to the node, sent again');
    t.equal(toHex(node.sent.at(-1)!.id), stuck.txId, 'the very same transaction id');
    t.equal(await codeOf(service.submit(lost.id, { submitter: new FakeNode(Signer.generate('intl')) })), 'TX_MISMATCH', 'another key cannot take it over');

    // Refusals.
    const refused = await service.create({ channel: 'svc', method: 'burn', args: { account: 'alice', amount: 10, ref: 'x' } });
    node.submitFailure = new KonsortiumApiError(403, 'UNKNOWN_SENDER', 'no such member');
    t.match(await service.submit(refused.id, { submitter: node }), { phase: 'REJECTED', resultCode: 'UNKNOWN_SENDER' }, 'a refusal before ordering: REJECTED with the node’s code');
    node.submitFailure = new KonsortiumApiError(503, 'NO_LEADER', 'election');
    const retry = await service.create({ channel: 'svc', method: 'burn', args: { account: 'alice', amount: 1, ref: 'y' } });
    t.equal(await codeOf(service.submit(retry.id, { submitter: node })), 'NODE_UNAVAILABLE', '503 is not a refusal');
    node.submitFailure = null;

    // A node that says "committed" on submit and "never heard of it" on status: bounded, not a loop.
    const liar = await service.create({ channel: 'svc', method: 'burn', args: { account: 'alice', amount: 2, ref: 'z' } });
    node.submitStatus = 'committed';
    node.statusFailure = new KonsortiumApiError(404, 'TX_NOT_FOUND', 'unknown');
    t.equal(await codeOf(service.submit(liar.id, { submitter: node })), 'NODE_UNAVAILABLE', 'contradicting answers end in NODE_UNAVAILABLE');
    t.equal((await service.get(liar.id)).phase, 'ONCHAIN_SUBMITTED');
    node.submitStatus = null;
    node.statusFailure = null;

    const executedRejected = await service.create({ channel: 'svc', method: 'redeem', args: { asset: 'BOND1' } });
    const sent = await service.submit(executedRejected.id, { submitter: node });
    node.known.set(sent.txId!, { txId: sent.txId!, status: 'rejected', code: 'OUTSIDE_WINDOW', height: 50, index: 1 });
    t.match(await service.refresh(sent.id, node), { phase: 'REJECTED', resultCode: 'OUTSIDE_WINDOW', blockHeight: 50n }, 'rejected in execution: REJECTED with code and height');

    const shape = await service.create({ channel: 'svc', method: 'gift', args: { asset: 'BOND1' } });
    t.match(await service.submit(shape.id, { submitter: node }), { phase: 'REJECTED', resultCode: 'INVALID_ARGS', txId: null }, 'the local shape check refuses missing fields');

    await db.tenant.update({ where: { id: tenant.id }, data: { status: 'suspended' } });
    const suspended = await service.create({ channel: 'svc', tenantId: tenant.id, method: 'apply', args: { asset: 'BOND1', quantity: 1 } });
    const sentBefore = node.sent.length;
    t.match(await service.submit(suspended.id, { submitter: node }), { phase: 'REJECTED', resultCode: 'TENANT_SUSPENDED' }, 'a suspended tenant is refused');
    t.equal(node.sent.length, sentBefore, 'and nothing is sent');
    const custom = await service.create({ channel: 'svc', method: 'apply', args: { asset: 'BOND1', quantity: 1 } });
    t.match(
      await service.submit(custom.id, { submitter: node, validate: (o) => (o.method === 'cfa.apply' ? { code: 'KYC_PENDING', message: 'KYC not done' } : null) }),
      { phase: 'REJECTED', resultCode: 'KYC_PENDING' },
      'a per-call validator',
    );
    const cancelled = await service.create({ channel: 'svc', method: 'apply', args: { asset: 'BOND1', quantity: 1 } });
    t.match(await service.reject(cancelled.id, 'CANCELLED'), { phase: 'REJECTED', resultCode: 'CANCELLED' }, 'an operator may end a CREATED operation');

    // Waiting, on an injected clock.
    let now = 0;
    const waiting = new CfaOperationService({ db, now: () => now, sleep: async (ms) => void (now += ms) });
    const pending = await waiting.create({ channel: 'svc', method: 'mint', args: { account: 'a', amount: 1, ref: 'z' } });
    t.equal(await codeOf(waiting.waitForPhase(pending.id, ['SETTLED'], { timeoutMs: 1000, pollMs: 100 })), 'TIMEOUT');
    t.equal(await codeOf(waiting.waitForPhase(refused.id, ['SETTLED'], { timeoutMs: 1000 })), 'PHASE_UNREACHABLE', 'a REJECTED operation will never settle');
    t.equal((await waiting.waitForPhase(refused.id, 'final')).phase, 'REJECTED');
    t.same(
      (await service.list({ channel: 'svc', phase: 'REJECTED', limit: 100 })).map((o) => o.resultCode).sort(),
      ['CANCELLED', 'INVALID_ARGS', 'KYC_PENDING', 'OUTSIDE_WINDOW', 'TENANT_SUSPENDED', 'UNKNOWN_SENDER'],
    );
  });
});
