/**
 * The local node runtime with REAL ledger node processes (data-plane/node/dist/main.js; run
 * `npx tsc -b` first): a 3-node network elects a leader and commits a transaction; ensuring a
 * node again starts nothing new; a kill -9 is restarted by the supervisor; a node that cannot
 * start ends `failed` with its error; a new runtime over the same base dir brings the network
 * back on the same ports with its chain; removeNode deletes the node's directory; close()
 * leaves no process behind. Every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { KonsortiumClient, Signer } from '@konsortium/client';
import { suiteById, toHex, x25519KeyPair } from '@konsortium/protocol';
import { defaultNodeMainJs, LocalNodeRuntime, type LocalNodeRuntimeOptions, type NodeAddresses, type NodeSpec } from '../src/runtime/index.js';

const CH = 'consortium';
const NET = 'acme';
const IDS = [1, 2, 3];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value (errors count as "not yet"); throws after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(100);
  }
}

async function getJson(url: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(`pid ${pid} to exit`, timeoutMs, async () => (alive(pid) ? undefined : true));
}

/** A leader of `CH` that a majority of the running nodes agree on, whose /readyz is 200. */
async function waitForLeader(addrs: ReadonlyMap<number, NodeAddresses>, timeoutMs = 30_000): Promise<number> {
  return waitFor('a leader', timeoutMs, async () => {
    const st = await Promise.all(
      [...addrs].map(async ([id, a]) => {
        const r = await getJson(`${a.httpUrl}/v1/channels/${CH}/admin/status`).catch(() => undefined);
        return r?.status === 200 ? { id, ...(r.json as { role: string; leaderId: number; term: number }) } : undefined;
      }),
    );
    const leader = st.find((s) => s?.role === 'leader');
    if (leader === undefined) return undefined;
    const agree = st.filter((s) => s !== undefined && s.term === leader.term && (s.id === leader.id || s.leaderId === leader.id)).length;
    if (agree < 2) return undefined;
    const ready = await getJson(`${addrs.get(leader.id)!.httpUrl}/readyz`);
    return ready.status === 200 ? leader.id : undefined;
  });
}

async function waitReady(a: NodeAddresses, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${a.httpUrl}/readyz`, timeoutMs, async () => ((await getJson(`${a.httpUrl}/readyz`)).status === 200 ? true : undefined));
}

t.test('LocalNodeRuntime runs, supervises, resumes and removes real ledger nodes', async (t) => {
  const mainJs = defaultNodeMainJs();
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run \`npx tsc -b\` first`);
  const baseDir = await mkdtemp(path.join(tmpdir(), 'konsortium-local-rt-'));
  const runtimes: LocalNodeRuntime[] = [];
  const everyPid = new Set<number>();
  t.teardown(async () => {
    await Promise.all(runtimes.map((r) => r.close().catch(() => undefined)));
    await rm(baseDir, { recursive: true, force: true });
  });
  const make = (over: Partial<LocalNodeRuntimeOptions> = {}): LocalNodeRuntime => {
    const rt = new LocalNodeRuntime({
      baseDir,
      extraArgs: ['--no-fsync'],
      logLevel: 'warn',
      restartBackoff: { initialMs: 100, maxMs: 1000 },
      stopTimeoutMs: 5000,
      logger: pino({ level: 'silent' }),
      ...over,
    });
    runtimes.push(rt);
    return rt;
  };
  const pidOf = (rt: LocalNodeRuntime, id: number, net = NET): number => {
    const pid = rt.pidOf(net, id);
    if (pid === undefined) throw new Error(`node ${id} of ${net} has no process`);
    everyPid.add(pid);
    return pid;
  };

  // Keys and genesis, as test/lib/ledger-cluster.ts builds them.
  const suite = suiteById('intl');
  const admin = suite.generateKeyPair();
  const nodeKeys = new Map(IDS.map((id) => [id, suite.generateKeyPair()] as const));
  const sealKeys = new Map(IDS.map((id) => [id, x25519KeyPair()] as const));
  const genesis = {
    channel: CH,
    suite: 'intl',
    timestamp: 1_767_225_600_000,
    members: [{ id: 'operator', name: 'Consortium operator', roles: ['admin', 'operator'], keys: [toHex(admin.publicKey)] }],
    nodes: IDS.map((id) => ({ nodeId: id, publicKey: toHex(nodeKeys.get(id)!.publicKey), owner: 'operator', sealKey: toHex(sealKeys.get(id)!.publicKey) })),
  };

  let rt = make();
  t.equal(rt.kind, 'local');
  t.same(await rt.status(NET, 1), { state: 'absent', restarts: 0 }, 'nothing there yet');
  const addrs = new Map<number, NodeAddresses>();
  for (const id of IDS) addrs.set(id, await rt.addresses(NET, id));
  t.same(await rt.addresses(NET, 2), addrs.get(2), 'addresses are allocated once');
  t.equal(new Set([...addrs.values()].flatMap((a) => [a.raftAddr, a.httpAddr])).size, 6, 'six distinct ports');
  for (const a of addrs.values()) t.match(a.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  const peers = IDS.map((id) => ({ id, raftAddr: addrs.get(id)!.raftAddr, httpAddr: addrs.get(id)!.httpAddr }));
  const specOf = (id: number): NodeSpec => ({
    network: NET,
    nodeId: id,
    channels: [genesis],
    keys: { intl: toHex(nodeKeys.get(id)!.privateKey), seal: toHex(sealKeys.get(id)!.privateKey) },
    peers,
    join: false,
  });

  let headBefore: { height: number; hash: string } | undefined;

  await t.test('bad specs are refused before anything starts', async (t) => {
    t.throws(() => rt.nodeDir('../etc', 1), RangeError, 'no path tricks in network names');
    t.throws(() => rt.nodeDir(NET, 0), RangeError);
    await t.rejects(rt.ensureNode({ ...specOf(1), peers: [{ id: 1, raftAddr: '127.0.0.1:1', httpAddr: '127.0.0.1:2' }] }), RangeError, 'its own peer entry must match its addresses');
    await t.rejects(rt.ensureNode({ ...specOf(1), channels: [{ ...genesis, channel: '../x' }] }), RangeError, 'channel names are checked');
    t.equal(rt.pidOf(NET, 1), undefined, 'nothing started');
  });

  await t.test('a 3-node network starts and commits', async (t) => {
    const returned = await Promise.all(IDS.map((id) => rt.ensureNode(specOf(id))));
    t.same(returned, IDS.map((id) => addrs.get(id)), 'ensureNode returns the addresses');
    const dir = rt.nodeDir(NET, 1);
    t.equal(dir, path.join(baseDir, NET, 'node-1'));
    t.equal(statSync(path.join(dir, 'keys.json')).mode & 0o777, 0o600, 'keys.json is 0600');
    t.same(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8')), specOf(1).keys);
    t.same(JSON.parse(await readFile(path.join(dir, 'channels', `${CH}.genesis.json`), 'utf8')), genesis);
    const nodeJson = JSON.parse(await readFile(path.join(dir, 'node.json'), 'utf8')) as { raftPort: number; httpPort: number };
    t.equal(`127.0.0.1:${nodeJson.httpPort}`, addrs.get(1)!.httpAddr, 'node.json holds the ports');
    t.ok(existsSync(path.join(dir, 'data')), 'data dir');

    const leader = await waitForLeader(addrs);
    t.ok(IDS.includes(leader), `node ${leader} leads`);
    await waitFor('all nodes running', 15_000, async () => ((await Promise.all(IDS.map((id) => rt.status(NET, id)))).every((s) => s.state === 'running') ? true : undefined));
    for (const id of IDS) t.same(await rt.status(NET, id), { state: 'running', restarts: 0 }, `node ${id} running`);

    const client = new KonsortiumClient({ baseUrl: addrs.get(leader)!.httpUrl, timeoutMs: 10_000 });
    const signer = new Signer('intl', admin.privateKey);
    const bob = Signer.generate('intl');
    const tx = signer.buildTx(CH, { contract: 'governance', method: 'addMember', args: { id: 'bob', name: 'Bob LLC', roles: ['issuer'], keys: [bob.publicKeyHex] } });
    const st = await client.submitAndWait(tx, { timeoutMs: 15_000 });
    t.equal(st.status, 'committed', 'a transaction commits');
    headBefore = await client.head(CH);
    t.ok(headBefore.height >= 1, `head at height ${headBefore.height}`);
  });

  await t.test('ensuring the same spec again starts no second process', async (t) => {
    const pids = IDS.map((id) => pidOf(rt, id));
    const again = await Promise.all(IDS.map((id) => rt.ensureNode(specOf(id))));
    t.same(again, IDS.map((id) => addrs.get(id)));
    t.same(IDS.map((id) => pidOf(rt, id)), pids, 'same pids');
    for (const id of IDS) t.equal((await rt.status(NET, id)).restarts, 0);
  });

  await t.test('a kill -9 is restarted by the supervisor', async (t) => {
    const victim = 2;
    const pid = pidOf(rt, victim);
    process.kill(pid, 'SIGKILL');
    await waitGone(pid);
    const st = await waitFor('the restart', 15_000, async () => {
      const s = await rt.status(NET, victim);
      return s.restarts === 1 && s.state === 'running' ? s : undefined;
    });
    t.equal(st.restarts, 1, 'one restart');
    t.match(st.lastError, /killed by SIGKILL/, 'lastError says how it died');
    const newPid = pidOf(rt, victim);
    t.not(newPid, pid, 'a new process');
    await waitReady(addrs.get(victim)!);
    t.pass('ready again');
    const head = (await getJson(`${addrs.get(victim)!.httpUrl}/v1/channels/${CH}/head`)).json as { height: number };
    t.ok(head.height >= headBefore!.height, 'the restarted node has the chain');
  });

  await t.test('a node that cannot start ends failed with its error', async (t) => {
    const bad = make({ maxRapidFailures: 3, restartBackoff: { initialMs: 50, maxMs: 200 } });
    const spec: NodeSpec = { network: 'broken', nodeId: 1, channels: [{ channel: 'bad', suite: 'intl' }], keys: specOf(1).keys, peers: [], join: false };
    await bad.ensureNode(spec);
    const st = await waitFor('the failed state', 20_000, async () => {
      const s = await bad.status('broken', 1);
      return s.state === 'failed' ? s : undefined;
    });
    t.equal(st.restarts, 2, 'restarted twice, then gave up (3 rapid failures)');
    t.match(st.lastError, /exited with code 2/, 'the exit code');
    t.match(st.lastError, /genesis/i, 'and what the node said');
    t.equal(bad.pidOf('broken', 1), undefined, 'no process');
    await bad.removeNode('broken', 1);
    t.notOk(existsSync(path.join(baseDir, 'broken')), 'removed');
  });

  await t.test('a new runtime over the same base dir resumes the network', async (t) => {
    const pids = IDS.map((id) => pidOf(rt, id));
    await rt.close();
    for (const pid of pids) await waitGone(pid, 2000);
    t.ok(pids.every((pid) => !alive(pid)), 'close() stopped every process');
    for (const id of IDS) t.equal((await rt.status(NET, id)).state, 'stopped');
    await t.rejects(rt.ensureNode(specOf(1)), /closed/, 'a closed runtime starts nothing');

    rt = make();
    t.same(await rt.status(NET, 1), { state: 'stopped', restarts: 0 }, 'known on disk, not running');
    for (const id of IDS) t.same(await rt.addresses(NET, id), addrs.get(id), `node ${id} keeps its ports`);
    // Passing join: true on a node with state must not make it join (it restarts on its data).
    await Promise.all(IDS.map((id) => rt.ensureNode({ ...specOf(id), join: id === 3 })));
    const argv = (await readFile(`/proc/${pidOf(rt, 3)}/cmdline`, 'utf8')).split('\0');
    t.notOk(argv.includes('--join'), 'node 3 has state: no --join');
    t.ok(argv.includes('--cluster-id') && argv[argv.indexOf('--cluster-id') + 1] === NET, 'the network is the cluster id');
    await waitForLeader(addrs);
    for (const id of IDS) {
      await waitReady(addrs.get(id)!);
      const head = (await getJson(`${addrs.get(id)!.httpUrl}/v1/channels/${CH}/head`)).json as { height: number; hash: string };
      t.ok(head.height >= headBefore!.height, `node ${id} still has the chain (height ${head.height})`);
      if (head.height === headBefore!.height) t.equal(head.hash, headBefore!.hash, `node ${id}: the same head`);
    }
  });

  await t.test('removeNode stops the node and deletes its directory', async (t) => {
    const pid = pidOf(rt, 3);
    const dir = rt.nodeDir(NET, 3);
    await rt.removeNode(NET, 3);
    await waitGone(pid, 2000);
    t.notOk(existsSync(dir), 'the directory is gone');
    t.same(await rt.status(NET, 3), { state: 'absent', restarts: 0 });
    await t.resolves(rt.removeNode(NET, 3), 'removing again is a no-op');
  });

  await t.test('close() leaves no process behind', async (t) => {
    IDS.slice(0, 2).forEach((id) => pidOf(rt, id));
    await rt.close();
    for (const pid of everyPid) t.notOk(alive(pid), `pid ${pid} is gone`);
    t.ok(existsSync(path.join(rt.nodeDir(NET, 1), 'data')), 'data is kept');
  });
});

t.test('a node left behind by a control plane that was killed -9 is stopped and replaced', async (t) => {
  const runtimeJs = new URL('../dist/runtime/index.js', import.meta.url).href;
  if (!existsSync(new URL(runtimeJs))) throw new Error('control-plane/dist is missing: run `npx tsc -b` first');
  const baseDir = await mkdtemp(path.join(tmpdir(), 'konsortium-local-orphan-'));
  const spec: NodeSpec = { network: 'orphan', nodeId: 1, channels: [], keys: {}, peers: [], join: false };
  // A stand-in control plane in its own process: starts a (plain KV) node, prints its pid, waits.
  const script = `
    import { LocalNodeRuntime } from ${JSON.stringify(runtimeJs)};
    const rt = new LocalNodeRuntime({ baseDir: ${JSON.stringify(baseDir)}, extraArgs: ['--no-fsync'] });
    await rt.ensureNode(${JSON.stringify(spec)});
    process.stdout.write(JSON.stringify({ pid: rt.pidOf('orphan', 1) }) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const cp = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const orphan: { pid?: number } = {};
  const rt = new LocalNodeRuntime({ baseDir, extraArgs: ['--no-fsync'], stopTimeoutMs: 3000 });
  t.teardown(async () => {
    if (cp.exitCode === null && cp.signalCode === null) cp.kill('SIGKILL');
    await rt.close();
    // Should the runtime not have reaped it, do not leave it running either.
    if (orphan.pid !== undefined && alive(orphan.pid)) process.kill(orphan.pid, 'SIGKILL');
    await rm(baseDir, { recursive: true, force: true });
  });
  let out = '';
  cp.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const orphanPid = await waitFor('the stand-in control plane to start its node', 20_000, async () => {
    if (cp.exitCode !== null) throw new Error(`the stand-in exited with ${cp.exitCode}`);
    const line = out.split('\n').find((l) => l.startsWith('{'));
    return line === undefined ? undefined : (JSON.parse(line) as { pid: number }).pid;
  });
  orphan.pid = orphanPid;
  t.ok(alive(orphanPid), `node process ${orphanPid} runs`);
  cp.kill('SIGKILL');
  await new Promise((r) => cp.once('exit', r));
  await sleep(200);
  t.ok(alive(orphanPid), 'it outlived its control plane (an orphan)');

  const addr = await rt.ensureNode(spec);
  t.notOk(alive(orphanPid), 'ensureNode stopped the orphan');
  const pid = rt.pidOf('orphan', 1);
  t.ok(pid !== undefined && pid !== orphanPid, 'and started a node of its own');
  await waitReady(addr);
  t.pass('which is ready on the same ports');
  await rt.close();
  t.notOk(alive(pid!), 'closed');
});
