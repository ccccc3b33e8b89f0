/**
 * The operator's CFA routes over the real app and PostgreSQL (the CFA gateway is the test
 * world's recorder; the fee read goes to a fake node on loopback): who may submit and list,
 * what a submission records (operation without a tenant, sent by the operator member, audited,
 * handed to the gateway), that malformed calls are refused with 400 and record nothing, and the
 * fee schedule read from the chain. End to end against real nodes: test/e2e/operator-cfa.test.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { NODE_AUDIENCE } from '../src/auth/token-service.js';
import { OPERATOR_METHOD_NAMES } from '../src/api/operator-methods.js';
import { PASSWORD, startApiWorld } from './support/api-world.js';

/** A node that serves one state key (gov/fees) and remembers the bearer tokens it was given. */
async function fakeNode(t: Test) {
  const seen: string[] = [];
  let fees: unknown = null;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(String(req.headers.authorization ?? ''));
    const ok = req.method === 'GET' && req.url?.split('?')[0] === `/v1/channels/consortium/state/${encodeURIComponent('gov/fees')}`;
    const body = ok
      ? { key: 'gov/fees', value: fees === null ? null : Buffer.from(JSON.stringify(fees)).toString('hex'), height: 7, header: '00', siblings: [], terminal: { kind: 'empty' } }
      : { code: 'NOT_FOUND', message: 'no such route' };
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, setFees: (v: unknown) => void (fees = v) };
}

t.test('the operator’s CFA routes', async (t) => {
  const w = await startApiWorld(t);
  const { call, db } = w;
  const root = await w.login(w.admin.email, PASSWORD);
  const A = await w.createTenant(root, 'Alpha Bank');
  const aAdmin = await w.login(A.adminEmail, PASSWORD);
  const aKey = ((await call('POST', `/v1/tenants/${A.id}/api-keys`, aAdmin, { name: 'core', scopes: ['read', 'write'] })).body as { key: string }).key;
  t.equal((await call('POST', '/v1/users', root, { email: 'auditor@regulator.example', password: PASSWORD, role: 'auditor' })).status, 201);
  const auditor = await w.login('auditor@regulator.example', PASSWORD);
  const network = await db.network.create({ data: { name: 'consortium', channels: { create: { name: 'consortium', genesis: {} } } } });
  const node = await fakeNode(t);
  const rootId = (await db.user.findUniqueOrThrow({ where: { email: w.admin.email } })).id;
  const mint = { method: 'mint', args: { account: A.memberId, amount: 5000, ref: 'bank-in-1' } };
  const recorded = async () => ({ ops: await db.cfaOperation.count(), audit: await db.auditLog.count(), submitted: w.cfaSubmitted.length });

  await t.test('only platform admins submit; auditors and the platform list; tenants get 403', async (t) => {
    const before = await recorded();
    for (const [who, token] of [['a tenant admin', aAdmin], ['a tenant API key', aKey], ['an auditor', auditor]] as const) {
      t.match(await call('POST', '/v1/cfa/operator-operations', token, mint), { status: 403, body: { code: 'FORBIDDEN' } }, `${who} cannot submit`);
    }
    t.match(await call('POST', '/v1/cfa/operator-operations', null, mint), { status: 401, body: { code: 'UNAUTHENTICATED' } });
    t.match(await call('GET', '/v1/cfa/operator-operations', aAdmin), { status: 403, body: { code: 'FORBIDDEN' } }, 'a tenant admin cannot list');
    t.match(await call('GET', '/v1/cfa/operator-operations', aKey), { status: 403 }, 'nor its API key');
    t.match(await call('GET', '/v1/cfa/operator-operations', auditor), { status: 200, body: { items: [], next: null } }, 'an auditor lists');
    t.same(await recorded(), before, 'nothing was recorded');
  });

  const ops: Record<string, unknown>[] = [];
  await t.test('a submission records the operator’s operation, audits it and hands it to the gateway', async (t) => {
    const r = await call('POST', '/v1/cfa/operator-operations', root, mint);
    t.equal(r.status, 202);
    t.match(r.body, { tenantId: null, sender: network.operatorMember, channel: 'consortium', method: 'cfa.mint', args: mint.args, phase: 'CREATED', txId: null, source: 'api' });
    t.equal(network.operatorMember, 'operator', 'the network’s operator member');
    t.same(w.cfaSubmitted.slice(-1), [r.body.id], 'handed to the CFA gateway');
    t.match(await db.auditLog.findFirstOrThrow({ where: { objectId: r.body.id as string } }), { actor: rootId, tenantId: null, action: 'cfa.operator_submit', objectType: 'cfa_operation', details: { method: 'cfa.mint', channel: 'consortium' } });
    ops.push(r.body);

    const fees = { collector: 'operator', rules: { issue: { fixed: 1000, bps: 0 }, trade: { fixed: 0, bps: 25 } } };
    const f = await call('POST', '/v1/cfa/operator-operations', root, { channel: 'consortium', method: 'setFees', args: fees });
    t.match(f, { status: 202, body: { method: 'governance.setFees', args: fees, sender: 'operator' } }, 'the fee schedule is a governance call');
    ops.push(f.body);
    const negative = await call('POST', '/v1/cfa/operator-operations', root, { method: 'mint', args: { account: A.memberId, amount: -5, ref: 'bad' } });
    t.match(negative, { status: 202, body: { phase: 'CREATED' } }, 'values are the contract’s to refuse (it records its code on the operation)');
    ops.push(negative.body);
    for (const [method, args] of [
      ['registerIssue', { asset: 'BOND1' }],
      ['rejectIssue', { asset: 'BOND1', reason: 'no prospectus' }],
      ['freeze', { account: A.memberId, reason: 'AML check' }],
      ['unfreeze', { asset: 'BOND1' }],
      ['setInvestorCategory', { account: A.memberId, category: 'qualified' }],
      ['setLimits', { nonQualifiedYearlyLimit: 60_000_000 }],
      ['redeemEarly', { asset: 'BOND1', holder: A.memberId, quantity: 3 }],
    ] as const) {
      const x = await call('POST', '/v1/cfa/operator-operations', root, { method, args });
      t.match(x, { status: 202, body: { method: `cfa.${method}` } }, `${method} is an operator call`);
      ops.push(x.body);
    }
    t.ok(OPERATOR_METHOD_NAMES.every((m) => !['fileIssue', 'apply', 'offerSell', 'offerBuy', 'acceptOffer', 'gift', 'withdrawApplication'].includes(m)), 'no issuer- or investor-only method is an operator call');
  });

  await t.test('malformed calls: 400, nothing recorded', async (t) => {
    const before = await recorded();
    for (const [why, body] of [
      ['a tenant’s method', { method: 'fileIssue', args: { code: 'X1' } }],
      ['an investor’s method', { method: 'apply', args: { asset: 'BOND1', quantity: 1 } }],
      ['an unknown method', { method: 'addMember', args: {} }],
      ['a missing argument', { method: 'mint', args: { account: A.memberId, amount: 1 } }],
      ['an unknown argument', { method: 'mint', args: { ...mint.args, memo: 'x' } }],
      ['a string amount', { method: 'mint', args: { ...mint.args, amount: '5000' } }],
      ['a fractional amount', { method: 'burn', args: { ...mint.args, amount: 1.5 } }],
      ['an unknown fee operation', { method: 'setFees', args: { collector: 'operator', rules: { swap: { fixed: 1, bps: 0 } } } }],
      ['a fee rule without bps', { method: 'setFees', args: { collector: 'operator', rules: { issue: { fixed: 1 } } } }],
      ['args not an object', { method: 'registerIssue', args: ['BOND1'] }],
      ['an unknown body property', { ...mint, tenantId: A.id }],
      ['a bad channel name', { ...mint, channel: 'Not A Channel' }],
    ] as const) {
      const r = await call('POST', '/v1/cfa/operator-operations', root, body);
      t.match(r, { status: 400, body: { code: 'INVALID_REQUEST' } }, `${why}: ${String(r.body.message)}`);
    }
    t.match(await call('POST', '/v1/cfa/operator-operations', root, { ...mint, channel: 'elsewhere' }), { status: 404, body: { code: 'NOT_FOUND' } }, 'a channel the network does not have');
    t.same(await recorded(), before, 'no operation, no audit entry, nothing submitted');
  });

  await t.test('listing: the operations without a tenant, paged', async (t) => {
    const tenantOp = await call('POST', `/v1/tenants/${A.id}/cfa/operations`, aAdmin, { method: 'gift', args: { asset: 'BOND1', to: 'x', quantity: 1 } });
    t.equal(tenantOp.status, 202);
    const all = await call('GET', '/v1/cfa/operator-operations', root);
    const ids = (all.body.items as { id: string }[]).map((o) => o.id);
    t.same([...ids].sort(), ops.map((o) => o.id as string).sort(), 'every operator operation, and no tenant’s');
    t.same(ids, [...ids].sort(), 'in id order');
    t.equal(all.body.next, null, 'on one page');
    const rest = await call('GET', `/v1/cfa/operator-operations?after=${ids[0]!}`, auditor);
    t.same((rest.body.items as { id: string }[]).map((o) => o.id), ids.slice(1), 'the page after an id');
    t.match(await call('GET', `/v1/cfa/operations/${String(ops[0]!.id)}`, auditor), { status: 200, body: { tenantId: null } }, 'an auditor reads one');
    t.match(await call('GET', `/v1/cfa/operations/${String(ops[0]!.id)}`, aAdmin), { status: 404 }, 'a tenant does not');
    t.match(await call('GET', '/v1/cfa/operator-operations?phase=CREATED', root), { status: 400 }, 'unknown query parameters are refused');
  });

  await t.test('the fee schedule, read from the chain', async (t) => {
    t.match(await call('GET', '/v1/cfa/fees', aAdmin), { status: 502, body: { code: 'NODE_UNREACHABLE' } }, 'no running node: the ledger cannot be asked');
    await db.ledgerNode.create({ data: { networkId: network.id, nodeId: 1, kind: 'shared', status: 'running', httpUrl: node.url } });
    t.match(await call('GET', '/v1/cfa/fees', aAdmin), { status: 200, body: { channel: 'consortium', height: 7, collector: null, rules: {} } }, 'none set: no fees');
    const schedule = { collector: 'operator', rules: { issue: { fixed: 1000, bps: 0 }, trade: { fixed: 0, bps: 25 } } };
    node.setFees(schedule);
    t.match(await call('GET', '/v1/cfa/fees?channel=consortium', aKey), { status: 200, body: { channel: 'consortium', height: 7, ...schedule } }, 'tenants read what they will pay');
    t.match(await call('GET', '/v1/cfa/fees', auditor), { status: 200, body: schedule });
    const bearer = node.seen.at(-1)!.replace(/^Bearer /, '');
    t.match(await w.tokens.verifyAccessToken(bearer, { audience: NODE_AUDIENCE }), { roles: ['ledger:read'] }, 'the node is asked with a reader token of the control plane’s own');
    node.setFees({ collector: 7, rules: [] });
    t.match(await call('GET', '/v1/cfa/fees', root), { status: 502, body: { code: 'UPSTREAM_FAILED' } }, 'a schedule of an unknown shape is the node’s fault');
    t.match(await call('GET', '/v1/cfa/fees?channel=elsewhere', root), { status: 404 });
    t.match(await call('GET', '/v1/cfa/fees?height=3', root), { status: 400 });
    t.match(await call('GET', '/v1/cfa/fees', null), { status: 401 });
  });

  await t.test('a tenant learns its ledger account from its own tenant view', async (t) => {
    t.match(await call('GET', `/v1/tenants/${A.id}`, aAdmin), { status: 200, body: { id: A.id, memberId: A.memberId } });
    t.match(A.memberId, /^t-[0-9a-f]{12}$/);
  });
});
