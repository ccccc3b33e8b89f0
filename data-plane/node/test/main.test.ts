// The node binary end to end: three OS processes on 127.0.0.1, the CLI contract, the
// "listening" line, HTTP over real sockets, kill -9 and restart, graceful SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { newMember } from './helpers/cluster.js';
import { tempDir, waitFor } from './helpers/env.js';

const mainJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

interface Proc {
  child: ChildProcess;
  lines: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startProcess(args: string[]): Proc {
  const child = spawn(process.execPath, [mainJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (c: Buffer) => lines.push(`stderr: ${c.toString('utf8')}`));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, exit };
}

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    signal: AbortSignal.timeout(5000),
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

t.test('three node processes: bootstrap, write, kill -9 and restart, SIGTERM', { skip: existsSync(mainJs) ? false : 'dist/main.js not built' }, async (t) => {
  const { dir, remove } = await tempDir('main');
  const members = [await newMember(1), await newMember(2), await newMember(3)];
  const peerFlags = members.flatMap((m) => ['--peer', `${m.id}=${m.raftAddr},${m.httpAddr}`]);
  const argsOf = (id: number): string[] => {
    const m = members[id - 1]!;
    return ['--id', String(id), '--data-dir', path.join(dir, `n${id}`), '--raft-addr', m.raftAddr, '--http-addr', m.httpAddr, ...peerFlags, '--tick-ms', '20', '--cluster-id', 'e2e'];
  };
  const procs = new Map<number, Proc>();
  t.teardown(async () => {
    for (const p of procs.values()) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([...procs.values()].map((p) => p.exit));
    await remove();
  });
  for (const id of [1, 2, 3]) procs.set(id, startProcess(argsOf(id)));

  for (const [id, p] of procs) {
    const line = await waitFor(`node ${id} listening`, () => p.lines.find((l) => l.includes('"msg":"listening"')), 20_000);
    const rec = JSON.parse(line) as Record<string, unknown>;
    t.equal(rec['raftAddr'], members[id - 1]!.raftAddr);
    t.equal(rec['httpAddr'], members[id - 1]!.httpAddr);
  }
  const url = (id: number): string => `http://${members[id - 1]!.httpAddr}`;
  const findLeader = (): Promise<number> =>
    waitFor('a leader', async () => {
      for (const id of procs.keys()) {
        const s = await http('GET', `${url(id)}/v1/status`).catch(() => null);
        if (s && s.json['role'] === 'leader') return id;
      }
      return undefined;
    }, 20_000, 50);
  const leader = await findLeader();
  const puts = await Promise.all(Array.from({ length: 50 }, (_, i) => http('PUT', `${url(leader)}/v1/kv/k${i}`, { value: `v${i}` })));
  t.ok(puts.every((r) => r.status === 200), '50 puts acknowledged');
  const follower = leader === 1 ? 2 : 1;
  t.equal((await http('PUT', `${url(follower)}/v1/kv/x`, { value: 'y' })).json['code'], 'NOT_LEADER');

  // kill -9 the leader: acknowledged writes survive on the others, then on the restarted node.
  procs.get(leader)!.child.kill('SIGKILL');
  await procs.get(leader)!.exit;
  procs.delete(leader);
  const next = await findLeader();
  t.not(next, leader);
  t.equal((await http('PUT', `${url(next)}/v1/kv/after`, { value: 'kill' })).status, 200);
  procs.set(leader, startProcess(argsOf(leader)));
  await waitFor('restarted node ready', async () => (await http('GET', `${url(leader)}/readyz`).catch(() => ({ status: 0 }))).status === 200, 20_000, 50);
  const got = await http('GET', `${url(leader)}/v1/kv/k49`);
  t.same(got.json, { key: 'k49', value: 'v49', revision: puts[49]!.json['revision'] });
  t.equal((await http('GET', `${url(leader)}/v1/kv/after`)).json['value'], 'kill');

  // SIGTERM: graceful exit with status 0.
  for (const [id, p] of procs) {
    p.child.kill('SIGTERM');
    const r = await p.exit;
    t.equal(r.code, 0, `node ${id} exits 0 on SIGTERM`);
    t.ok(p.lines.some((l) => l.includes('"msg":"node stopped"')), `node ${id} logged its stop`);
  }
  procs.clear();
});
