/**
 * The consortium operator's CFA calls end to end: the platform (embedded PostgreSQL, Redis, the
 * API, three ledger node processes, the projection) takes operator operations through
 * `POST /v1/cfa/operator-operations`, signs them with the network's operator key and projects
 * them like a tenant's. The operator sets the fee schedule (read back through `GET /v1/cfa/fees`),
 * mints settlement money to the demo tenant's ledger account, the tenant files an issue (paying
 * the issue fee), the operator registers it; all SETTLED. Refusals end REJECTED with the
 * contract's code, before ordering (a negative amount) or in execution (an unknown asset). The
 * integrity audit finds chain and projection equal. Also: the route's argument shapes still
 * match the contract's (operator-methods.ts re-declares them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { TObject } from '@sinclair/typebox';
import { CFA_METHODS, FEE_OPERATIONS, governanceContract } from '@konsortium/contracts';
import { startPlatform } from '@konsortium/control-plane/platform';
import { OPERATOR_METHODS, type OperatorMethodName } from '../../control-plane/src/api/operator-methods.js';
import { api, login, nodeState, waitOperation } from '../lib/platform-calls.js';

const PASSWORD = 'correct horse battery staple';
type Op = Record<string, unknown>;

t.test('the route’s argument shapes are the contract’s', async (t) => {
  const fieldsOf = (s: TObject) => ({ properties: Object.keys(s.properties).sort(), required: [...(s.required ?? [])].sort(), strict: s.additionalProperties === false });
  for (const [m, d] of Object.entries(OPERATOR_METHODS) as [OperatorMethodName, (typeof OPERATOR_METHODS)[OperatorMethodName]][]) {
    if (d.contract !== 'cfa') continue;
    const contract = (CFA_METHODS as Record<string, TObject | undefined>)[m];
    t.ok(contract, `${m} is a cfa method`);
    if (contract) t.same(fieldsOf(d.args as TObject), fieldsOf(contract), `${m}: the same fields`);
  }
  const rules = (OPERATOR_METHODS.setFees.args as TObject).properties.rules as TObject;
  t.same(Object.keys(rules.properties).sort(), [...FEE_OPERATIONS].sort(), 'setFees: a rule per fee operation');
  const check = governanceContract({ publicKeyBytes: 32 }).check;
  t.doesNotThrow(() => check('setFees', { collector: 'operator', rules: { issue: { fixed: 1, bps: 2 } } }), 'governance.setFees {collector, rules} is the contract’s');
  t.same(fieldsOf(OPERATOR_METHODS.setFees.args as TObject), { properties: ['collector', 'rules'], required: ['collector', 'rules'], strict: true }, 'setFees: its fields');
});

t.test('the operator’s CFA operations on a real platform', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'konsortium-operator-cfa-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const p = await startPlatform({ dataDir, port: 0, network: { name: 'consortium', nodes: 3 }, nodeExtraArgs: ['--no-fsync'], logger: pino({ level: 'warn' }) });
  t.teardown(() => p.close());
  const demo = p.credentials.demo!;
  const root = await login(p, p.credentials.admin.email, p.credentials.admin.password);
  const onboarding = (await api(p, 'GET', `/v1/tenants/${demo.tenantId}/operations`, root)).body.items as { id: string }[];
  t.match(await waitOperation(p, root, onboarding[0]!.id), { status: 'succeeded' }, 'the demo tenant is on chain with its custodial key');
  const tenant = await login(p, demo.email, demo.password);
  t.equal((await api(p, 'POST', '/v1/users', root, { email: 'auditor@regulator.example', password: PASSWORD, role: 'auditor' })).status, 201, 'an auditor');
  const auditor = await login(p, 'auditor@regulator.example', PASSWORD);
  const account = ((await api(p, 'GET', `/v1/tenants/${demo.tenantId}`, tenant)).body as { memberId: string }).memberId;
  t.match(account, /^t-[0-9a-f]{12}$/, 'the tenant learns its ledger account from its own view');
  const nodeUrl = (await p.db.ledgerNode.findFirstOrThrow({ where: { nodeId: 1 } })).httpUrl!;

  const final = async (id: string): Promise<Op> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const op = (await api(p, 'GET', `/v1/cfa/operations/${id}`, root)).body;
      if (op.phase === 'SETTLED' || op.phase === 'REJECTED') return op;
      if (Date.now() > deadline) throw new Error(`operation ${id} is still ${String(op.phase)}`);
      await sleep(200);
    }
  };
  const operator = async (t: Test, method: string, args: unknown): Promise<Op> => {
    const r = await api(p, 'POST', '/v1/cfa/operator-operations', root, { method, args });
    t.match(r, { status: 202, body: { tenantId: null, sender: 'operator', phase: 'CREATED' } }, `${method}: accepted`);
    return final(r.body.id as string);
  };
  const money = async (): Promise<string | undefined> =>
    ((await api(p, 'GET', `/v1/tenants/${demo.tenantId}/cfa/balances`, tenant)).body.items as { asset: string; amount: string }[]).find((b) => b.asset === 'money')?.amount;
  const ops: Op[] = [];

  await t.test('the fee schedule: set by the operator, read back from the chain', async (t) => {
    t.match((await api(p, 'GET', '/v1/cfa/fees', tenant)).body, { channel: 'consortium', collector: null, rules: {} }, 'none at first');
    const schedule = { collector: 'operator', rules: { issue: { fixed: 1000, bps: 0 }, trade: { fixed: 0, bps: 25 } } };
    const set = await operator(t, 'setFees', schedule);
    t.match(set, { phase: 'SETTLED', resultCode: 'OK', method: 'governance.setFees', txId: /^[0-9a-f]{64}$/, blockHeight: /^[0-9]+$/ }, 'signed with the operator key, settled');
    ops.push(set);
    const read = (await api(p, 'GET', '/v1/cfa/fees', tenant)).body;
    t.match(read, { channel: 'consortium', ...schedule }, 'GET /v1/cfa/fees shows it');
    t.ok((read.height as number) >= Number(set.blockHeight), 'read at or after its block');
  });

  await t.test('the operator mints, the tenant files, the operator registers', async (t) => {
    const mint = await operator(t, 'mint', { account, amount: 1_000_000, ref: 'bank-in-1' });
    t.match(mint, { phase: 'SETTLED', resultCode: 'OK', method: 'cfa.mint' }, 'settlement money minted to the tenant’s account');
    t.equal(await money(), '1000000', 'the tenant’s projected money');
    const now = Date.now();
    const terms = { code: 'OPR1', name: 'Operator demo bond', volume: 1000, nominal: 100, placementPrice: 100, placementStart: now + 60_000, placementEnd: now + 120_000, maturityDate: now + 3_600_000, redemptionPrice: 105, rights: 'Coupon at maturity' };
    const filed = await api(p, 'POST', `/v1/tenants/${demo.tenantId}/cfa/operations`, tenant, { method: 'fileIssue', args: terms });
    t.equal(filed.status, 202, 'through the tenant route');
    t.match(await final(filed.body.id as string), { phase: 'SETTLED', resultCode: 'OK', tenantId: demo.tenantId, sender: account }, 'the tenant’s issue decision is filed');
    t.equal(await money(), '999000', 'less the issue fee of the schedule');
    const registered = await operator(t, 'registerIssue', { asset: 'OPR1' });
    t.match(registered, { phase: 'SETTLED', resultCode: 'OK', method: 'cfa.registerIssue' }, 'the operator registers it');
    t.match(await nodeState(p, nodeUrl, 'cfa/asset/OPR1'), { issuer: account, status: 'registered' }, 'registered on chain');
    ops.push(mint, registered);
  });

  await t.test('refusals end REJECTED with the contract’s code', async (t) => {
    const negative = await operator(t, 'mint', { account, amount: -5, ref: 'bad' });
    t.match(negative, { phase: 'REJECTED', resultCode: 'INVALID_ARGS', blockHeight: null }, 'a negative amount: refused by the contract’s schema before ordering');
    const unknown = await operator(t, 'registerIssue', { asset: 'NOPE1' });
    t.match(unknown, { phase: 'REJECTED', resultCode: 'ASSET_NOT_FOUND', blockHeight: /^[0-9]+$/ }, 'an unknown asset: rejected in execution, at its block');
    t.equal(await money(), '999000', 'nothing moved');
    ops.push(negative, unknown);
  });

  await t.test('the operator’s list, for the platform and auditors only', async (t) => {
    const listed = (await api(p, 'GET', '/v1/cfa/operator-operations', auditor)).body.items as Op[];
    t.same(listed.map((o) => o.id).sort(), ops.map((o) => o.id).sort(), 'every operator operation, none of the tenant’s');
    t.ok(listed.every((o) => o.tenantId === null && o.sender === 'operator'), 'without a tenant, sent by the operator');
    t.match(await api(p, 'GET', '/v1/cfa/operator-operations', tenant), { status: 403 }, 'a tenant does not list them');
    t.match(await api(p, 'POST', '/v1/cfa/operator-operations', auditor, { method: 'mint', args: { account, amount: 1, ref: 'x' } }), { status: 403 }, 'auditors do not submit');
    t.match(await api(p, 'POST', '/v1/cfa/operator-operations', tenant, { method: 'mint', args: { account, amount: 1, ref: 'x' } }), { status: 403 }, 'nor tenants');
  });

  await t.test('the integrity audit finds chain and projection equal, the fee schedule included', async (t) => {
    t.match(await api(p, 'POST', '/v1/integrity/audits', root, { channel: 'consortium' }), { status: 201, body: { ok: true, differences: [] } }, 'clean');
  });
});
