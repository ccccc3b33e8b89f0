/**
 * BlockFollower: the reconciliation worker of one channel (seeds/001, "Reconciliation Worker").
 * It follows the chain from the stored ProjectionCursor and, for each block:
 *
 *   1. checks it (hash, contents, node signatures) and that it links to the block before;
 *      a gap or a block that does not extend what was followed stops it (CHAIN_GAP, CHAIN_FORK);
 *   2. reads from the chain, with proofs anchored in that block, the balances its committed
 *      cfa transactions can have changed (balances.ts) — before touching the database;
 *   3. in ONE database transaction: moves the cursor (compare-and-set on the previous block, so
 *      two followers never apply a block twice), advances each cfa transaction's CfaOperation
 *      to FINALIZED or REJECTED (creating it from the chain, source 'reconciler', when the API
 *      never recorded it), writes the balances, checks that projected money adds up to the
 *      chain's supply, and moves the finalized operations to SETTLED.
 *
 * A crash leaves a block wholly applied or not at all, and applying a block again is a no-op:
 * settled operations stay as they are and a balance row is only written by a block at least as
 * high as the one that wrote it. Runs of blocks without cfa transactions only move the cursor,
 * once per page.
 *
 * New blocks are noticed through the node's event stream when it is available, with polling
 * as the fallback and as a slow safety net. Node failures are retried with capped exponential
 * backoff; chain problems stop the follower (`run` rejects). `stop()` lets the block in flight
 * finish, then resolves.
 */
import type { NodeKey } from '@konsortium/client';
import type { Prisma } from '../db/prisma.js';
import { BalanceReader, type BlockBalances } from './balances.js';
import { MONEY_ASSET } from './cfa-layout.js';
import { type ChainClient, type ChainPoint, ChainReader, type CheckedBlock, type CfaTx } from './chain.js';
import { isProjectionError, ProjectionError, type ProjectionErrorCode, withDbErrors } from './errors.js';
import { type CfaOperationRow, type DbTx, moveOp, type ProjectionDb } from './store.js';
import { abortableSleep } from './util.js';

export interface BlockFollowerOptions {
  readonly db: ProjectionDb;
  readonly client: ChainClient;
  readonly channel: string;
  /** Blocks per request, 1..100. Default 50. */
  readonly pageSize?: number;
  /** Polling interval while no event stream is up. Default 1 000 ms. */
  readonly pollIntervalMs?: number;
  /** Safety poll while the event stream is up (in case it is silently stuck). Default 10 000 ms. */
  readonly streamPollIntervalMs?: number;
  /** Use the node's event stream to notice new blocks. Default true. */
  readonly useEvents?: boolean;
  /** Backoff after a node or database failure: base doubling up to the cap. Defaults 250 and 30 000 ms. */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
  /** Consecutive failed rounds before run() gives up. Default 100. */
  readonly maxConsecutiveFailures?: number;
  /** Check node signatures on blocks (chain.ts). Default true. */
  readonly verifySignatures?: boolean;
  readonly minSignatures?: number;
  readonly nodeKeys?: readonly NodeKey[];
  readonly readConcurrency?: number;
  /** Database transaction time limit for one block. Default 60 000 ms. */
  readonly transactionTimeoutMs?: number;
  /** After each block with cfa transactions is committed. */
  readonly onBlock?: (b: AppliedBlock) => void;
  /** After each failed round: retried unless `fatal` (then run() rejects with it). */
  readonly onError?: (err: ProjectionError, consecutive: number, fatal: boolean) => void;
  /** Injectable for tests: resolves after ms, rejects with the signal's reason when aborted. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface AppliedBlock {
  readonly channel: string;
  readonly height: number;
  readonly hash: string;
  readonly cfaTxs: number;
  /** Operations created from the chain (the API had no record of them). */
  readonly created: number;
  readonly settled: number;
  readonly rejected: number;
  /** Balance rows written (rows already written by a later block are left alone). */
  readonly balances: number;
}

export interface SyncResult {
  /** The cursor before and after (-1: nothing followed yet). */
  readonly from: number;
  readonly to: number;
  readonly blocks: number;
  readonly cfaTxs: number;
  readonly created: number;
  /** The node's head when the round started. */
  readonly head: number;
}

/** Stop the follower: retrying cannot help. */
const FATAL: ReadonlySet<ProjectionErrorCode> = new Set(['CHAIN_GAP', 'CHAIN_FORK', 'CHAIN_INVALID', 'PROJECTION_INCOMPLETE', 'PHASE_BACKWARDS', 'CHANNEL_MISMATCH', 'INVALID_ARGUMENT']);
const PAGE_SIZE_DEFAULT = 50;
const SYNC_BLOCKS_MAX = 10_000;
const CHANNEL = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Another follower (or a reset) moved the cursor under this one: reload and go on. */
class CursorMoved extends Error {}

export class BlockFollower {
  readonly channel: string;
  private readonly db: ProjectionDb;
  private readonly chain: ChainReader;
  private readonly balances: BalanceReader;
  private readonly o: BlockFollowerOptions;
  private readonly pageSize: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private stopping = false;
  private finished = false;
  private loop: Promise<void> | undefined;
  private waitAbort = new AbortController();
  private stream: { abort: AbortController; done: Promise<void> } | undefined;
  private streamRetryAt = 0;
  private woken = false;
  private wake: (() => void) | undefined;

  constructor(o: BlockFollowerOptions) {
    if (!CHANNEL.test(o.channel)) throw new ProjectionError('INVALID_ARGUMENT', `channel "${o.channel}" is not a channel name`);
    this.pageSize = o.pageSize ?? PAGE_SIZE_DEFAULT;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 100) throw new ProjectionError('INVALID_ARGUMENT', 'pageSize must be 1..100');
    this.o = o;
    this.db = o.db;
    this.channel = o.channel;
    this.chain = new ChainReader({
      client: o.client,
      channel: o.channel,
      ...(o.verifySignatures === undefined ? {} : { verifySignatures: o.verifySignatures }),
      ...(o.minSignatures === undefined ? {} : { minSignatures: o.minSignatures }),
      ...(o.nodeKeys === undefined ? {} : { nodeKeys: o.nodeKeys }),
      ...(o.readConcurrency === undefined ? {} : { readConcurrency: o.readConcurrency }),
    });
    this.balances = new BalanceReader(this.chain);
    this.sleep = o.sleep ?? abortableSleep;
  }

  /** The last block applied, or null before the first. */
  async cursor(): Promise<ChainPoint | null> {
    return readCursor(this.db, this.channel);
  }

  /** Between run() and the end of its loop. */
  get running(): boolean {
    return this.loop !== undefined && !this.finished;
  }

  /**
   * Applies the blocks the node has after the cursor, up to its head as read at the start (at
   * most `maxBlocks`, default 10 000), and returns; never waits for new blocks. Stops early,
   * between blocks, when stop() is called. Throws ProjectionError on failure.
   */
  async syncOnce(o: { maxBlocks?: number } = {}): Promise<SyncResult> {
    const maxBlocks = o.maxBlocks ?? SYNC_BLOCKS_MAX;
    if (!Number.isInteger(maxBlocks) || maxBlocks < 1) throw new ProjectionError('INVALID_ARGUMENT', 'maxBlocks must be a positive integer');
    const start = await this.cursor();
    let committed = start;
    let cursor = start;
    const head = await this.chain.headHeight();
    let blocks = 0;
    let cfaTxs = 0;
    let created = 0;
    try {
      while (blocks < maxBlocks && !this.stopping && (cursor?.height ?? -1) < head) {
        const page = await this.chain.blocksAfter(cursor, Math.min(this.pageSize, maxBlocks - blocks));
        if (page.length === 0) break;
        for (const block of page) {
          if (this.stopping) break;
          if (block.cfaTxs.length > 0) {
            if (cursor !== committed) committed = await this.moveCursor(committed, cursor!);
            const applied = await this.applyBlock(block, cursor);
            cfaTxs += applied.cfaTxs;
            created += applied.created;
            committed = { height: block.height, hash: block.hash };
            this.o.onBlock?.(applied);
          }
          cursor = { height: block.height, hash: block.hash };
          blocks++;
        }
        if (cursor !== committed) committed = await this.moveCursor(committed, cursor!);
      }
    } catch (err) {
      if (err instanceof CursorMoved) return { from: start?.height ?? -1, to: (await this.cursor())?.height ?? -1, blocks, cfaTxs, created, head };
      throw err;
    }
    return { from: start?.height ?? -1, to: committed?.height ?? -1, blocks, cfaTxs, created, head };
  }

  /** Follows the chain until stop() (resolves) or a failure that retrying cannot mend (rejects). */
  run(): Promise<void> {
    if (this.loop !== undefined) throw new ProjectionError('FOLLOWER_STATE', `the follower of ${this.channel} is already running`);
    if (this.stopping) throw new ProjectionError('FOLLOWER_STATE', `the follower of ${this.channel} was stopped; make a new one`);
    this.loop = this.follow().finally(() => {
      this.finished = true;
      this.closeStream();
    });
    return this.loop;
  }

  /** run() in the background; failures reach onError, and a fatal one the promise that stop() returns. */
  start(): void {
    this.run().catch(() => undefined);
  }

  /** Finishes the block in flight, then stops following. Resolves when stopped, rejects with run()'s failure if it had one. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.waitAbort.abort(new ProjectionError('FOLLOWER_STATE', 'stopped'));
    this.closeStream();
    await this.loop;
  }

  private async follow(): Promise<void> {
    const baseMs = this.o.retryBaseMs ?? 250;
    const capMs = this.o.retryCapMs ?? 30_000;
    const maxFailures = this.o.maxConsecutiveFailures ?? 100;
    let failures = 0;
    while (!this.stopping) {
      let caughtUp = false;
      try {
        const r = await this.syncOnce();
        failures = 0;
        caughtUp = r.to >= r.head;
      } catch (err) {
        const e = asProjectionError(err);
        failures++;
        const fatal = FATAL.has(e.code) || failures >= maxFailures;
        this.o.onError?.(e, failures, fatal);
        if (FATAL.has(e.code)) throw e;
        if (fatal) throw new ProjectionError(e.code, `${this.channel}: giving up after ${failures} failed rounds in a row: ${e.message}`, { cause: e });
        await this.pause(Math.min(capMs, baseMs * 2 ** Math.min(failures - 1, 20)));
        continue;
      }
      if (caughtUp) await this.waitForBlocks();
    }
  }

  /** Sleeps unless stopping; a stop ends the sleep at once. */
  private async pause(ms: number): Promise<void> {
    if (this.stopping) return;
    try {
      await this.sleep(ms, this.waitAbort.signal);
    } catch (err) {
      if (!this.stopping) throw err;
    }
  }

  /** Until the event stream says a block came, the poll interval passes, or stop(). */
  private async waitForBlocks(): Promise<void> {
    if (this.stopping) return;
    const streaming = this.ensureStream();
    if (this.woken) {
      this.woken = false;
      return;
    }
    const ms = streaming ? (this.o.streamPollIntervalMs ?? 10_000) : (this.o.pollIntervalMs ?? 1_000);
    // A timer of its own, cancelled when the stream wakes us, so that no sleep outlives its wait.
    const timer = new AbortController();
    const onStop = (): void => timer.abort(this.waitAbort.signal.reason);
    this.waitAbort.signal.addEventListener('abort', onStop, { once: true });
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    try {
      await Promise.race([this.sleep(ms, timer.signal).catch(() => undefined), woken]);
    } finally {
      this.wake = undefined;
      this.woken = false;
      timer.abort(new ProjectionError('FOLLOWER_STATE', 'wait over'));
      this.waitAbort.signal.removeEventListener('abort', onStop);
    }
  }

  /** Starts the event stream if it is not up (and not failed recently); whether it is up. */
  private ensureStream(): boolean {
    if (this.o.useEvents === false || this.stopping) return false;
    if (this.stream !== undefined) return true;
    const now = Date.now();
    if (now < this.streamRetryAt) return false;
    const abort = new AbortController();
    const events = this.o.client.events(this.channel, { signal: abort.signal, maxRetries: 3 });
    const done = (async () => {
      try {
        for await (const _ of events) {
          this.woken = true;
          this.wake?.();
        }
      } catch {
        // The stream is a hint only: polling carries on, and the stream is tried again later.
      } finally {
        if (this.stream?.abort === abort) this.stream = undefined;
        this.streamRetryAt = Date.now() + (this.o.retryCapMs ?? 30_000);
      }
    })();
    this.stream = { abort, done };
    return true;
  }

  private closeStream(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.abort.abort(new ProjectionError('FOLLOWER_STATE', 'stopped'));
  }

  /** Moves the cursor over blocks without cfa transactions (compare-and-set on `from`). */
  private async moveCursor(from: ChainPoint | null, to: ChainPoint): Promise<ChainPoint> {
    await withDbErrors(() => this.db.$transaction((tx) => casCursor(tx, this.channel, from, to)));
    return to;
  }

  /** Steps 2 and 3 of the file comment for one block with cfa transactions. */
  private async applyBlock(block: CheckedBlock, before: ChainPoint | null): Promise<AppliedBlock> {
    const at: ChainPoint = { height: block.height, hash: block.hash };
    const senders = await this.balances.membersOf(
      block.cfaTxs.map((t) => t.senderKey),
      at,
      before,
    );
    const balances = await this.balances.afterBlock(block, before, senders);
    const memberIds = [...new Set([...senders.values()].filter((m): m is string => m !== null))];
    const tenants = new Map(
      (await withDbErrors(() => this.db.tenant.findMany({ where: { memberId: { in: memberIds } }, select: { id: true, memberId: true } }))).map((t) => [t.memberId, t.id]),
    );
    const height = BigInt(block.height);
    return withDbErrors(() =>
      this.db.$transaction(
        async (tx) => {
          await casCursor(tx, this.channel, before, at);
          const toSettle: string[] = [];
          let created = 0;
          let rejected = 0;
          for (const t of block.cfaTxs) {
            const member = senders.get(t.senderKey) ?? null;
            const r = await this.applyTx(tx, t, height, member, member === null ? null : (tenants.get(member) ?? null));
            if (r.created) created++;
            if (r.settle !== null) toSettle.push(r.settle);
            if (t.code !== 'OK') rejected++;
          }
          const written = await writeBalances(tx, this.channel, height, balances);
          await this.checkSupply(tx, height, balances);
          if (toSettle.length > 0) {
            const n = await tx.cfaOperation.updateMany({ where: { id: { in: toSettle }, phase: 'FINALIZED' }, data: { phase: 'SETTLED' } });
            if (n.count !== toSettle.length) throw new CursorMoved(`operations of block ${block.height} changed while it was applied`);
          }
          return { channel: this.channel, height: block.height, hash: block.hash, cfaTxs: block.cfaTxs.length, created, settled: toSettle.length, rejected, balances: written };
        },
        { timeout: this.o.transactionTimeoutMs ?? 60_000, maxWait: 10_000 },
      ),
    );
  }

  /** The CfaOperation of one transaction: advanced, or created from the chain. Returns the id to settle, if any. */
  private async applyTx(tx: DbTx, t: CfaTx, height: bigint, member: string | null, tenantId: string | null): Promise<{ created: boolean; settle: string | null }> {
    const ok = t.code === 'OK';
    const existing = await tx.cfaOperation.findUnique({ where: { txId: t.txId } });
    if (existing === null) {
      const op = await tx.cfaOperation.create({
        data: {
          channel: this.channel,
          txId: t.txId,
          tenantId,
          sender: member,
          method: t.method,
          args: t.args as Prisma.InputJsonValue,
          phase: ok ? 'FINALIZED' : 'REJECTED',
          blockHeight: height,
          resultCode: t.code,
          source: 'reconciler',
        },
      });
      return { created: true, settle: ok ? op.id : null };
    }
    if (existing.channel !== this.channel) {
      throw new ProjectionError('CHANNEL_MISMATCH', `transaction ${t.txId} is in ${this.channel}@${height}, but operation ${existing.id} is recorded for ${existing.channel}`);
    }
    if (existing.phase === 'SETTLED' && ok) return { created: false, settle: null }; // a replay: already applied
    const fields = { blockHeight: height, resultCode: t.code, sender: existing.sender ?? member, tenantId: existing.tenantId ?? tenantId };
    if (ok && existing.phase === 'REJECTED') throw contradiction(existing, t, height);
    if (!ok && (existing.phase === 'FINALIZED' || existing.phase === 'SETTLED')) throw contradiction(existing, t, height);
    const moved = await moveOp(tx, existing.id, ok ? 'FINALIZED' : 'REJECTED', fields, { strict: true, current: existing });
    return { created: false, settle: ok ? moved.op.id : null };
  }

  /** Money projected = minted − burned on chain (skipped while replaying old blocks: later rows are ahead). */
  private async checkSupply(tx: DbTx, height: bigint, b: BlockBalances): Promise<void> {
    if (b.moneySupply === null) return;
    const [row] = await tx.$queryRaw<{ total: string; ahead: boolean }[]>`
      SELECT COALESCE(sum(amount), 0)::text AS total, COALESCE(max(height) > ${height}, false) AS ahead
      FROM cfa_balances WHERE channel = ${this.channel} AND asset = ${MONEY_ASSET}`;
    if (row === undefined || row.ahead) return;
    if (BigInt(row.total) !== b.moneySupply) {
      throw new ProjectionError(
        'PROJECTION_INCOMPLETE',
        `${this.channel}@${height}: projected money adds up to ${row.total}, the chain's supply (minted − burned) is ${b.moneySupply}; ` +
          'an account was missed or a row was changed by hand (run the integrity audit)',
        { details: { projected: row.total, chain: b.moneySupply.toString(), height: Number(height) } },
      );
    }
  }
}

function contradiction(op: CfaOperationRow, t: CfaTx, height: bigint): ProjectionError {
  return new ProjectionError(
    'PHASE_BACKWARDS',
    `transaction ${t.txId} has outcome ${t.code} in block ${height}, but operation ${op.id} is ${op.phase}${op.resultCode === null ? '' : ` (${op.resultCode})`}; ` +
      'the projection contradicts the chain (delete the operation row to let the follower recreate it)',
    { details: { operation: op.id, phase: op.phase, chainCode: t.code, height: Number(height) } },
  );
}

/** The stored cursor of a channel, or null. */
export async function readCursor(db: ProjectionDb | DbTx, channel: string): Promise<ChainPoint | null> {
  const c = await withDbErrors(() => db.projectionCursor.findUnique({ where: { channel } }));
  return c === null ? null : { height: Number(c.height), hash: c.blockHash };
}

/**
 * Sets a channel's cursor by hand (repair): null forgets it, so the follower starts again from
 * genesis. Replaying is safe (see the file comment); operations already settled are left alone.
 */
export async function resetCursor(db: ProjectionDb, channel: string, to: ChainPoint | null): Promise<void> {
  await withDbErrors(async () => {
    if (to === null) await db.projectionCursor.deleteMany({ where: { channel } });
    else await db.projectionCursor.upsert({ where: { channel }, create: { channel, height: BigInt(to.height), blockHash: to.hash }, update: { height: BigInt(to.height), blockHash: to.hash } });
  });
}

async function casCursor(tx: DbTx, channel: string, from: ChainPoint | null, to: ChainPoint): Promise<void> {
  if (from === null) {
    const inserted = await tx.$executeRaw`
      INSERT INTO projection_cursors (channel, height, block_hash, updated_at) VALUES (${channel}, ${BigInt(to.height)}, ${to.hash}, now())
      ON CONFLICT (channel) DO NOTHING`;
    if (inserted !== 1) throw new CursorMoved(`the cursor of ${channel} appeared while it was being created`);
    return;
  }
  const n = await tx.projectionCursor.updateMany({
    where: { channel, height: BigInt(from.height), blockHash: from.hash },
    data: { height: BigInt(to.height), blockHash: to.hash },
  });
  if (n.count !== 1) throw new CursorMoved(`the cursor of ${channel} is no longer at ${from.height}`);
}

/** Upserts the block's values (never over a row written by a later block), then zeroes the missing owners of fully read assets. */
async function writeBalances(tx: DbTx, channel: string, height: bigint, b: BlockBalances): Promise<number> {
  let written = 0;
  if (b.values.length > 0) {
    written += await tx.$executeRaw`
      INSERT INTO cfa_balances (channel, asset, account, amount, height)
      SELECT ${channel}, v.asset, v.account, v.amount::numeric, ${height}
      FROM unnest(${b.values.map((v) => v.asset)}::text[], ${b.values.map((v) => v.account)}::text[], ${b.values.map((v) => v.amount.toString())}::text[]) AS v(asset, account, amount)
      ON CONFLICT (channel, asset, account) DO UPDATE SET amount = EXCLUDED.amount, height = EXCLUDED.height
      WHERE cfa_balances.height <= EXCLUDED.height`;
  }
  if (b.completeAssets.length > 0) {
    const units = b.values.filter((v) => v.asset !== MONEY_ASSET);
    written += await tx.$executeRaw`
      UPDATE cfa_balances SET amount = 0, height = ${height}
      WHERE channel = ${channel} AND asset = ANY(${[...b.completeAssets]}::text[]) AND height <= ${height} AND amount <> 0
        AND (asset, account) NOT IN (SELECT * FROM unnest(${units.map((v) => v.asset)}::text[], ${units.map((v) => v.account)}::text[]))`;
  }
  return written;
}

function asProjectionError(err: unknown): ProjectionError {
  if (isProjectionError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ProjectionError('DATABASE_FAILED', `projection round failed: ${message}`, { cause: err });
}
