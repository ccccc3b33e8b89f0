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
import { createPrivateKey, createPublicKey, createHash, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import http from 'node:http';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { type CryptoSuite, encodeOperation, intlSuite, signTx, suiteById, type SuiteId, toHex } from '@konsortium/protocol';
import { installSignalCleanup, killAllSync, processCpuMs } from '../lib/process.js';
import { type LedgerCluster, startLedgerCluster } from '../lib/ledger-cluster.js';
import { Histogram } from './histogram.js';

interface Settings {
  /** Submit only to the leader (no forwarding); default: to all three nodes in turn. */
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
const SUPPLY_RATE: Record<SuiteId, number> = { intl: 12_000, sm: 3_000, gost: 1_500 };

function log(msg: string): void {
  process.stderr.write(`[bench:ledger] ${msg}\n`);
}

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
  return { leaderOnly: values['leader-only'] ?? false, seconds: int(values.seconds, 10, 'seconds'), warmup: int(values.warmup, 2, 'warmup'), clients: int(values.clients, 256, 'clients'), suite, json: values.json ?? false, keep: values.keep ?? false };
}

/** The intl suite with OpenSSL's SHA-256 and Ed25519 signing: fast pre-signing, same bytes. */
function fastIntlSigner(): CryptoSuite {
  const keys = new Map<string, ReturnType<typeof createPrivateKey>>();
  return {
    ...intlSuite,
    hash: (d) => new Uint8Array(createHash('sha256').update(d).digest()),
    sign: (priv, msg) => {
      const id = Buffer.from(priv).toString('hex');
      let k = keys.get(id);
      if (k === undefined) {
        k = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), priv]), format: 'der', type: 'pkcs8' });
        keys.set(id, k);
      }
      return new Uint8Array(nodeSign(null, msg, k));
    },
  };
}

interface Signed {
  readonly body: Buffer;
  readonly id: string;
}

function presign(lc: LedgerCluster, count: number): Signed[] {
  const suite = lc.suite === 'intl' ? fastIntlSigner() : suiteById(lc.suite);
  const out: Signed[] = [];
  const runId = Date.now().toString(36);
  for (let i = 0; i < count; i++) {
    const tx = signTx(
      {
        suite: lc.suite,
        channel: CH,
        sender: lc.admin.publicKey,
        nonce: i + 1,
        operations: [encodeOperation({ contract: 'governance', method: 'addMember', args: { id: `b${runId}-${i}`, name: 'bench member', roles: ['member'], keys: [] } })],
      },
      lc.admin.privateKey,
      suite,
    );
    out.push({ body: Buffer.from(JSON.stringify({ tx: toHex(tx.bytes) })), id: toHex(tx.id) });
  }
  return out;
}

/** node:crypto Ed25519 verifications per second on one core (1 s). */
function ed25519VerifyRate(): number {
  const seed = Buffer.alloc(32, 7);
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
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

/** Follows the leader's block stream; resolves waiters by transaction id. */
class CommitWatcher {
  private readonly waiters = new Map<string, () => void>();
  private readonly early = new Set<string>();
  private req: http.ClientRequest | null = null;
  committed = 0;

  start(url: string, from: number): void {
    this.req = http.get(`${url}/v1/channels/${CH}/events?from=${from}`, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data !== undefined) this.onBlock(JSON.parse(data.slice(6)) as { txs: { txId: string }[] });
        }
      });
    });
    this.req.on('error', (err) => log(`event stream: ${err.message}`));
  }

  private onBlock(b: { txs: { txId: string }[] }): void {
    for (const t of b.txs) {
      this.committed++;
      const w = this.waiters.get(t.txId);
      if (w !== undefined) {
        this.waiters.delete(t.txId);
        w();
      } else this.early.add(t.txId);
    }
  }

  wait(id: string): Promise<void> {
    if (this.early.delete(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  stop(): void {
    this.req?.destroy();
  }
}

function post(agent: http.Agent, url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, hostname: url.hostname, port: url.port, method: 'POST', path: `/v1/channels/${CH}/txs`, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(s: Settings): Promise<{ tps: number; p50: number; p99: number }> {
  log(`measuring the Ed25519 reference (node:crypto, one core)...`);
  const verifyRate = ed25519VerifyRate();
  const cores = cpus().length;
  log(`ed25519 verify: ${Math.round(verifyRate)}/s per core; ${cores} cores; bound with 3 verifying replicas ≈ ${Math.round((verifyRate * cores) / 3)} tx/s`);
  log(`starting a 3-node ledger (suite ${s.suite}, fsync on)...`);
  // KONSORTIUM_BENCH_NODE_ARGS: extra node flags for the node processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env['KONSORTIUM_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const lc = await startLedgerCluster({ size: 3, suite: s.suite, keep: s.keep, nodeArgs });
  try {
    const leader = (await lc.cluster.waitForLeader()).node.id;
    const supply = (s.seconds + s.warmup + 2) * SUPPLY_RATE[s.suite];
    log(`pre-signing ${supply} transactions...`);
    const t0 = performance.now();
    const txs = presign(lc, supply);
    log(`signed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const head = (await (await fetch(`${lc.url(leader)}/v1/channels/${CH}/head`)).json()) as { height: number };
    const watcher = new CommitWatcher();
    watcher.start(lc.url(leader), head.height + 1);
    const urls = [1, 2, 3].map((id) => new URL(lc.url(id)));
    const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: s.clients }));
    const hist = new Histogram();
    let next = 0;
    let errors = 0;
    let counted = 0;
    const started = performance.now();
    const measureFrom = started + s.warmup * 1000;
    const measureTo = measureFrom + s.seconds * 1000;
    const cpuBefore = lc.cluster.nodes.map((n) => (n.process ? processCpuMs(n.process.pid) : undefined));
    let cpuAtStart: (number | undefined)[] = cpuBefore;
    setTimeout(() => {
      cpuAtStart = lc.cluster.nodes.map((n) => (n.process ? processCpuMs(n.process.pid) : undefined));
    }, s.warmup * 1000);
    const worker = async (w: number): Promise<void> => {
      while (performance.now() < measureTo) {
        const i = next++;
        if (i >= txs.length) return;
        const tx = txs[i]!;
        const target = s.leaderOnly ? leader - 1 : (w + i) % 3;
        const begin = performance.now();
        let status: number;
        try {
          status = await post(agents[target]!, urls[target]!, tx.body);
        } catch {
          errors++;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        if (status !== 202 && status !== 200) {
          errors++;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        await Promise.race([watcher.wait(tx.id), new Promise((r) => setTimeout(r, 30_000))]);
        const end = performance.now();
        if (begin >= measureFrom && end <= measureTo) {
          counted++;
          hist.record((end - begin) * 1000);
        }
      }
    };
    const progress = setInterval(() => log(`committed ${watcher.committed}, errors ${errors}`), 2000);
    await Promise.all(Array.from({ length: s.clients }, (_, w) => worker(w)));
    clearInterval(progress);
    const cpuAfter = lc.cluster.nodes.map((n) => (n.process ? processCpuMs(n.process.pid) : undefined));
    const metric = (text: string, name: string): number => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const m = await (await fetch(`${lc.url(leader)}/metrics`)).text();
    const blocks = metric(m, 'konsortium_ledger_blocks_total');
    const committedTxs = metric(m, 'konsortium_ledger_txs_committed_total');
    log(`leader: ${blocks} blocks for ${committedTxs} transactions (${(committedTxs / blocks).toFixed(1)} per block)`);
    watcher.stop();
    for (const a of agents) a.destroy();
    if (next >= txs.length) log(`WARNING: the pre-signed supply (${txs.length}) ran out; raise SUPPLY_RATE for ${s.suite}`);
    const tps = counted / s.seconds;
    const p50 = hist.quantile(0.5) / 1000;
    const p99 = hist.quantile(0.99) / 1000;
    const cores = cpuAfter.reduce<number>((sum, v, i) => sum + ((v ?? 0) - (cpuAtStart[i] ?? 0)), 0) / (s.seconds * 1000);
    log(`suite ${s.suite}: ${Math.round(tps)} tx/s committed, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, errors ${errors}, cluster CPU ${cores.toFixed(2)} cores`);
    if (!s.json) {
      process.stdout.write(`suite ${s.suite}: ${Math.round(tps)} tx/s, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (clients ${s.clients}, ${s.seconds} s, errors ${errors})\n`);
      process.stdout.write(`reference: Ed25519 verify ${Math.round(verifyRate)}/s/core × ${cpus().length} cores / 3 replicas ≈ ${Math.round((verifyRate * cpus().length) / 3)} tx/s\n`);
    }
    return { tps, p50, p99 };
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
