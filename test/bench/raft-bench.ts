/**
 * Raft write benchmark: our 3-node cluster vs a 3-member etcd cluster, both on 127.0.0.1 with
 * fsync on, driven IN TURN (never both at once) by the same closed-loop HTTP load generator.
 *
 *   npm run bench:raft -- [--seconds 10] [--clients 64] [--warmup 2] [--keys 10000]
 *                         [--only ours|etcd] [--keep] [--json] [--engine raw|http]
 *
 * Each write is a 200-byte value to a key cycling over a fixed keyspace, sent to the leader:
 *   etcd: POST /v3/kv/put {"key": b64, "value": b64}   (gRPC-gateway JSON API)
 *   ours: PUT /v1/kv/:key {"value": "<200 chars>"}
 * Prints ops/s and p50/p99 latency of each, and ours/etcd throughput ratio. With --json the last
 * line of stdout is exactly one JSON object:
 *   {"ours":{"ops","p50_ms","p99_ms","errors"}|null,"etcd":{...}|null,"ratio":number|null}
 * Progress goes to stderr. Exit status 1 if a requested system could not be run.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { EtcdCluster } from '../lib/etcd-cluster.js';
import { KonsortiumCluster } from '../lib/konsortium-cluster.js';
import { installSignalCleanup, killAllSync, processCpuMs } from '../lib/process.js';
import { runLoad, type LoadResult, type LoadTarget } from './load.js';

interface Settings {
  seconds: number;
  clients: number;
  warmup: number;
  keys: number;
  valueBytes: number;
  keep: boolean;
  json: boolean;
  only: 'ours' | 'etcd' | undefined;
  engine: 'raw' | 'http';
}

interface Row {
  ops: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

interface SystemRun {
  result: LoadResult;
  leader: string;
  /** Writes the cluster applied during the whole run (revision/commit index delta), if known. */
  applied: number | undefined;
  leaderChanged: boolean;
  /** CPU of all cluster processes during the measured window, in cores. */
  clusterCores: number | undefined;
}

const USAGE = `usage: raft-bench [--seconds S=10] [--clients C=64] [--warmup W=2] [--keys K=10000] [--only ours|etcd] [--keep] [--json] [--engine raw|http]`;

function parse(): Settings {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      clients: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '2' },
      keys: { type: 'string', default: '10000' },
      only: { type: 'string' },
      engine: { type: 'string', default: 'raw' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (name: string, v: string, lo: number, hi: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi) throw new Error(`--${name} must be a number in [${lo}, ${hi}], got ${v}\n${USAGE}`);
    return n;
  };
  const only = values.only;
  if (only !== undefined && only !== 'ours' && only !== 'etcd') throw new Error(`--only must be ours or etcd\n${USAGE}`);
  const engine = values.engine;
  if (engine !== 'raw' && engine !== 'http') throw new Error(`--engine must be raw or http\n${USAGE}`);
  return {
    seconds: int('seconds', values.seconds, 0.1, 3600),
    clients: Math.round(int('clients', values.clients, 1, 4096)),
    warmup: int('warmup', values.warmup, 0, 600),
    keys: Math.round(int('keys', values.keys, 1, 1_000_000)),
    valueBytes: 200,
    keep: values.keep,
    json: values.json,
    only,
    engine,
  };
}

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

/** Fixed-width key names, so every request body of a system has the same size. */
function keyNames(n: number): string[] {
  const width = String(n - 1).length;
  return Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(width, '0')}`);
}

/** `n` printable ASCII bytes (so 200 chars = 200 bytes for both APIs), random per run. */
function makeValue(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}

/** Sums the CPU of `pids` between two calls. */
function cpuMeter(pids: readonly number[]): () => number | undefined {
  const read = (): number | undefined => {
    let t = 0;
    for (const pid of pids) {
      const v = processCpuMs(pid);
      if (v === undefined) return undefined;
      t += v;
    }
    return t;
  };
  const start = read();
  return () => {
    const end = read();
    return start === undefined || end === undefined ? undefined : end - start;
  };
}

/** Runs the load and, alongside, measures cluster CPU over the measured window only. */
async function drive(s: Settings, target: LoadTarget, pids: readonly number[]): Promise<{ result: LoadResult; clusterCores: number | undefined }> {
  let meter: (() => number | undefined) | undefined;
  let clusterMs: number | undefined;
  const t1 = setTimeout(() => (meter = cpuMeter(pids)), s.warmup * 1000);
  const t2 = setTimeout(() => (clusterMs = meter?.()), (s.warmup + s.seconds) * 1000);
  try {
    const result = await runLoad(target, { clients: s.clients, seconds: s.seconds, warmupSeconds: s.warmup, timeoutMs: 10_000, engine: s.engine });
    return { result, clusterCores: clusterMs === undefined ? undefined : clusterMs / 1000 / s.seconds };
  } finally {
    clearTimeout(t1);
    clearTimeout(t2);
  }
}

async function benchEtcd(s: Settings, keys: readonly string[], value: string): Promise<SystemRun> {
  log('etcd: starting 3 members');
  const t0 = Date.now();
  const cluster = await EtcdCluster.start({ keep: s.keep });
  try {
    const leader = await cluster.findLeader(15_000);
    const before = await cluster.status(leader);
    log(`etcd: up in ${Date.now() - t0} ms, leader ${leader.name} (${leader.clientUrl}), data in ${cluster.baseDir}`);
    const b64Value = Buffer.from(value).toString('base64');
    const bodies = keys.map((k) => Buffer.from(JSON.stringify({ key: Buffer.from(k).toString('base64'), value: b64Value })));
    const target: LoadTarget = { origin: leader.clientUrl, method: 'POST', path: () => '/v3/kv/put', body: (i) => bodies[i % bodies.length]! };
    log(`etcd: ${s.warmup}s warm-up + ${s.seconds}s measured, ${s.clients} clients`);
    const { result, clusterCores } = await drive(s, target, cluster.members.map((m) => m.process.pid));
    const after = await cluster.status(leader).catch(() => undefined);
    return {
      result,
      leader: leader.name,
      applied: after ? after.revision - before.revision : undefined,
      leaderChanged: after === undefined || after.leader !== before.leader,
      clusterCores,
    };
  } finally {
    await cluster.stop();
    log(s.keep ? `etcd: stopped; kept ${cluster.baseDir}` : 'etcd: stopped and cleaned up');
  }
}

async function benchOurs(s: Settings, keys: readonly string[], value: string): Promise<SystemRun> {
  log('ours: starting 3 nodes');
  const t0 = Date.now();
  const cluster = await KonsortiumCluster.start({ keep: s.keep });
  try {
    const { node: leader, status: before } = await cluster.waitForLeader({ timeoutMs: 15_000 });
    log(`ours: up in ${Date.now() - t0} ms, leader node ${leader.id} (${leader.httpUrl}), data in ${cluster.baseDir}`);
    const paths = keys.map((k) => `/v1/kv/${encodeURIComponent(k)}`);
    const body = Buffer.from(JSON.stringify({ value }));
    const target: LoadTarget = { origin: leader.httpUrl, method: 'PUT', path: (i) => paths[i % paths.length]!, body: () => body };
    log(`ours: ${s.warmup}s warm-up + ${s.seconds}s measured, ${s.clients} clients`);
    const pids = cluster.nodes.flatMap((n) => (n.process ? [n.process.pid] : []));
    const { result, clusterCores } = await drive(s, target, pids);
    const after = await cluster.status(leader.id).catch(() => undefined);
    return {
      result,
      leader: `node ${leader.id}`,
      applied: after ? after.commitIndex - before.commitIndex : undefined,
      leaderChanged: after === undefined || after.role !== 'leader' || after.term !== before.term,
      clusterCores,
    };
  } catch (err) {
    log(`ours: failure; node logs:\n${cluster.describe(10)}`);
    throw err;
  } finally {
    await cluster.destroy();
    log(s.keep ? `ours: stopped; kept ${cluster.baseDir}` : 'ours: stopped and cleaned up');
  }
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function row(r: SystemRun | undefined): Row | null {
  if (!r) return null;
  const l = r.result.latencyMs;
  return { ops: round(r.result.opsPerSec, 1), p50_ms: round(l.p50, 3), p99_ms: round(l.p99, 3), errors: r.result.errors };
}

function report(name: string, r: SystemRun | undefined, failure: string | undefined): string {
  if (!r) return `${name.padEnd(5)} ${failure ? `FAILED: ${failure.split('\n')[0]!}` : 'skipped'}`;
  const x = r.result;
  const l = x.latencyMs;
  const f = (v: number): string => v.toFixed(2).padStart(8);
  const lines = [
    `${name.padEnd(5)} ${x.opsPerSec.toFixed(1).padStart(10)} ${f(l.p50)} ${f(l.p90)} ${f(l.p99)} ${f(l.p999)} ${f(l.max)} ${String(x.errors).padStart(7)}`,
    `      ${x.ok} ok in ${x.elapsedSec}s, leader ${r.leader}${r.leaderChanged ? ' (LEADER CHANGED during the run)' : ''}, ` +
      `cluster committed ${r.applied ?? '?'} writes over the run (acknowledged incl. warm-up: ${x.ok + x.warmup.ok}), ${x.connections} connections`,
    `      cpu: cluster ${r.clusterCores === undefined ? '?' : r.clusterCores.toFixed(2)} cores, load generator ` +
      `${((x.cpu.userMs + x.cpu.systemMs) / 1000 / x.elapsedSec).toFixed(2)} cores (${x.cpu.usPerOp.toFixed(0)} µs/op), loop delay p99 ${x.loopDelayP99Ms.toFixed(1)} ms`,
  ];
  if (x.errors > 0) lines.push(`      errors: ${JSON.stringify(x.errorKinds)} e.g. ${x.errorSamples.slice(0, 2).join(' | ')}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const s = parse();
  installSignalCleanup();
  // A hard bound on the whole run, whatever hangs: kill what we started and fail.
  const budgetMs = ((s.warmup + s.seconds) * 2 + 180) * 1000;
  const deadline = setTimeout(() => {
    log(`run exceeded ${budgetMs / 1000}s; killing cluster processes`);
    killAllSync();
    process.exit(1);
  }, budgetMs);
  deadline.unref();

  const keys = keyNames(s.keys);
  const value = makeValue(s.valueBytes);
  log(`${cpus().length} CPUs; ${s.keys} keys, ${s.valueBytes}-byte values, ${s.clients} clients, ${s.seconds}s (+${s.warmup}s warm-up) each, fsync on`);

  const runs: { etcd?: SystemRun; ours?: SystemRun } = {};
  const failures: { etcd?: string; ours?: string } = {};
  // In turn, never both at once: each cluster is fully stopped before the next starts.
  if (s.only !== 'ours') {
    try {
      runs.etcd = await benchEtcd(s, keys, value);
    } catch (err) {
      failures.etcd = (err as Error).message;
      log(`etcd: FAILED: ${failures.etcd}`);
    }
  }
  if (s.only !== 'etcd') {
    try {
      runs.ours = await benchOurs(s, keys, value);
    } catch (err) {
      failures.ours = (err as Error).message;
      log(`ours: FAILED: ${failures.ours}`);
    }
  }

  const ours = row(runs.ours);
  const etcd = row(runs.etcd);
  const ratio = ours && etcd && etcd.ops > 0 ? round(ours.ops / etcd.ops, 3) : null;
  const out = [
    `raft write benchmark: 3 nodes each, 127.0.0.1, fsync on; ${s.clients} clients, ${s.valueBytes}-byte values over ${s.keys} keys, ${s.seconds}s after ${s.warmup}s warm-up`,
    `          ops/s   p50 ms   p90 ms   p99 ms  p999 ms   max ms  errors`,
    report('etcd', runs.etcd, failures.etcd),
    report('ours', runs.ours, failures.ours),
    `ratio ours/etcd (ops/s): ${ratio === null ? 'n/a' : ratio.toFixed(3)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (s.json) process.stdout.write(`${JSON.stringify({ ours, etcd, ratio })}\n`);
  clearTimeout(deadline);
  return failures.etcd !== undefined || failures.ours !== undefined ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
