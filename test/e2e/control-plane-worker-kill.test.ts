/**
 * A provisioning worker process killed (SIGKILL) in the middle of a dedicated tenant's
 * onboarding: BullMQ sees the job stall once its lock expires and hands it to the platform's
 * own worker, which resumes from the recorded steps. The tenant ends with exactly one node,
 * registered once in governance and once in Raft, and the node serves the chain.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import t from 'tap';
import { startPlatform } from '@konsortium/control-plane/platform';
import { api, nodeGet, nodeState } from '../lib/platform-calls.js';

const CHILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'lib', 'worker-child.js');

t.test('a worker killed mid-job: the job is taken up again and finishes without duplicates', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'konsortium-worker-kill-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const platform = await startPlatform({ dataDir, port: 0, network: { name: 'consortium', nodes: 3 }, nodeExtraArgs: ['--no-fsync'], logger: pino({ level: 'warn' }), worker: false, demoTenant: false, workerLockDurationMs: 2_000, catchUpTimeoutMs: 60_000 });
  t.teardown(() => platform.close());

  const child = spawn(process.execPath, [CHILD, JSON.stringify({ dataDir, databaseUrl: platform.databaseUrl, redisUrl: platform.redisUrl, apiUrl: platform.url, lockDurationMs: 2_000, killAt: 'start-node' })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let childLog = '';
  child.stderr.on('data', (d: Buffer) => (childLog += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error(`the worker child exited before it was ready:\n${childLog}`)));
  });

  const root = (await api(platform, 'POST', '/v1/auth/login', null, platform.credentials.admin)).body.accessToken as string;
  const created = await api(platform, 'POST', '/v1/tenants', root, { name: 'Crash Bank', plan: 'dedicated', admin: { email: 'ops@crash.example', password: 'correct horse battery staple' } });
  t.equal(created.status, 201);
  const opId = (created.body.operation as { id: string }).id;
  const tenantId = (created.body.tenant as { id: string }).id;

  const giveUp = new AbortController();
  const how = await Promise.race([exited, sleep(120_000, 'timeout', { signal: giveUp.signal }).catch(() => 'aborted')]);
  giveUp.abort(); // a pending two-minute timer would keep the test process alive after the test
  t.equal(how, 'SIGKILL', 'the worker process was killed in the middle of the job');
  const mid = (await api(platform, 'GET', `/v1/operations/${opId}`, root)).body;
  t.match(mid, { status: 'running', step: 'start-node' }, 'the operation stopped at start-node');
  t.same(mid.doneSteps, ['custodial-key', 'ledger-member', 'register-keys', 'allocate-node', 'register-node', 'add-learner'], 'with the steps before it recorded');

  platform.startWorker();
  const deadline = Date.now() + 120_000;
  let op = mid;
  while (Date.now() < deadline && op.status !== 'succeeded' && op.status !== 'failed') {
    await sleep(250);
    op = (await api(platform, 'GET', `/v1/operations/${opId}`, root)).body;
  }
  t.match(op, { status: 'succeeded', progress: 100 }, "the platform's worker took the stalled job up and finished it");
  t.same(op.doneSteps, ['custodial-key', 'ledger-member', 'register-keys', 'allocate-node', 'register-node', 'add-learner', 'start-node', 'catch-up', 'promote'], 'each step recorded once');

  const nodes = await platform.db.ledgerNode.findMany({ where: { tenantId } });
  t.equal(nodes.length, 1, 'one node row');
  t.equal(await platform.db.ledgerIdentity.count({ where: { tenantId } }), 1, 'one custodial key');
  const url1 = (await platform.db.ledgerNode.findFirstOrThrow({ where: { nodeId: 1 } })).httpUrl!;
  const entries = (await nodeState(platform, url1, 'gov/nodes')) as { nodeId: number }[];
  t.equal(entries.filter((n) => n.nodeId === nodes[0]!.nodeId).length, 1, 'one governance entry for the node');
  const members = (await nodeGet(platform, url1, '/admin/status')).members as { id: number; role: string }[];
  t.same(members.filter((m) => m.id === nodes[0]!.nodeId).map((m) => m.role), ['voter'], 'one Raft member, a voter');
  const head = await nodeGet(platform, nodes[0]!.httpUrl!, '/head');
  t.ok(typeof head.height === 'number' && head.height > 0, `the node serves the chain (height ${String(head.height)})`);
});
