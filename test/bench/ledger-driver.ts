/**
 * The closed-loop transaction driver shared by the ledger benchmarks: C clients, each submitting
 * one pre-signed transaction per HTTP request (JSON, `POST /v1/channels/:ch/txs`) and waiting
 * until its block reaches the bench on the leader's event stream before sending the next.
 * Counts transactions committed inside the measured window; latency is submit to commit.
 */
import { createHash, createPrivateKey, type KeyObject, sign as nodeSign } from 'node:crypto';
import http from 'node:http';
import { type CryptoSuite, intlSuite, toHex, type Transaction } from '@konsortium/protocol';
import { processCpuMs } from '../lib/process.js';
import type { LedgerCluster } from '../lib/ledger-cluster.js';
import { Histogram } from './histogram.js';

export interface Signed {
  readonly body: Buffer;
  readonly id: string;
}

export function toSigned(tx: Transaction): Signed {
  return { body: Buffer.from(JSON.stringify({ tx: toHex(tx.bytes) })), id: toHex(tx.id) };
}

export function benchLog(prefix: string): (msg: string) => void {
  return (msg) => process.stderr.write(`[${prefix}] ${msg}\n`);
}

/** An Ed25519 private key (32-byte seed) as an OpenSSL key object (PKCS#8, RFC 8410). */
export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
}

/** The intl suite with OpenSSL's SHA-256 and Ed25519 signing: fast pre-signing, the same bytes. */
export function fastIntlSigner(): CryptoSuite {
  const keys = new Map<string, KeyObject>();
  return {
    ...intlSuite,
    hash: (d) => new Uint8Array(createHash('sha256').update(d).digest()),
    sign: (priv, msg) => {
      const id = Buffer.from(priv).toString('hex');
      let k = keys.get(id);
      if (k === undefined) {
        k = ed25519PrivateKey(priv);
        keys.set(id, k);
      }
      return new Uint8Array(nodeSign(null, msg, k));
    },
  };
}

/** Follows the leader's block stream; resolves waiters by transaction id and remembers result codes. */
export class CommitWatcher {
  private readonly waiters = new Map<string, (code: string) => void>();
  private readonly early = new Map<string, string>();
  private req: http.ClientRequest | null = null;
  committed = 0;
  rejected = 0;

  constructor(private readonly channel: string) {}

  start(url: string, from: number, log: (m: string) => void): void {
    this.req = http.get(`${url}/v1/channels/${this.channel}/events?from=${from}`, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data !== undefined) this.onBlock(JSON.parse(data.slice(6)) as { txs: { txId: string; code: string }[] });
        }
      });
    });
    this.req.on('error', (err) => log(`event stream: ${err.message}`));
  }

  private onBlock(b: { txs: { txId: string; code: string }[] }): void {
    for (const t of b.txs) {
      if (t.code === 'OK') this.committed++;
      else this.rejected++;
      const w = this.waiters.get(t.txId);
      if (w !== undefined) {
        this.waiters.delete(t.txId);
        w(t.code);
      } else this.early.set(t.txId, t.code);
    }
  }

  /** Resolves with the transaction's result code once its block arrives. */
  wait(id: string): Promise<string> {
    const code = this.early.get(id);
    if (code !== undefined) {
      this.early.delete(id);
      return Promise.resolve(code);
    }
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  stop(): void {
    this.req?.destroy();
  }
}

function post(agent: http.Agent, url: URL, channel: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, hostname: url.hostname, port: url.port, method: 'POST', path: `/v1/channels/${channel}/txs`, headers: { 'content-type': 'application/json', 'content-length': body.length } },
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

export interface DriveOptions {
  readonly lc: LedgerCluster;
  readonly channel: string;
  readonly leader: number;
  readonly txs: readonly Signed[];
  readonly clients: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Send every request to the leader (default: the three nodes in turn). */
  readonly leaderOnly?: boolean;
  readonly log: (m: string) => void;
}

export interface DriveResult {
  /** Transactions committed with result OK inside the window, per second. */
  readonly tps: number;
  readonly p50: number;
  readonly p99: number;
  /** Refused submits, network errors, and transactions recorded as rejected. */
  readonly errors: number;
  readonly rejected: number;
  readonly exhausted: boolean;
  /** CPU of the node processes during the window, in cores. */
  readonly clusterCores: number;
}

/** CPU time (ms) each node process of the cluster has used so far; undefined for a stopped node. */
export function nodeCpuMs(lc: LedgerCluster): (number | undefined)[] {
  return lc.cluster.nodes.map((n) => (n.process ? processCpuMs(n.process.pid) : undefined));
}

export async function drive(o: DriveOptions): Promise<DriveResult> {
  const head = (await (await fetch(`${o.lc.url(o.leader)}/v1/channels/${o.channel}/head`)).json()) as { height: number };
  const watcher = new CommitWatcher(o.channel);
  watcher.start(o.lc.url(o.leader), head.height + 1, o.log);
  const urls = [1, 2, 3].map((id) => new URL(o.lc.url(id)));
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: o.clients }));
  const hist = new Histogram();
  let next = 0;
  let errors = 0;
  let rejected = 0;
  let counted = 0;
  const cpu = (): (number | undefined)[] => nodeCpuMs(o.lc);
  const started = performance.now();
  const measureFrom = started + o.warmupSeconds * 1000;
  const measureTo = measureFrom + o.seconds * 1000;
  let cpuAtStart = cpu();
  const warm = setTimeout(() => {
    cpuAtStart = cpu();
  }, o.warmupSeconds * 1000);
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 10));
  const worker = async (w: number): Promise<void> => {
    while (performance.now() < measureTo) {
      const i = next++;
      if (i >= o.txs.length) return;
      const tx = o.txs[i]!;
      const target = o.leaderOnly ? o.leader - 1 : (w + i) % 3;
      const begin = performance.now();
      let status: number;
      try {
        status = await post(agents[target]!, urls[target]!, o.channel, tx.body);
      } catch {
        errors++;
        await pause();
        continue;
      }
      if (status !== 202 && status !== 200) {
        errors++;
        await pause();
        continue;
      }
      const code = await Promise.race([watcher.wait(tx.id), new Promise<string>((r) => setTimeout(() => r('TIMEOUT'), 30_000))]);
      const end = performance.now();
      if (code !== 'OK') {
        rejected++;
        continue;
      }
      if (begin >= measureFrom && end <= measureTo) {
        counted++;
        hist.record((end - begin) * 1000);
      }
    }
  };
  const progress = setInterval(() => o.log(`committed ${watcher.committed}, rejected ${watcher.rejected}, errors ${errors}`), 2000);
  try {
    await Promise.all(Array.from({ length: o.clients }, (_, w) => worker(w)));
  } finally {
    clearInterval(progress);
    clearTimeout(warm);
    watcher.stop();
    for (const a of agents) a.destroy();
  }
  const cpuEnd = cpu();
  const clusterCores = cpuEnd.reduce<number>((sum, v, i) => sum + ((v ?? 0) - (cpuAtStart[i] ?? 0)), 0) / (o.seconds * 1000);
  return { tps: counted / o.seconds, p50: hist.quantile(0.5) / 1000, p99: hist.quantile(0.99) / 1000, errors, rejected, exhausted: next >= o.txs.length, clusterCores };
}

/** The leader's ledger counters, for "transactions per block". */
export async function blockFigures(lc: LedgerCluster, leader: number): Promise<{ blocks: number; txs: number }> {
  const m = await (await fetch(`${lc.url(leader)}/metrics`)).text();
  const metric = (name: string): number => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(m)?.[1] ?? NaN);
  return { blocks: metric('konsortium_ledger_blocks_total'), txs: metric('konsortium_ledger_txs_committed_total') };
}
