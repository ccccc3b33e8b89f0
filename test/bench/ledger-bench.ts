/**
 * Ledger benchmark: a 3-node ledger (fsync on) on 127.0.0.1; clients submit distinct signed
 * transactions over HTTP, one per request, spread over the three nodes (followers forward to
 * the leader), each client waiting for its transaction to commit before sending the next.
 *
 *   npm run bench:ledger -- [--seconds 10] [--suite intl|gost|sm] [--clients 256] [--warmup 2] [--leader-only] [--json] [--keep]
 *
 * Transactions are signed before the run (signing is the clients' cost, not the ledger's). A
 * transaction counts when its block reaches the bench on the leader's event stream, i.e. it is
 * committed and applied there; latency is from the start of its submit request to then. Each
 * transaction is a governance addMember (one state write), all from the genesis admin with
 * distinct nonces.
 *
 * As a reference measured in the same run, the bench reports this machine's Ed25519 (node:crypto)
 * verification rate on one core: every replica verifies every transaction once, so that rate
 * times the cores, divided by three replicas, bounds the intl throughput of any design that
 * verifies on each replica.
 *
 * With --json the last line of stdout is {"suite","tps","p50_ms","p99_ms"}. Progress on stderr.
 */
import { createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { encodeOperation, signTx, suiteById, type SuiteId } from '@konsortium/protocol';
import { installSignalCleanup, killAllSync } from '../lib/process.js';
import { type LedgerCluster, startLedgerCluster } from '../lib/ledger-cluster.js';
import { benchLog, blockFigures, drive, ed25519PrivateKey, fastIntlSigner, type Signed, toSigned } from './ledger-driver.js';

interface Settings {
  leaderOnly: boolean;
  seconds: number;
  warmup: number;
  clients: number;
  suite: SuiteId;
  json: boolean;
  keep: boolean;
}

const CH = 'consortium';
/** Upper bounds used to size the pre-signed supply per suite (tx/s). */
const SUPPLY_RATE: Record<SuiteId, number> = { intl: 6_000, sm: 1_000, gost: 800 };
const log = benchLog('bench:ledger');

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      clients: { type: 'string' },
      suite: { type: 'string' },
      json: { type: 'boolean' },
      keep: { type: 'boolean' },
      'leader-only': { type: 'boolean' },
    },
  });
  const int = (v: string | undefined, d: number, name: string): number => {
    if (v === undefined) return d;
    if (!/^[0-9]+$/.test(v) || Number(v) <= 0) throw new Error(`--${name} must be a positive integer`);
    return Number(v);
  };
  const suite = values.suite ?? 'intl';
  if (suite !== 'intl' && suite !== 'gost' && suite !== 'sm') throw new Error('--suite must be intl, gost or sm');
  return {
    leaderOnly: values['leader-only'] ?? false,
    seconds: int(values.seconds, 10, 'seconds'),
    warmup: int(values.warmup, 2, 'warmup'),
    clients: int(values.clients, 256, 'clients'),
    suite,
    json: values.json ?? false,
    keep: values.keep ?? false,
  };
}

function presign(lc: LedgerCluster, count: number): Signed[] {
  const suite = lc.suite === 'intl' ? fastIntlSigner() : suiteById(lc.suite);
  const out: Signed[] = [];
  const runId = Date.now().toString(36);
  for (let i = 0; i < count; i++) {
    const op = encodeOperation({ contract: 'governance', method: 'addMember', args: { id: `b${runId}-${i}`, name: 'bench member', roles: ['member'], keys: [] } });
    out.push(toSigned(signTx({ suite: lc.suite, channel: CH, sender: lc.admin.publicKey, nonce: i + 1, operations: [op] }, lc.admin.privateKey, suite)));
  }
  return out;
}

/** node:crypto Ed25519 verifications per second on one core (1 s). */
function ed25519VerifyRate(): number {
  const priv = ed25519PrivateKey(Buffer.alloc(32, 7));
  const pub = createPublicKey(priv);
  const msg = Buffer.alloc(32, 1);
  const sig = nodeSign(null, msg, priv);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 100; i++) nodeVerify(null, msg, pub, sig);
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

async function run(s: Settings): Promise<{ tps: number; p50: number; p99: number }> {
  log('measuring the Ed25519 reference (node:crypto, one core)...');
  const verifyRate = ed25519VerifyRate();
  const bound = (verifyRate * cpus().length) / 3;
  log(`ed25519 verify: ${Math.round(verifyRate)}/s per core; ${cpus().length} cores; bound with 3 verifying replicas ≈ ${Math.round(bound)} tx/s`);
  log(`starting a 3-node ledger (suite ${s.suite}, fsync on)...`);
  // KONSORTIUM_BENCH_NODE_ARGS: extra flags for the node processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env['KONSORTIUM_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const lc = await startLedgerCluster({ size: 3, suite: s.suite, keep: s.keep, nodeArgs });
  try {
    const leader = (await lc.cluster.waitForLeader()).node.id;
    const supply = (s.seconds + s.warmup + 2) * SUPPLY_RATE[s.suite];
    log(`pre-signing ${supply} transactions...`);
    const t0 = performance.now();
    const txs = presign(lc, supply);
    log(`signed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const r = await drive({ lc, channel: CH, leader, txs, clients: s.clients, warmupSeconds: s.warmup, seconds: s.seconds, leaderOnly: s.leaderOnly, log });
    if (r.exhausted) log(`WARNING: the pre-signed supply (${txs.length}) ran out; raise SUPPLY_RATE for ${s.suite}`);
    const f = await blockFigures(lc, leader);
    log(`leader: ${f.blocks} blocks for ${f.txs} transactions (${(f.txs / f.blocks).toFixed(1)} per block)`);
    log(`suite ${s.suite}: ${Math.round(r.tps)} tx/s committed, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}, cluster CPU ${r.clusterCores.toFixed(2)} cores`);
    if (!s.json) {
      process.stdout.write(`suite ${s.suite}: ${Math.round(r.tps)} tx/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (clients ${s.clients}, ${s.seconds} s, errors ${r.errors})\n`);
      process.stdout.write(`reference: Ed25519 verify ${Math.round(verifyRate)}/s/core × ${cpus().length} cores / 3 replicas ≈ ${Math.round(bound)} tx/s\n`);
    }
    return r;
  } finally {
    await lc.destroy();
  }
}

async function main(): Promise<void> {
  installSignalCleanup();
  const s = settings();
  const r = await run(s);
  if (s.json) process.stdout.write(`${JSON.stringify({ suite: s.suite, tps: Math.round(r.tps), p50_ms: Number(r.p50.toFixed(2)), p99_ms: Number(r.p99.toFixed(2)) })}\n`);
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  killAllSync();
  process.exit(1);
});
