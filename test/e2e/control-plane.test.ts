/**
 * The platform end to end with the local runtime: embedded PostgreSQL, a real redis-server,
 * BullMQ, the API, and ledger node processes. Onboards a shared-plan tenant (custodial key
 * registered on chain) and a dedicated-plan tenant (its own node provisioned, joined as a
 * learner, caught up, promoted) while a provisioning job is killed half way and retried without
 * duplicates; moves a shared tenant to dedicated; restarts the platform on its data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import t from 'tap';
import { KonsortiumClient, Signer } from '@konsortium/client';
import { startPlatform, type Platform } from '@konsortium/control-plane/platform';
import { api, login, nodeGet, nodeState, waitOperation } from '../lib/platform-calls.js';
import { suiteById, toHex } from '@konsortium/protocol';

const PASSWORD = 'correct horse battery staple';

t.test('the platform: onboarding both plans, a killed job, moving plans, restart', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'konsortium-platform-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const logger = pino({ level: 'warn' });
  const crashes: string[] = [];
  let crashOnce = true;
  const options = {
    dataDir,
    port: 0,
    network: { name: 'consortium', nodes: 3 },
    nodeExtraArgs: ['--no-fsync'],
    logger,
    jobBackoffMs: 500,
    catchUpTimeoutMs: 60_000,
    // The first dedicated onboarding "dies" at add-learner after registering its node on chain
    // but before recording that step: the retry must find the registration and not repeat it.
    beforeStep: async (operationId: string, step: string) => {
      if (step === 'add-learner' && crashOnce) {
        crashOnce = false;
        crashes.push(operationId);
        await platform!.db.$executeRaw`UPDATE provisioning_operations SET done_steps = array_remove(done_steps, 'register-node') WHERE id = ${operationId}::uuid`;
        throw new Error('simulated crash after register-node');
      }
    },
  };
  let platform: Platform | undefined = await startPlatform(options);
  t.teardown(() => platform?.close());
  const p = () => platform!;
  const creds = p().credentials;
  t.ok(creds.demo, 'a demo tenant was created at first start');
  const root = await login(p(), creds.admin.email, creds.admin.password);

  await t.test('shared plan: the demo tenant gets a custodial key registered on chain', async (t) => {
    const ops = await api(p(), 'GET', `/v1/tenants/${creds.demo!.tenantId}/operations`, root);
    const op = await waitOperation(p(), root, (ops.body.items as { id: string }[])[0]!.id);
    t.match(op, { status: 'succeeded', progress: 100, doneSteps: ['custodial-key', 'ledger-member', 'register-keys'] });
    const tenant = (await api(p(), 'GET', `/v1/tenants/${creds.demo!.tenantId}`, root)).body as { memberId: string };
    const ids = (await api(p(), 'GET', `/v1/tenants/${creds.demo!.tenantId}/identities`, root)).body.items as { publicKey: string; custody: string; registered: boolean }[];
    t.match(ids, [{ custody: 'custodial', registered: true }], 'one custodial identity, registered');
    const nodeUrl = p().network!.network ? (await p().db.ledgerNode.findFirstOrThrow({ where: { nodeId: 1 } })).httpUrl! : '';
    t.match(await nodeState(p(), nodeUrl, `gov/member/${tenant.memberId}`), { id: tenant.memberId, roles: ['issuer', 'investor'] }, 'the tenant is a governance member on chain');
    t.match(await nodeState(p(), nodeUrl, `gov/key/${ids[0]!.publicKey}`), { member: tenant.memberId }, 'with its key');
    const row = await p().db.ledgerIdentity.findFirstOrThrow({ where: { tenantId: creds.demo!.tenantId } });
    t.ok(row.sealedKey !== null && row.sealedKey.length > 32, 'the private key is stored sealed');
    t.notOk(JSON.stringify(ids).includes('sealed'), 'and never shown');

    // Self-custody: the tenant's own key (held here, never sent) is registered, then signs.
    const demoAdmin = await login(p(), creds.demo!.email, creds.demo!.password);
    const own = suiteById('intl').generateKeyPair();
    const reg = await api(p(), 'POST', `/v1/tenants/${creds.demo!.tenantId}/identities`, demoAdmin, { custody: 'self', publicKey: toHex(own.publicKey) });
    t.equal(reg.status, 202, 'a tenant admin registers a self-custody key');
    t.match(await waitOperation(p(), root, reg.body.id as string), { status: 'succeeded' });
    t.match(await nodeState(p(), nodeUrl, `gov/key/${toHex(own.publicKey)}`), { member: tenant.memberId }, 'it is on chain, for the tenant');
    const client = new KonsortiumClient({ baseUrl: nodeUrl, token: async () => (await p().tokens.issueAccessToken({ subject: 'demo', roles: ['member'], audience: 'konsortium-node' })).token });
    const tx = new Signer('intl', own.privateKey).buildTx('consortium', { contract: 'cfa', method: 'setInvestorCategory', args: { account: tenant.memberId, category: 'qualified' } });
    const status = await client.submitAndWait(tx, { timeoutMs: 30_000 });
    t.match(status, { status: 'rejected', code: 'FORBIDDEN' }, 'the tenant signs its own transaction with it: authenticated as the tenant (and refused an operator-only method)');
  });

  await t.test('CFA through the API: projected, settled, audited', async (t) => {
    const demoAdmin = await login(p(), creds.demo!.email, creds.demo!.password);
    const now = Date.now();
    const terms = { code: 'DEMO1', name: 'Demo bond', volume: 1000, nominal: 100, placementPrice: 100, placementStart: now + 60_000, placementEnd: now + 120_000, maturityDate: now + 3_600_000, redemptionPrice: 105, rights: 'Coupon at maturity' };
    const filed = await api(p(), 'POST', `/v1/tenants/${creds.demo!.tenantId}/cfa/operations`, demoAdmin, { method: 'fileIssue', args: terms });
    t.match(filed, { status: 202, body: { phase: 'CREATED', method: 'cfa.fileIssue' } }, 'a tenant files an issue decision');
    const deadline = Date.now() + 60_000;
    let op: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      op = (await api(p(), 'GET', `/v1/cfa/operations/${filed.body.id as string}`, demoAdmin)).body;
      if (op.phase === 'SETTLED' || op.phase === 'REJECTED') break;
      await sleep(200);
    }
    t.match(op, { phase: 'SETTLED', resultCode: 'OK', txId: /^[0-9a-f]{64}$/ }, 'signed with its custodial key, committed and settled by the follower');
    const bad = await api(p(), 'POST', `/v1/tenants/${creds.demo!.tenantId}/cfa/operations`, demoAdmin, { method: 'registerIssue', args: { asset: 'DEMO1' } });
    let rejected: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      rejected = (await api(p(), 'GET', `/v1/cfa/operations/${bad.body.id as string}`, demoAdmin)).body;
      if (rejected.phase === 'SETTLED' || rejected.phase === 'REJECTED') break;
      await sleep(200);
    }
    t.match(rejected, { phase: 'REJECTED', resultCode: 'FORBIDDEN' }, 'an operator-only call is rejected by the chain, with its code');
    const audit = await api(p(), 'POST', '/v1/integrity/audits', root, { channel: 'consortium' });
    t.match(audit, { status: 201, body: { ok: true } }, 'the integrity audit finds chain and projection equal');
    await p().db.cfaOperation.update({ where: { id: filed.body.id as string }, data: { blockHeight: 999n } });
    const tampered = await api(p(), 'POST', '/v1/integrity/audits', root, { channel: 'consortium' });
    t.match(tampered, { status: 201, body: { ok: false } }, 'and catches a tampered projection row');
    t.ok(JSON.stringify(tampered.body.differences).includes(op.txId as string), 'naming the operation');
    await p().db.cfaOperation.update({ where: { id: filed.body.id as string }, data: { blockHeight: BigInt(op.blockHeight as string) } });
    t.match((await api(p(), 'GET', '/v1/integrity/reports?channel=consortium', root)).body, { items: [{ ok: false }, { ok: true }] }, 'the reports are kept, newest first');
    t.match(await api(p(), 'GET', '/v1/integrity/reports', demoAdmin), { status: 403 }, 'for platform admins and auditors only');
  });

  let dedicatedTenant = '';
  await t.test('dedicated plan: its own node joins as a learner and is promoted, despite a crash', async (t) => {
    const created = await api(p(), 'POST', '/v1/tenants', root, { name: 'Big Bank', plan: 'dedicated', admin: { email: 'ops@bigbank.example', password: PASSWORD } });
    t.equal(created.status, 201);
    dedicatedTenant = (created.body.tenant as { id: string }).id;
    const op = await waitOperation(p(), root, (created.body.operation as { id: string }).id);
    t.match(op, { status: 'succeeded', progress: 100 }, 'the onboarding succeeded');
    t.same(crashes, [op.id], 'after the simulated crash in its job');
    t.ok((op.attempts as number) >= 2, `and a retry (attempts ${String(op.attempts)})`);
    const nodes = await p().db.ledgerNode.findMany({ where: { tenantId: dedicatedTenant } });
    t.equal(nodes.length, 1, 'exactly one node row for the tenant (no duplicate from the retry)');
    const node = nodes[0]!;
    t.match(node, { kind: 'dedicated', status: 'running', nodeId: 4 });
    const url1 = (await p().db.ledgerNode.findFirstOrThrow({ where: { nodeId: 1 } })).httpUrl!;
    const govNodes = (await nodeState(p(), url1, 'gov/nodes')) as { nodeId: number; owner: string }[];
    t.equal(govNodes.filter((n) => n.nodeId === 4).length, 1, 'one governance entry for node 4');
    t.equal(govNodes.find((n) => n.nodeId === 4)!.owner, (await p().db.tenant.findUniqueOrThrow({ where: { id: dedicatedTenant } })).memberId, 'owned by the tenant');
    const status = await nodeGet(p(), url1, '/admin/status');
    const members = status.members as { id: number; role: string }[];
    t.same(members.filter((m) => m.id === 4).map((m) => m.role), ['voter'], 'node 4 is a voter, once');
    const head1 = (await fetch(`${url1}/v1/channels/consortium/head`, { headers: { authorization: `Bearer ${(await p().tokens.issueAccessToken({ subject: 'x', roles: ['admin'], audience: 'konsortium-node' })).token}` } }).then((r) => r.json())) as { height: number };
    const head4 = (await nodeGet(p(), node.httpUrl!, '/head')) as { height: number };
    t.ok(head4.height >= head1.height - 1, `node 4 serves the chain (height ${head4.height}, node 1 at ${head1.height})`);
    const tenantView = await api(p(), 'GET', `/v1/nodes/${node.id}`, await login(p(), 'ops@bigbank.example', PASSWORD));
    t.match(tenantView, { status: 200, body: { kind: 'dedicated', status: 'running' } }, 'the tenant sees its node');
  });

  await t.test('moving a shared tenant to dedicated', async (t) => {
    const demoAdmin = await login(p(), creds.demo!.email, creds.demo!.password);
    const op = await api(p(), 'POST', `/v1/tenants/${creds.demo!.tenantId}/move-to-dedicated`, demoAdmin);
    t.equal(op.status, 202);
    const done = await waitOperation(p(), root, op.body.id as string);
    t.match(done, { status: 'succeeded', doneSteps: ['allocate-node', 'register-node', 'add-learner', 'start-node', 'catch-up', 'promote', 'switch-plan'] });
    t.match((await api(p(), 'GET', `/v1/tenants/${creds.demo!.tenantId}`, demoAdmin)).body, { plan: 'dedicated' }, 'the tenant is on the dedicated plan');
    t.match(await p().db.ledgerNode.findFirstOrThrow({ where: { tenantId: creds.demo!.tenantId } }), { nodeId: 5, status: 'running' }, 'with node 5');
  });

  await t.test('a restart resumes everything from the data directory', async (t) => {
    await platform!.close();
    platform = undefined;
    crashOnce = false;
    platform = await startPlatform(options);
    t.same(p().credentials.admin, creds.admin, 'the same credentials');
    const token = await login(p(), creds.admin.email, creds.admin.password);
    const tenants = (await api(p(), 'GET', '/v1/tenants', token)).body.items as { name: string }[];
    t.same(tenants.map((x) => x.name).sort(), ['Big Bank', 'Demo Bank'], 'the tenants are still there');
    const url5 = (await p().db.ledgerNode.findFirstOrThrow({ where: { nodeId: 5 } })).httpUrl!;
    const deadline = Date.now() + 60_000;
    let head: { height?: number } = {};
    while (Date.now() < deadline) {
      head = (await nodeGet(p(), url5, '/head').catch(() => ({}))) as { height?: number };
      if (typeof head.height === 'number') break;
      await sleep(250);
    }
    t.ok(typeof head.height === 'number' && head.height > 0, `the joined node 5 serves its chain again (height ${String(head.height)})`);
  });
});
