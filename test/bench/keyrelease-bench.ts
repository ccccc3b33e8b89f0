/**
 * Key-release benchmark: authorisation-gated decryption on a 3-node ledger (fsync on).
 *
 *   npm run bench:keyrelease -- [--seconds 10] [--rate 100] [--records 20] [--uploads 16] [--json] [--keep]
 *
 * Set-up (not measured): an owner stores `records` records of 4 KiB (inline on chain) and grants
 * a reader their collection. Measured, open loop at `rate` operations per second (latency from
 * each operation's scheduled start, so a stall is not hidden by fewer starts): one key-release
 * round trip as a reader's SDK does it — one signed request sent to the three nodes, each node
 * checks the grant in its committed state, logs the release on chain and seals its share to the
 * request's one-time key; the first t = 2 verified shares rebuild the key; the 4 KiB ciphertext
 * is decrypted and checked against its on-chain hash. In the same run, at the same rate, the
 * peer: a proven state read of the same version from one node (the cheapest authenticated
 * round trip the node API offers). And the floor: a request that does no work (GET /healthz),
 * rotating over the nodes at the same rate: what this machine's loopback HTTP alone costs in latency.
 *
 * Then the encrypted upload throughput of 1 MiB records: seal on the client, upload the
 * ciphertext to the three nodes' blob stores, commit the version (putRecord) — `uploads`
 * records, four at a time; and as its peer the same bytes uploaded as plain blobs only.
 *
 * With --json the last line of stdout is {"ops","p50_ms","p99_ms","peer_p50_ms","peer_p99_ms","floor_p50_ms","floor_p99_ms","upload_mb_s","blob_mb_s"}.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fetchCiphertext, KonsortiumClient, releaseAndDecrypt, sealRecordVersion, type SealNode, Signer, type StoredVersion, uploadBlob } from '@konsortium/client';
import { nodeFetch } from '@konsortium/client/node';
import { opensslX25519 } from '@konsortium/node';
import { contentHash, type Operation, x25519KeyPair } from '@konsortium/protocol';
import { installSignalCleanup, killAllSync } from '../lib/process.js';
import { startLedgerCluster } from '../lib/ledger-cluster.js';
import { Histogram } from './histogram.js';
import { benchLog, blockFigures, fastIntlSigner, nodeCpuMs } from './ledger-driver.js';

const CH = 'consortium';
const MAX_IN_FLIGHT = 1000;
const log = benchLog('bench:keyrelease');
const decoder = new TextDecoder();

interface Settings {
  seconds: number;
  rate: number;
  records: number;
  uploads: number;
  json: boolean;
  keep: boolean;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: { seconds: { type: 'string' }, rate: { type: 'string' }, records: { type: 'string' }, uploads: { type: 'string' }, json: { type: 'boolean' }, keep: { type: 'boolean' } },
  });
  const int = (v: string | undefined, d: number, name: string, max: number): number => {
    if (v === undefined) return d;
    if (!/^[0-9]+$/.test(v) || Number(v) <= 0 || Number(v) > max) throw new Error(`--${name} must be an integer in 1..${max}`);
    return Number(v);
  };
  return {
    seconds: int(values.seconds, 10, 'seconds', 3600),
    rate: int(values.rate, 100, 'rate', 5000),
    records: int(values.records, 20, 'records', 1000),
    uploads: int(values.uploads, 16, 'uploads', 1000),
    json: values.json ?? false,
    keep: values.keep ?? false,
  };
}

interface OpenLoopResult {
  readonly ops: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly firstError: string | null;
  /** CPU milliseconds per completed operation: this (client) process, then each node. */
  readonly cpuMsPerOp: { readonly client: number; readonly nodes: readonly number[] };
}

type CpuSampler = () => { client: number; nodes: number[] };

/** Starts `op` at `rate`/s for `seconds` (bounded in-flight), waits for the stragglers; latency from the scheduled start. */
async function openLoop(seconds: number, rate: number, cpu: CpuSampler, op: (i: number) => Promise<void>): Promise<OpenLoopResult> {
  const cpu0 = cpu();
  const hist = new Histogram();
  let started = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | null = null;
  let inFlight = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const pending = new Set<Promise<void>>();
  while (performance.now() < end) {
    const due = Math.min(Math.floor(((performance.now() - t0) * rate) / 1000) + 1, seconds * rate);
    while (started < due && inFlight < MAX_IN_FLIGHT) {
      const scheduled = t0 + (started * 1000) / rate;
      const i = started++;
      inFlight++;
      const p = op(i)
        .then(
          () => {
            hist.record(Math.round((performance.now() - scheduled) * 1000));
            done++;
          },
          (err: unknown) => {
            errors++;
            firstError ??= (err as Error).message;
          },
        )
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    await new Promise((r) => setTimeout(r, Math.max(1, 1000 / rate / 2)));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = cpu();
  const perOp = (a: number, b: number) => (done === 0 ? 0 : (b - a) / done);
  const cpuMsPerOp = { client: perOp(cpu0.client, cpu1.client), nodes: cpu1.nodes.map((c, i) => perOp(cpu0.nodes[i]!, c)) };
  return { ops: done / elapsed, errors, p50: hist.quantile(0.5) / 1000, p99: hist.quantile(0.99) / 1000, firstError, cpuMsPerOp };
}

async function run(s: Settings) {
  // The SDK on Node with OpenSSL underneath (X25519, Ed25519) and its Node HTTP transport: what
  // an integrating server runs. The portable primitives (pure JS) cost about 7 ms of client CPU
  // per release here, and the global fetch about 0.7 ms more per request than nodeFetch.
  const fast = fastIntlSigner();
  const owner = new Signer(fast, Signer.generate('intl').exportPrivateKey());
  const reader = new Signer(fast, Signer.generate('intl').exportPrivateKey());
  const x25519 = opensslX25519;
  const keyOf = (x: Signer) => ({ privateKey: x.exportPrivateKey(), publicKey: x.publicKey });
  log('starting 3 nodes');
  const lc = await startLedgerCluster({
    size: 3,
    members: [
      { id: 'owner', roles: ['member'], keys: [keyOf(owner)] },
      { id: 'reader', roles: ['member'], keys: [keyOf(reader)] },
    ],
    extraArgs: () => ['--log-level', 'warn'],
    // KONSORTIUM_BENCH_NODE_ARGS: extra flags for the node processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    nodeArgs: (process.env['KONSORTIUM_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== ''),
  });
  const fetch = nodeFetch();
  try {
    const cpu: CpuSampler = () => {
      const u = process.cpuUsage();
      return { client: (u.user + u.system) / 1000, nodes: nodeCpuMs(lc).map((c) => c ?? 0) };
    };
    const nodes = [1, 2, 3].map((id) => new KonsortiumClient({ baseUrl: lc.url(id), timeoutMs: 30_000, fetch }));
    const submit = async (signer: Signer, ...ops: Operation[]) => {
      const r = await nodes[0]!.submitAndWait(signer.buildTx(CH, ops), { timeoutMs: 60_000 });
      if (r.status !== 'committed') throw new Error(`set-up transaction ${r.status}: ${r.code ?? ''}`);
    };
    const proven = async <T>(key: string, node = 0): Promise<T> => {
      const e = await nodes[node]!.getVerifiedState(CH, key);
      if (e.value === null) throw new Error(`${key} is absent`);
      return JSON.parse(decoder.decode(e.value)) as T;
    };
    const sealNodes = (await proven<{ nodeId: number; sealKey: string }[]>('gov/nodes')) satisfies SealNode[];
    const ownerSeal = x25519KeyPair();

    log(`set-up: ${s.records} records of 4 KiB and a collection grant`);
    await Promise.all(
      Array.from({ length: s.records }, async (_, i) => {
        const v = sealRecordVersion({ channel: CH, record: `doc-${i}`, version: 1, plaintext: randomBytes(4096), nodes: sealNodes, ownerSealKey: ownerSeal.publicKey, x25519 });
        await submit(owner, { contract: 'data', method: 'putRecord', args: { record: `doc-${i}`, collection: 'bench', version: v.args } });
      }),
    );
    await submit(owner, { contract: 'data', method: 'grant', args: { collection: 'bench', grantee: { member: 'reader' } } });
    const versions = await Promise.all(Array.from({ length: s.records }, (_, i) => proven<StoredVersion>(`data/ver/doc-${i}/1`)));
    const ciphertexts = await Promise.all(versions.map((v) => fetchCiphertext(CH, v, nodes)));

    log('warm-up');
    await openLoop(2, Math.min(s.rate, 50), cpu, async (i) => {
      const k = i % s.records;
      await releaseAndDecrypt({ channel: CH, record: `doc-${k}`, version: versions[k]!, nodes, signer: reader, x25519, ciphertext: ciphertexts[k]! });
    });
    log(`key release: ${s.seconds}s at ${s.rate}/s`);
    const chainBefore = await blockFigures(lc, 1);
    const release = await openLoop(s.seconds, s.rate, cpu, async (i) => {
      const k = i % s.records;
      await releaseAndDecrypt({ channel: CH, record: `doc-${k}`, version: versions[k]!, nodes, signer: reader, x25519, ciphertext: ciphertexts[k]! });
    });
    const chainAfter = await blockFigures(lc, 1);
    log(`key release: the access log took ${chainAfter.txs - chainBefore.txs} transactions in ${chainAfter.blocks - chainBefore.blocks} blocks`);
    log(`peer (proven state read): ${s.seconds}s at ${s.rate}/s`);
    const peer = await openLoop(s.seconds, s.rate, cpu, async (i) => {
      await nodes[i % 3]!.getVerifiedState(CH, `data/ver/doc-${i % s.records}/1`);
    });

    log(`floor (GET /healthz, no work): ${s.seconds}s at ${s.rate}/s`);
    const floor = await openLoop(s.seconds, s.rate, cpu, async (i) => {
      const res = await fetch(`${lc.url((i % 3) + 1)}/healthz`, {});
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
    });

    log(`upload: ${s.uploads} records of 1 MiB, 4 at a time`);
    const MIB = 1 << 20;
    const plaintexts = Array.from({ length: s.uploads }, () => randomBytes(MIB));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < s.uploads; i = next++) {
          const v = sealRecordVersion({ channel: CH, record: `big-${i}`, version: 1, plaintext: plaintexts[i]!, nodes: sealNodes, ownerSealKey: ownerSeal.publicKey, x25519 });
          const a = performance.now();
          await uploadBlob(CH, v.blob!, nodes);
          const b = performance.now();
          await submit(owner, { contract: 'data', method: 'putRecord', args: { record: `big-${i}`, version: v.args } });
          if (process.env['KR_DEBUG']) log(`upload ${i}: blobs ${(b - a).toFixed(0)} ms, commit ${(performance.now() - b).toFixed(0)} ms`);
        }
      }),
    );
    const uploadMBs = (s.uploads * MIB) / 1e6 / ((performance.now() - t0) / 1000);
    next = 0;
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < s.uploads; i = next++) {
          const bytes = randomBytes(MIB + 40); // the same size as a sealed 1 MiB record
          await uploadBlob(CH, { hash: contentHash(bytes), bytes }, nodes);
        }
      }),
    );
    const blobMBs = (s.uploads * MIB) / 1e6 / ((performance.now() - t1) / 1000);
    return { release, peer, floor, uploadMBs, blobMBs };
  } finally {
    fetch.close();
    if (s.keep) log(`cluster kept in ${lc.cluster.baseDir}`);
    else await lc.destroy();
  }
}

async function main(): Promise<void> {
  installSignalCleanup();
  const s = settings();
  const r = await run(s);
  for (const [name, x] of [['key release', r.release], ['peer', r.peer], ['floor', r.floor]] as const) {
    if (x.errors > 0) log(`${name}: ${x.errors} failed operations (first: ${x.firstError})`);
    const c = x.cpuMsPerOp;
    log(`${name}: CPU per operation ${(c.client + c.nodes.reduce((a, b) => a + b, 0)).toFixed(2)} ms (client ${c.client.toFixed(2)}, nodes ${c.nodes.map((n) => n.toFixed(2)).join(' / ')})`);
  }
  if (s.json) {
    process.stdout.write(
      `${JSON.stringify({
        ops: Number(r.release.ops.toFixed(1)),
        p50_ms: Number(r.release.p50.toFixed(2)),
        p99_ms: Number(r.release.p99.toFixed(2)),
        errors: r.release.errors,
        peer_p50_ms: Number(r.peer.p50.toFixed(2)),
        peer_p99_ms: Number(r.peer.p99.toFixed(2)),
        floor_p50_ms: Number(r.floor.p50.toFixed(2)),
        floor_p99_ms: Number(r.floor.p99.toFixed(2)),
        upload_mb_s: Number(r.uploadMBs.toFixed(1)),
        blob_mb_s: Number(r.blobMBs.toFixed(1)),
      })}\n`,
    );
  } else {
    process.stdout.write(`key release (t=2 of 3, 4 KiB): ${r.release.ops.toFixed(1)} ops/s at ${s.rate}/s offered, p50 ${r.release.p50.toFixed(1)} ms, p99 ${r.release.p99.toFixed(1)} ms, ${r.release.errors} errors\n`);
    process.stdout.write(`peer, proven state read (same rate): p50 ${r.peer.p50.toFixed(1)} ms, p99 ${r.peer.p99.toFixed(1)} ms\n`);
    process.stdout.write(`floor, GET /healthz (same rate): p50 ${r.floor.p50.toFixed(1)} ms, p99 ${r.floor.p99.toFixed(1)} ms\n`);
    process.stdout.write(`encrypted upload, 1 MiB records: ${r.uploadMBs.toFixed(1)} MB/s (plain blob upload of the same bytes: ${r.blobMBs.toFixed(1)} MB/s)\n`);
  }
}

main().catch((err: unknown) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  killAllSync();
  process.exit(1);
});
