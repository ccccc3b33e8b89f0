/**
 * The integrity audit (seeds/001: "Ежедневный аудит соответствия данных в DLT и Ledger-DB"):
 * chain and projection compared at one height, the projection cursor's, written down as an
 * IntegrityReport. The chain side is checked, not trusted: blocks from genesis are verified and
 * linked (chain.ts), and every state value comes with a proof anchored in the block at that
 * height.
 *
 * Differences (`kind`, `key`, `chain`, `projection`):
 *   cursor_fork             the chain's block at the cursor height is not the one the projection followed
 *   chain_invalid           the chain itself does not verify (then the walk stops there)
 *   operation_missing       a cfa transaction in a block ≤ cursor has no CfaOperation
 *   operation_mismatch      it has one, but not SETTLED/REJECTED at that height with that result code
 *   operation_not_on_chain  an operation claims a block ≤ cursor the transaction is not in, or claims
 *                           a block (or settlement) for a transaction the chain does not have
 *   balance_mismatch        a CfaBalance row differs from the chain's value at the cursor height
 *   balance_missing         the chain has units of an asset for an account the projection has no row for
 *   balance_ahead           a row written by a block above the cursor (a replay in progress)
 *   money_supply            projected money does not add up to minted − burned
 *   truncated               more differences than `maxDifferences`; the rest are counted, not listed
 *
 * Chain txs are compared page by page (100 blocks), so memory stays bounded by a page, the
 * balance rows 1 000 at a time.
 */
import { KonsortiumApiError, type NodeKey } from '@konsortium/client';
import type { Prisma } from '../db/prisma.js';
import { amountOf, readOwners } from './balances.js';
import { type ChainMoney, type ChainMoneySupply, type ChainOwners, cfaStateKeys as K, MONEY_ASSET } from './cfa-layout.js';
import { type ChainClient, type ChainPoint, ChainReader, nodeFailure } from './chain.js';
import { isProjectionError, ProjectionError, withDbErrors } from './errors.js';
import { readCursor } from './follower.js';
import type { CfaOperationRow, ProjectionDb } from './store.js';

export type DifferenceKind =
  | 'cursor_fork'
  | 'chain_invalid'
  | 'operation_missing'
  | 'operation_mismatch'
  | 'operation_not_on_chain'
  | 'balance_mismatch'
  | 'balance_missing'
  | 'balance_ahead'
  | 'money_supply'
  | 'truncated';

export interface Difference {
  readonly kind: DifferenceKind;
  /** A transaction id, `<asset>/<account>`, `block/<height>`, `cursor` or `money-supply`. */
  readonly key: string;
  /** What the chain says (JSON; amounts as decimal strings), null when it has nothing. */
  readonly chain: unknown;
  /** What the projection says, null when it has nothing. */
  readonly projection: unknown;
}

export interface AuditReport {
  readonly id: bigint;
  readonly at: Date;
  readonly channel: string;
  readonly height: number;
  readonly ok: boolean;
  readonly differences: readonly Difference[];
  /** What was compared. */
  readonly checked: { readonly blocks: number; readonly cfaTxs: number; readonly operations: number; readonly balances: number };
}

export interface IntegrityAuditOptions {
  readonly db: ProjectionDb;
  /** A client of a node of the channel(s) audited. */
  readonly client: ChainClient;
  readonly verifySignatures?: boolean;
  readonly minSignatures?: number;
  readonly nodeKeys?: readonly NodeKey[];
  readonly readConcurrency?: number;
  /** Differences listed in a report (the rest are counted). Default 1 000. */
  readonly maxDifferences?: number;
}

const PAGE_BLOCKS = 100;
const PAGE_ROWS = 1_000;
const DIFFERENCES_MAX_DEFAULT = 1_000;
/** Operations above the cursor that are checked one by one against the chain (per run). */
const AHEAD_CHECKS_MAX = 1_000;

/** Collects differences up to a limit. */
class Findings {
  readonly list: Difference[] = [];
  total = 0;
  constructor(private readonly max: number) {}
  add(d: Difference): void {
    this.total++;
    if (this.list.length < this.max) this.list.push(d);
  }
  result(): Difference[] {
    if (this.total <= this.list.length) return this.list;
    return [...this.list, { kind: 'truncated', key: '', chain: null, projection: { total: this.total, listed: this.list.length } }];
  }
}

interface ChainTx {
  readonly height: number;
  readonly code: string;
}

export class IntegrityAudit {
  private readonly o: IntegrityAuditOptions;
  private readonly readers = new Map<string, ChainReader>();

  constructor(o: IntegrityAuditOptions) {
    this.o = o;
    const max = o.maxDifferences ?? DIFFERENCES_MAX_DEFAULT;
    if (!Number.isInteger(max) || max < 1) throw new ProjectionError('INVALID_ARGUMENT', 'maxDifferences must be a positive integer');
  }

  private reader(channel: string): ChainReader {
    let r = this.readers.get(channel);
    if (r === undefined) {
      r = new ChainReader({
        client: this.o.client,
        channel,
        ...(this.o.verifySignatures === undefined ? {} : { verifySignatures: this.o.verifySignatures }),
        ...(this.o.minSignatures === undefined ? {} : { minSignatures: this.o.minSignatures }),
        ...(this.o.nodeKeys === undefined ? {} : { nodeKeys: this.o.nodeKeys }),
        ...(this.o.readConcurrency === undefined ? {} : { readConcurrency: this.o.readConcurrency }),
      });
      this.readers.set(channel, r);
    }
    return r;
  }

  /**
   * Audits `channel` at its cursor and stores the report. NOT_FOLLOWED when the channel was
   * never followed; a node that cannot be reached is NODE_UNAVAILABLE and stores nothing.
   */
  async run(channel: string): Promise<AuditReport> {
    const db = this.o.db;
    const cursor = await readCursor(db, channel);
    if (cursor === null) throw new ProjectionError('NOT_FOLLOWED', `channel ${channel} has no projection cursor: nothing to audit`);
    const chain = this.reader(channel);
    const findings = new Findings(this.o.maxDifferences ?? DIFFERENCES_MAX_DEFAULT);
    const walk = await this.compareOperations(chain, cursor, findings);
    const anchor: ChainPoint = walk.hashAtCursor === null ? cursor : { height: cursor.height, hash: walk.hashAtCursor };
    if (walk.hashAtCursor !== null && walk.hashAtCursor !== cursor.hash) {
      findings.add({ kind: 'cursor_fork', key: 'cursor', chain: { height: cursor.height, hash: walk.hashAtCursor }, projection: { height: cursor.height, hash: cursor.hash } });
    }
    const ahead = await this.checkOperationsAhead(chain, channel, cursor.height, findings);
    const balances = walk.hashAtCursor === null ? 0 : await this.compareBalances(chain, anchor, findings);
    const differences = findings.result();
    const stored = await withDbErrors(() =>
      db.integrityReport.create({ data: { channel, height: BigInt(cursor.height), ok: findings.total === 0, differences: differences as unknown as Prisma.InputJsonValue } }),
    );
    return {
      id: stored.id,
      at: stored.at,
      channel,
      height: cursor.height,
      ok: stored.ok,
      differences,
      checked: { blocks: walk.blocks, cfaTxs: walk.cfaTxs, operations: walk.operations + ahead, balances },
    };
  }

  /** Walks blocks 0..cursor: each page's cfa transactions against the operations. */
  private async compareOperations(chain: ReaderLike, cursor: ChainPoint, findings: Findings): Promise<{ hashAtCursor: string | null; blocks: number; cfaTxs: number; operations: number }> {
    const db = this.o.db;
    const channel = chain.channel;
    let prev: ChainPoint | null = null;
    let blocks = 0;
    let cfaTxs = 0;
    let operations = 0;
    while ((prev?.height ?? -1) < cursor.height) {
      let page;
      try {
        page = await chain.blocksAfter(prev, Math.min(PAGE_BLOCKS, cursor.height - (prev?.height ?? -1)));
      } catch (err) {
        if (isProjectionError(err) && (err.code === 'CHAIN_INVALID' || err.code === 'CHAIN_FORK' || err.code === 'CHAIN_GAP')) {
          findings.add({ kind: 'chain_invalid', key: `block/${(prev?.height ?? -1) + 1}`, chain: { code: err.code, message: err.message }, projection: null });
          return { hashAtCursor: null, blocks, cfaTxs, operations };
        }
        throw err;
      }
      if (page.length === 0) {
        findings.add({ kind: 'chain_invalid', key: `block/${(prev?.height ?? -1) + 1}`, chain: { code: 'CHAIN_GAP', message: 'the node has no such block' }, projection: null });
        return { hashAtCursor: null, blocks, cfaTxs, operations };
      }
      const first = page[0]!.height;
      const last = page[page.length - 1]!.height;
      const txs = new Map<string, ChainTx>();
      for (const b of page) for (const t of b.cfaTxs) txs.set(t.txId, { height: b.height, code: t.code });
      const byTx = new Map((await withDbErrors(() => db.cfaOperation.findMany({ where: { txId: { in: [...txs.keys()] } } }))).map((op) => [op.txId!, op]));
      for (const [txId, c] of txs) {
        const op = byTx.get(txId);
        if (op === undefined) findings.add({ kind: 'operation_missing', key: txId, chain: c, projection: null });
        else if (!matches(op, channel, c)) findings.add({ kind: 'operation_mismatch', key: txId, chain: c, projection: opView(op) });
      }
      const claiming = await withDbErrors(() => db.cfaOperation.findMany({ where: { channel, blockHeight: { gte: BigInt(first), lte: BigInt(last) } } }));
      for (const op of claiming) {
        if (op.txId === null || !txs.has(op.txId)) findings.add({ kind: 'operation_not_on_chain', key: op.txId ?? `operation/${op.id}`, chain: null, projection: opView(op) });
      }
      operations += byTx.size + claiming.length;
      cfaTxs += txs.size;
      blocks += page.length;
      prev = { height: last, hash: page[page.length - 1]!.hash };
    }
    return { hashAtCursor: prev?.hash ?? null, blocks, cfaTxs, operations };
  }

  /**
   * Operations that claim a block above the cursor, or a settlement without a block: each is
   * looked up on the chain (inclusion proof). Bounded per run.
   */
  private async checkOperationsAhead(chain: ChainReader, channel: string, height: number, findings: Findings): Promise<number> {
    const ops = await withDbErrors(() =>
      this.o.db.cfaOperation.findMany({
        where: {
          channel,
          OR: [{ blockHeight: { gt: BigInt(height) } }, { blockHeight: null, phase: { in: ['FINALIZED', 'SETTLED'] } }],
        },
        take: AHEAD_CHECKS_MAX,
        orderBy: { blockHeight: 'asc' },
      }),
    );
    for (const op of ops) {
      if (op.txId === null) {
        findings.add({ kind: 'operation_not_on_chain', key: `operation/${op.id}`, chain: null, projection: opView(op) });
        continue;
      }
      let proven;
      try {
        proven = await chain.client.getVerifiedTx(channel, op.txId, { suite: (await chain.suite()).id });
      } catch (err) {
        if (err instanceof KonsortiumApiError && err.status === 404) {
          findings.add({ kind: 'operation_not_on_chain', key: op.txId, chain: null, projection: opView(op) });
          continue;
        }
        throw nodeFailure(err, `proving transaction ${op.txId}`);
      }
      const c = { height: proven.height, code: proven.code };
      const phaseOk = op.phase === 'FINALIZED' || matches(op, channel, c); // above the cursor it may still await settlement
      if (op.blockHeight !== BigInt(c.height) || op.resultCode !== c.code || !phaseOk) findings.add({ kind: 'operation_mismatch', key: op.txId, chain: c, projection: opView(op) });
    }
    return ops.length;
  }

  /** Every balance row against the chain at `at`, the chain's owners against the rows, and the money total. */
  private async compareBalances(chain: ChainReader, at: ChainPoint, findings: Findings): Promise<number> {
    const db = this.o.db;
    const channel = chain.channel;
    const owners = new Map<string, ChainOwners>();
    const ownersOf = async (codes: readonly string[]): Promise<void> => {
      const missing = [...new Set(codes)].filter((c) => !owners.has(c));
      const read = await readOwners(chain, missing, at);
      missing.forEach((c, i) => owners.set(c, read[i]!));
    };
    let rows = 0;
    let moneyTotal = 0n;
    let after: { asset: string; account: string } | undefined;
    for (;;) {
      const page = await withDbErrors(() =>
        db.cfaBalance.findMany({
          where: { channel, ...(after === undefined ? {} : { OR: [{ asset: { gt: after.asset } }, { asset: after.asset, account: { gt: after.account } }] }) },
          orderBy: [{ asset: 'asc' }, { account: 'asc' }],
          take: PAGE_ROWS,
        }),
      );
      if (page.length === 0) break;
      rows += page.length;
      after = { asset: page[page.length - 1]!.asset, account: page[page.length - 1]!.account };
      const money = page.filter((r) => r.asset === MONEY_ASSET);
      const moneyRead = await chain.readMany<ChainMoney>(money.map((r) => K.money(r.account)), at);
      await ownersOf(page.filter((r) => r.asset !== MONEY_ASSET).map((r) => r.asset));
      const chainMoney = new Map(money.map((r, i) => [r.account, amountOf(moneyRead[i]?.balance ?? 0, K.money(r.account))]));
      for (const r of page) {
        const projected = BigInt(r.amount.toFixed(0));
        const onChain = r.asset === MONEY_ASSET ? chainMoney.get(r.account)! : amountOf(owners.get(r.asset)?.[r.account] ?? 0, `cfa/owners/${r.asset}.${r.account}`);
        if (r.asset === MONEY_ASSET) moneyTotal += projected;
        const key = `${r.asset}/${r.account}`;
        if (r.height > BigInt(at.height)) findings.add({ kind: 'balance_ahead', key, chain: { height: at.height }, projection: { height: Number(r.height), amount: projected.toString() } });
        else if (projected !== onChain) findings.add({ kind: 'balance_mismatch', key, chain: onChain.toString(), projection: projected.toString() });
      }
    }
    // The chain's side: every owner of every asset has a row.
    const [codes] = await chain.readMany<string[]>([K.assets], at);
    const assetCodes = Array.isArray(codes) ? codes.filter((c): c is string => typeof c === 'string') : [];
    for (let i = 0; i < assetCodes.length; i += PAGE_ROWS) {
      const slice = assetCodes.slice(i, i + PAGE_ROWS);
      await ownersOf(slice);
      const present = await withDbErrors(() => db.cfaBalance.findMany({ where: { channel, asset: { in: slice } }, select: { asset: true, account: true } }));
      const have = new Set(present.map((r) => `${r.asset}/${r.account}`));
      for (const code of slice) {
        for (const [account, units] of Object.entries(owners.get(code) ?? {})) {
          if (!have.has(`${code}/${account}`)) findings.add({ kind: 'balance_missing', key: `${code}/${account}`, chain: amountOf(units, `cfa/owners/${code}`).toString(), projection: null });
        }
      }
    }
    const [supply] = await chain.readMany<ChainMoneySupply>([K.moneySupply], at);
    const chainTotal = amountOf(supply?.minted ?? 0, 'money-supply.minted') - amountOf(supply?.burned ?? 0, 'money-supply.burned');
    if (chainTotal !== moneyTotal) findings.add({ kind: 'money_supply', key: 'money-supply', chain: chainTotal.toString(), projection: moneyTotal.toString() });
    return rows;
  }
}

type ReaderLike = Pick<ChainReader, 'channel' | 'blocksAfter'>;

/** SETTLED (committed) or REJECTED (refused in execution) at the transaction's block, with its code. */
function matches(op: CfaOperationRow, channel: string, c: ChainTx): boolean {
  const phase = c.code === 'OK' ? 'SETTLED' : 'REJECTED';
  return op.channel === channel && op.phase === phase && op.blockHeight === BigInt(c.height) && op.resultCode === c.code;
}

function opView(op: CfaOperationRow): Record<string, unknown> {
  return {
    id: op.id,
    channel: op.channel,
    phase: op.phase,
    height: op.blockHeight === null ? null : Number(op.blockHeight),
    code: op.resultCode,
    source: op.source,
  };
}

export interface AuditTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ScheduleAuditOptions {
  readonly audit: Pick<IntegrityAudit, 'run'>;
  readonly channels: readonly string[];
  /** Between the end of one round and the start of the next. Default one day. */
  readonly intervalMs?: number;
  /** Run a round at once instead of after the first interval. Default false. */
  readonly runImmediately?: boolean;
  /** Injectable for tests. Default the global timers. */
  readonly timers?: AuditTimers;
  readonly onReport?: (r: AuditReport) => void;
  /** A channel's audit failed (NOT_FOLLOWED, node unavailable…): the next round tries again. */
  readonly onError?: (channel: string, err: unknown) => void;
}

export interface ScheduledAudit {
  /** Runs a round now (after the one in flight, if any). */
  runNow(): Promise<AuditReport[]>;
  /** No more rounds; resolves once the round in flight is over. */
  stop(): Promise<void>;
}

export const DAY_MS = 86_400_000;

/**
 * Audits `channels` every `intervalMs` (rounds never overlap: the next is scheduled when one
 * ends). A plain function on purpose: a BullMQ repeatable job can call `audit.run` instead.
 */
export function scheduleAudit(o: ScheduleAuditOptions): ScheduledAudit {
  const intervalMs = o.intervalMs ?? DAY_MS;
  if (!Number.isFinite(intervalMs) || intervalMs < 1) throw new ProjectionError('INVALID_ARGUMENT', 'intervalMs must be positive');
  const timers: AuditTimers = o.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  let stopped = false;
  let timer: unknown;
  let inFlight: Promise<AuditReport[]> = Promise.resolve([]);

  const round = async (): Promise<AuditReport[]> => {
    const reports: AuditReport[] = [];
    for (const channel of o.channels) {
      if (stopped) break;
      try {
        const r = await o.audit.run(channel);
        reports.push(r);
        o.onReport?.(r);
      } catch (err) {
        o.onError?.(channel, err);
      }
    }
    return reports;
  };
  const chain = (): Promise<AuditReport[]> => {
    inFlight = inFlight.then(round, round);
    return inFlight;
  };
  const arm = (ms: number): void => {
    if (stopped) return;
    timer = timers.setTimeout(() => {
      timer = undefined;
      void chain().finally(() => arm(intervalMs));
    }, ms);
  };
  arm(o.runImmediately === true ? 0 : intervalMs);
  return {
    runNow: chain,
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await inFlight.catch(() => undefined);
    },
  };
}
