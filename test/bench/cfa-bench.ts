/**
 * CFA benchmark: delivery-versus-payment trades per second between many accounts on a 3-node
 * ledger (fsync on), and, in the same run on the same cluster, plain ledger transactions for
 * comparison (the goal: CFA trades at least half of the plain rate).
 *
 *   npm run bench:cfa -- [--seconds 10] [--clients 256] [--traders 100] [--warmup 2] [--json] [--keep]
 *
 * Set-up (not measured): half the traders are sellers, half buyers; the operator deposits
 * money, an issuer files an asset that the sellers buy out in its placement, and every seller
 * posts one sell offer of all its units. Measured: buyers accept 1 unit of a seller's offer per
 * transaction (acceptOffer: the unit and its price of 100.00 move, the seller pays the operator's
 * 0.1 % trade fee, all in that one transaction; the run fails if no fee was collected),
 * pre-signed, submitted one per request to the three nodes in turn, each client waiting for its
 * trade to commit. Then the same driver runs governance
 * transactions (as bench:ledger) for the same time.
 *
 * With --json the last line of stdout is {"tps","p50_ms","p99_ms","ledger_tps","ratio"}: rates are
 * the mean over the rounds, p50 the mean of the rounds' medians, p99 the worst round's.
 */
import { parseArgs } from 'node:util';
import { KonsortiumClient, readCfaFeeTotals, readCfaOfferBook, Signer } from '@konsortium/client';
import { encodeOperation, intlSuite, type KeyPair, type Operation, signTx } from '@konsortium/protocol';
import { installSignalCleanup, killAllSync } from '../lib/process.js';
import { startLedgerCluster } from '../lib/ledger-cluster.js';
import { benchLog, drive, type DriveResult, fastIntlSigner, type Signed, toSigned } from './ledger-driver.js';

const CH = 'consortium';
const ASSET = 'BENCH';
const UNITS_PER_SELLER = 1000;
/** Minor units per unit (100.00 roubles): the trade fee (TRADE_FEE_BPS of it) is not rounded away. */
const PRICE = 10_000;
const TRADE_FEE_BPS = 10;
const DEPOSIT = 100_000_000;
/** Trades pre-signed per second of run (an upper bound on the rate). */
const SUPPLY_RATE = 4000;
const log = benchLog('bench:cfa');

interface Settings {
  seconds: number;
  rounds: number;
  warmup: number;
  clients: number;
  traders: number;
  json: boolean;
  keep: boolean;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: { seconds: { type: 'string' }, rounds: { type: 'string' }, warmup: { type: 'string' }, clients: { type: 'string' }, traders: { type: 'string' }, json: { type: 'boolean' }, keep: { type: 'boolean' } },
  });
  const int = (v: string | undefined, d: number, name: string): number => {
    if (v === undefined) return d;
    if (!/^[0-9]+$/.test(v) || Number(v) <= 0) throw new Error(`--${name} must be a positive integer`);
    return Number(v);
  };
  const traders = int(values.traders, 100, 'traders');
  if (traders < 2 || traders > 1000) throw new Error('--traders must be in 2..1000');
  const rounds = int(values.rounds, 2, 'rounds');
  if (rounds > 10) throw new Error('--rounds must be in 1..10');
  return { seconds: int(values.seconds, 10, 'seconds'), rounds, warmup: int(values.warmup, 2, 'warmup'), clients: int(values.clients, 256, 'clients'), traders, json: values.json ?? false, keep: values.keep ?? false };
}

const cfa = (method: string, args: unknown): Operation => ({ contract: 'cfa', method, args });

/** The rounds of one side as one figure: mean rate, mean median, worst p99. */
function combine(rounds: readonly DriveResult[]): { tps: number; p50: number; p99: number } {
  const mean = (f: (r: DriveResult) => number) => rounds.reduce((a, r) => a + f(r), 0) / rounds.length;
  return { tps: mean((r) => r.tps), p50: mean((r) => r.p50), p99: Math.max(...rounds.map((r) => r.p99)) };
}

async function run(s: Settings): Promise<{ cfa: ReturnType<typeof combine>; ledger: ReturnType<typeof combine> }> {
  const keys: KeyPair[] = Array.from({ length: s.traders }, () => intlSuite.generateKeyPair());
  const issuerKey = intlSuite.generateKeyPair();
  const sellers = keys.slice(0, Math.floor(s.traders / 2)).map((k, i) => ({ id: `seller${i}`, key: k }));
  const buyers = keys.slice(Math.floor(s.traders / 2)).map((k, i) => ({ id: `buyer${i}`, key: k }));
  log(`starting a 3-node ledger with ${sellers.length} sellers and ${buyers.length} buyers...`);
  const lc = await startLedgerCluster({
    size: 3,
    keep: s.keep,
    members: [{ id: 'issuer', roles: ['issuer'], keys: [issuerKey] }, ...[...sellers, ...buyers].map((t) => ({ id: t.id, roles: ['investor'], keys: [t.key] }))],
    // KONSORTIUM_BENCH_NODE_ARGS: extra flags for the node processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    nodeArgs: (process.env['KONSORTIUM_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== ''),
  });
  try {
    const leader = (await lc.cluster.waitForLeader()).node.id;
    const client = new KonsortiumClient({ baseUrl: lc.url(leader), timeoutMs: 30_000 });
    const operator = new Signer('intl', lc.admin.privateKey);
    const issuer = new Signer('intl', issuerKey.privateKey);
    const must = async (what: string, signer: Signer, ops: Operation[]): Promise<void> => {
      const r = await client.submitAndWait(signer.buildTx(CH, ops), { timeoutMs: 30_000 });
      if (r.status !== 'committed') throw new Error(`set-up step "${what}" failed: ${r.code} ${r.message ?? ''}`);
    };
    log('set-up: fees, deposits, issue, placement, offers...');
    await must('fees', operator, [{ contract: 'governance', method: 'setFees', args: { collector: 'operator', rules: { trade: { fixed: 0, bps: TRADE_FEE_BPS } } } }]);
    const accounts = [...sellers.map((x) => x.id), ...buyers.map((x) => x.id)];
    for (let i = 0; i < accounts.length; i += 50) {
      await must('deposits', operator, accounts.slice(i, i + 50).map((a) => cfa('mint', { account: a, amount: DEPOSIT, ref: `deposit-${a}` })));
    }
    const start = Date.now() + 1500;
    await must('issue', issuer, [
      cfa('fileIssue', {
        code: ASSET,
        name: 'Benchmark asset',
        volume: sellers.length * UNITS_PER_SELLER,
        nominal: PRICE,
        placementPrice: PRICE,
        placementStart: start,
        placementEnd: start + 600_000,
        maturityDate: start + 3_600_000,
        redemptionPrice: PRICE,
        rights: 'benchmark',
      }),
    ]);
    await must('registration', operator, [cfa('registerIssue', { asset: ASSET })]);
    while (Date.now() < start + 100) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(sellers.map((x) => must('application', new Signer('intl', x.key.privateKey), [cfa('apply', { asset: ASSET, quantity: UNITS_PER_SELLER })])));
    await must('placement close', issuer, [cfa('closePlacement', { asset: ASSET })]);
    await Promise.all(sellers.map((x) => must('sell offer', new Signer('intl', x.key.privateKey), [cfa('offerSell', { asset: ASSET, quantity: UNITS_PER_SELLER, price: PRICE })])));
    const { open } = (await readCfaOfferBook(client, CH, ASSET)).value;
    if (open.length !== sellers.length) throw new Error(`expected ${sellers.length} open offers, found ${open.length}`);
    const perRound = s.seconds / s.rounds;
    const supply = Math.min(Math.ceil((perRound + s.warmup + 2) * SUPPLY_RATE) * s.rounds, sellers.length * UNITS_PER_SELLER);
    log(`pre-signing ${supply} trades...`);
    const fast = fastIntlSigner();
    const trades: Signed[] = [];
    for (let k = 0; k < supply; k++) {
      const b = buyers[k % buyers.length]!;
      const op = encodeOperation(cfa('acceptOffer', { offer: open[(k * 7 + Math.floor(k / buyers.length)) % open.length], quantity: 1 }));
      trades.push(toSigned(signTx({ suite: 'intl', channel: CH, sender: b.key.publicKey, nonce: k + 1, operations: [op] }, b.key.privateKey, fast)));
    }
    const plain: Signed[] = [];
    const runId = Date.now().toString(36);
    for (let i = 0; i < Math.ceil((perRound + s.warmup + 2) * 6000) * s.rounds; i++) {
      const op = encodeOperation({ contract: 'governance', method: 'addMember', args: { id: `p${runId}-${i}`, name: 'bench member', roles: ['member'], keys: [] } });
      plain.push(toSigned(signTx({ suite: 'intl', channel: CH, sender: lc.admin.publicKey, nonce: 1_000_000 + i, operations: [op] }, lc.admin.privateKey, fast)));
    }
    const slice = <T>(xs: readonly T[], r: number): T[] => xs.slice(Math.floor((xs.length * r) / s.rounds), Math.floor((xs.length * (r + 1)) / s.rounds));
    const cfaRounds: DriveResult[] = [];
    const ledgerRounds: DriveResult[] = [];
    for (let r = 0; r < s.rounds; r++) {
      log(`round ${r + 1}/${s.rounds}: DvP trades...`);
      const c = await drive({ lc, channel: CH, leader, txs: slice(trades, r), clients: s.clients, warmupSeconds: s.warmup, seconds: perRound, log });
      if (c.exhausted) log('WARNING: the pre-signed trades ran out before the end of the window');
      log(`cfa: ${Math.round(c.tps)} trades/s, p50 ${c.p50.toFixed(1)} ms, p99 ${c.p99.toFixed(1)} ms, rejected ${c.rejected}, errors ${c.errors}, cluster CPU ${c.clusterCores.toFixed(2)} cores`);
      cfaRounds.push(c);
      log(`round ${r + 1}/${s.rounds}: plain ledger transactions on the same cluster...`);
      const l = await drive({ lc, channel: CH, leader, txs: slice(plain, r), clients: s.clients, warmupSeconds: s.warmup, seconds: perRound, log });
      log(`ledger: ${Math.round(l.tps)} tx/s, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, cluster CPU ${l.clusterCores.toFixed(2)} cores`);
      ledgerRounds.push(l);
    }
    // The trades must have paid the fee (a leg of every trade): the fee totals say how much.
    const collected = (await readCfaFeeTotals(client, CH)).value.total;
    log(`trade fees collected: ${collected} (${(PRICE * TRADE_FEE_BPS) / 10_000} per trade)`);
    if (collected === 0) throw new Error('the trades charged no fee');
    const cfaResult = combine(cfaRounds);
    const ledgerResult = combine(ledgerRounds);
    return { cfa: cfaResult, ledger: ledgerResult };
  } finally {
    await lc.destroy();
  }
}

async function main(): Promise<void> {
  installSignalCleanup();
  const s = settings();
  const r = await run(s);
  const ratio = r.ledger.tps > 0 ? r.cfa.tps / r.ledger.tps : null;
  if (s.json) {
    process.stdout.write(
      `${JSON.stringify({ tps: Math.round(r.cfa.tps), p50_ms: Number(r.cfa.p50.toFixed(2)), p99_ms: Number(r.cfa.p99.toFixed(2)), ledger_tps: Math.round(r.ledger.tps), ratio: ratio === null ? null : Number(ratio.toFixed(2)) })}\n`,
    );
  } else {
    process.stdout.write(`cfa DvP: ${Math.round(r.cfa.tps)} trades/s, p50 ${r.cfa.p50.toFixed(1)} ms, p99 ${r.cfa.p99.toFixed(1)} ms\n`);
    process.stdout.write(`plain ledger (same cluster): ${Math.round(r.ledger.tps)} tx/s; ratio ${ratio?.toFixed(2) ?? 'n/a'}\n`);
  }
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  killAllSync();
  process.exit(1);
});
