/**
 * Object-level authorisation over every route with an id: tenant A's callers (its admin, its
 * member, its API key) asking for tenant B's objects get exactly what they get for an id that
 * does not exist (404 NOT_FOUND, or the same 403 for platform-only routes), and B's objects are
 * unchanged afterwards. Also: auditors read but never write, changes are audited in the same
 * transaction, quotas hold, bad input changes nothing, usage and invoices add up.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { pgHotReads, prismaHotReads } from '../src/db/hot-reads.js';
import { PASSWORD, startApiWorld } from './support/api-world.js';

t.test('object-level authorisation and the resource routes', async (t) => {
  const w = await startApiWorld(t);
  const { call, db } = w;
  const root = await w.login(w.admin.email, PASSWORD);
  const A = await w.createTenant(root, 'Alpha Bank');
  const B = await w.createTenant(root, 'Beta Bank', { plan: 'dedicated' });
  const aAdmin = await w.login(A.adminEmail, PASSWORD);
  const bAdmin = await w.login(B.adminEmail, PASSWORD);

  // B's objects, one of each kind.
  const bUser = (await call('POST', `/v1/tenants/${B.id}/users`, bAdmin, { email: 'member@beta.example', password: PASSWORD, role: 'tenant_member' })).body as { id: string };
  const bKey = (await call('POST', `/v1/tenants/${B.id}/api-keys`, bAdmin, { name: 'beta core', scopes: ['read', 'write'] })).body as { apiKey: { id: string } };
  const bCfa = (await call('POST', `/v1/tenants/${B.id}/cfa/operations`, bAdmin, { method: 'gift', args: { asset: 'BETA1', to: 'someone', quantity: 1 } })).body as { id: string };
  const bInvoice = (await call('POST', `/v1/tenants/${B.id}/invoices`, root, { period: '2026-11' })).body as { id: string };
  const network = await db.network.create({ data: { name: 'consortium' } });
  const bNode = await db.ledgerNode.create({ data: { networkId: network.id, nodeId: 4, kind: 'dedicated', tenantId: B.id, status: 'running' } });
  const sharedNode = await db.ledgerNode.create({ data: { networkId: network.id, nodeId: 1, kind: 'shared', status: 'running' } });
  await db.cfaBalance.create({ data: { channel: 'consortium', asset: 'BETA1', account: B.memberId, amount: 100, height: 3n } });

  const aMember = (await call('POST', `/v1/tenants/${A.id}/users`, aAdmin, { email: 'member@alpha.example', password: PASSWORD, role: 'tenant_member' })).body as { id: string };
  const aMemberToken = await w.login('member@alpha.example', PASSWORD);
  const aKey = ((await call('POST', `/v1/tenants/${A.id}/api-keys`, aAdmin, { name: 'alpha core', scopes: ['read', 'write'] })).body as { key: string }).key;
  t.ok(aMember.id && aKey, 'set-up done');

  const ghost = randomUUID();
  const userBody = { email: 'intruder@alpha.example', password: PASSWORD, role: 'tenant_member' };
  // [method, url with B's id, url with an id that does not exist, body]
  const routes: [string, string, string, unknown?][] = [
    ['GET', `/v1/tenants/${B.id}`, `/v1/tenants/${ghost}`],
    ['PATCH', `/v1/tenants/${B.id}`, `/v1/tenants/${ghost}`, { status: 'suspended' }],
    ['POST', `/v1/tenants/${B.id}/move-to-dedicated`, `/v1/tenants/${ghost}/move-to-dedicated`],
    ['GET', `/v1/tenants/${B.id}/users`, `/v1/tenants/${ghost}/users`],
    ['POST', `/v1/tenants/${B.id}/users`, `/v1/tenants/${ghost}/users`, userBody],
    ['GET', `/v1/users/${bUser.id}`, `/v1/users/${ghost}`],
    ['DELETE', `/v1/users/${bUser.id}`, `/v1/users/${ghost}`],
    ['GET', `/v1/tenants/${B.id}/api-keys`, `/v1/tenants/${ghost}/api-keys`],
    ['POST', `/v1/tenants/${B.id}/api-keys`, `/v1/tenants/${ghost}/api-keys`, { name: 'x', scopes: ['read'] }],
    ['GET', `/v1/api-keys/${bKey.apiKey.id}`, `/v1/api-keys/${ghost}`],
    ['DELETE', `/v1/api-keys/${bKey.apiKey.id}`, `/v1/api-keys/${ghost}`],
    ['GET', `/v1/tenants/${B.id}/identities`, `/v1/tenants/${ghost}/identities`],
    ['POST', `/v1/tenants/${B.id}/identities`, `/v1/tenants/${ghost}/identities`, { custody: 'custodial' }],
    ['GET', `/v1/operations/${B.operationId}`, `/v1/operations/${ghost}`],
    ['GET', `/v1/tenants/${B.id}/operations`, `/v1/tenants/${ghost}/operations`],
    ['GET', `/v1/tenants/${B.id}/usage`, `/v1/tenants/${ghost}/usage`],
    ['GET', `/v1/tenants/${B.id}/invoices`, `/v1/tenants/${ghost}/invoices`],
    ['POST', `/v1/tenants/${B.id}/invoices`, `/v1/tenants/${ghost}/invoices`, { period: '2026-11' }],
    ['GET', `/v1/invoices/${bInvoice.id}`, `/v1/invoices/${ghost}`],
    ['POST', `/v1/invoices/${bInvoice.id}/status`, `/v1/invoices/${ghost}/status`, { status: 'void' }],
    ['GET', `/v1/tenants/${B.id}/cfa/operations`, `/v1/tenants/${ghost}/cfa/operations`],
    ['POST', `/v1/tenants/${B.id}/cfa/operations`, `/v1/tenants/${ghost}/cfa/operations`, { method: 'gift', args: { asset: 'BETA1', to: 'x', quantity: 1 } }],
    ['GET', `/v1/cfa/operations/${bCfa.id}`, `/v1/cfa/operations/${ghost}`],
    ['GET', `/v1/tenants/${B.id}/cfa/balances`, `/v1/tenants/${ghost}/cfa/balances`],
    ['GET', `/v1/nodes/${bNode.id}`, `/v1/nodes/${ghost}`],
  ];

  const snapshot = async () => ({
    tenant: await db.tenant.findUniqueOrThrow({ where: { id: B.id } }),
    users: await db.user.count({ where: { tenantId: B.id } }),
    keys: await db.apiKey.findMany({ where: { tenantId: B.id }, orderBy: { id: 'asc' } }),
    identities: await db.ledgerIdentity.count({ where: { tenantId: B.id } }),
    ops: await db.provisioningOperation.count({ where: { tenantId: B.id } }),
    cfa: await db.cfaOperation.count({ where: { tenantId: B.id } }),
    invoice: await db.invoice.findUniqueOrThrow({ where: { id: bInvoice.id } }),
  });
  const before = await snapshot();

  for (const [who, token] of [['A\'s admin', aAdmin], ['A\'s member', aMemberToken], ['A\'s API key', aKey]] as const) {
    await t.test(`${who} cannot reach tenant B`, async (t) => {
      for (const [method, url, ghostUrl, body] of routes) {
        const real = await call(method, url, token, body);
        const none = await call(method, ghostUrl, token, body);
        t.ok(real.status === 404 || real.status === 403, `${method} ${url.replace(/[0-9a-f-]{36}/g, ':id')} → ${real.status} ${String(real.body.code)}`);
        t.equal(real.status, none.status, `  the same status as for an id that does not exist (${none.status})`);
        t.equal(real.body.code, none.body.code, '  and the same code');
      }
    });
  }
  t.same(await snapshot(), before, "B's objects are unchanged by all of it");

  await t.test('listings page with ?limit= (query strings are text: coerced to the schema, bodies never)', async (t) => {
    const all = await call('GET', '/v1/tenants', root);
    const ids = (all.body.items as { id: string }[]).map((x) => x.id);
    t.ok(ids.length >= 2);
    const first = await call('GET', '/v1/tenants?limit=1', root);
    t.equal(first.status, 200);
    t.same((first.body.items as { id: string }[]).map((x) => x.id), ids.slice(0, 1));
    t.equal(first.body.next, ids[0], 'the next page starts after the last item');
    const second = await call('GET', `/v1/tenants?limit=1&after=${ids[0]}`, root);
    t.same((second.body.items as { id: string }[]).map((x) => x.id), ids.slice(1, 2));
    t.match(await call('GET', '/v1/tenants?limit=abc', root), { status: 400 }, 'a limit that is not a number is refused');
    t.match(await call('GET', '/v1/tenants?limit=0', root), { status: 400 }, 'and one out of range');
  });

  await t.test('what a tenant does see', async (t) => {
    const nodes = await call('GET', `/v1/networks/${network.id}/nodes`, aAdmin);
    t.same((nodes.body.items as { id: string }[]).map((n) => n.id), [sharedNode.id], "A sees the shared node, not B's dedicated one");
    const bNodes = await call('GET', `/v1/networks/${network.id}/nodes`, bAdmin);
    t.same((bNodes.body.items as { id: string }[]).map((n) => n.id).sort(), [sharedNode.id, bNode.id].sort(), 'B sees both');
    const tenants = await call('GET', '/v1/tenants', aAdmin);
    t.same((tenants.body.items as { id: string }[]).map((x) => x.id), [A.id], 'A lists only itself');
    const audit = await call('GET', `/v1/audit?tenantId=${B.id}`, aAdmin);
    t.equal(audit.status, 200);
    t.ok((audit.body.items as { tenantId: string }[]).every((e) => e.tenantId === A.id), "a tenant admin asking for B's audit log gets only its own");
    t.match(await call('GET', '/v1/audit', aMemberToken), { status: 403 }, 'members do not read the audit log');
    t.match(await call('GET', `/v1/tenants/${B.id}/cfa/balances`, bAdmin), { status: 200, body: { items: [{ asset: 'BETA1', amount: '100' }] } }, 'B reads its projected balance');
  });

  await t.test('auditors read everything and write nothing', async (t) => {
    t.equal((await call('POST', '/v1/users', root, { email: 'auditor@regulator.example', password: PASSWORD, role: 'auditor' })).status, 201);
    const auditor = await w.login('auditor@regulator.example', PASSWORD);
    t.equal((await call('GET', `/v1/tenants/${B.id}`, auditor)).status, 200, 'reads a tenant');
    t.equal((await call('GET', `/v1/cfa/operations/${bCfa.id}`, auditor)).status, 200, 'reads its operations');
    t.equal((await call('GET', `/v1/nodes/${bNode.id}`, auditor)).status, 200, 'reads its dedicated node');
    t.equal((await call('GET', '/v1/audit', auditor)).status, 200, 'reads the audit log');
    for (const [method, url, , body] of routes.filter((r) => r[0] !== 'GET')) {
      t.equal((await call(method, url, auditor, body)).status, 403, `cannot ${method} ${url.replace(/[0-9a-f-]{36}/g, ':id')}`);
    }
    t.same(await snapshot(), before, 'nothing changed');
  });

  await t.test('changes are audited; bad input changes nothing; quotas hold', async (t) => {
    const entries = await db.auditLog.findMany({ where: { tenantId: B.id }, orderBy: { id: 'asc' } });
    t.same(entries.map((e) => e.action), ['tenant.create', 'user.create', 'api_key.create', 'cfa.submit', 'invoice.compute'], "every change to B has its audit entry, in order");
    t.equal(entries[1]!.actor, (await db.user.findUniqueOrThrow({ where: { email: B.adminEmail } })).id, 'naming the actor');

    const countBefore = await db.tenant.count();
    for (const body of [
      { name: '', admin: { email: 'a@b.example', password: PASSWORD } },
      { name: 'X', admin: { email: 'a@b.example', password: 'short' } },
      { name: 'X', plan: 'premium', admin: { email: 'a@b.example', password: PASSWORD } },
      { name: 'X', custody: 'self', admin: { email: 'a@b.example', password: PASSWORD } },
      { name: 'X', custody: 'custodial', publicKey: 'ab'.repeat(32), admin: { email: 'a@b.example', password: PASSWORD } },
      { name: 'Alpha Bank', admin: { email: 'new@alpha.example', password: PASSWORD } },
      { name: 'Y', admin: { email: A.adminEmail, password: PASSWORD } },
    ]) {
      const r = await call('POST', '/v1/tenants', root, body);
      t.ok([400, 409].includes(r.status), `refused (${r.status} ${String(r.body.code)}): ${String(r.body.message).slice(0, 80)}`);
    }
    t.equal(await db.tenant.count(), countBefore, 'and no tenant was created by any of them (not even half: the user insert failing rolls the tenant back)');

    t.equal((await call('PATCH', `/v1/tenants/${A.id}`, root, { quotas: { maxUsers: 3 } })).status, 200, 'the platform sets a quota');
    const third = await call('POST', `/v1/tenants/${A.id}/users`, aAdmin, { email: 'third@alpha.example', password: PASSWORD, role: 'tenant_member' });
    t.equal(third.status, 201, 'the third user fits');
    t.match(await call('POST', `/v1/tenants/${A.id}/users`, aAdmin, { email: 'fourth@alpha.example', password: PASSWORD, role: 'tenant_member' }), { status: 409, body: { code: 'QUOTA_EXCEEDED' } }, 'the fourth does not');
    t.match(await call('POST', `/v1/tenants/${A.id}/users`, aAdmin, { email: 'x@alpha.example', password: PASSWORD, role: 'platform_admin' }), { status: 400 }, 'a tenant admin cannot make a platform admin');

    t.equal((await call('PATCH', `/v1/tenants/${A.id}`, root, { status: 'suspended' })).status, 200, 'the platform suspends a tenant');
    t.match(await call('POST', `/v1/tenants/${A.id}/api-keys`, aAdmin, { name: 'z', scopes: ['read'] }), { status: 403, body: { code: 'TENANT_SUSPENDED' } }, 'a suspended tenant cannot change things');
    t.match(await call('POST', '/v1/auth/login', null, { email: A.adminEmail, password: PASSWORD }), { status: 403, body: { code: 'TENANT_SUSPENDED' } }, 'nor log in');
    t.equal((await call('GET', `/v1/tenants/${A.id}`, aAdmin)).status, 200, 'tokens issued before still read');
    t.equal((await call('PATCH', `/v1/tenants/${A.id}`, root, { status: 'active' })).status, 200);
  });

  await t.test('provisioning operations are queued in Redis, once', async (t) => {
    const op = await call('POST', `/v1/tenants/${A.id}/move-to-dedicated`, aAdmin);
    t.match(op, { status: 202, body: { kind: 'move_to_dedicated', status: 'queued', progress: 0 } }, 'moving to dedicated is an operation');
    const again = await call('POST', `/v1/tenants/${A.id}/move-to-dedicated`, aAdmin);
    t.equal(again.body.id, op.body.id, 'asking again returns the same operation');
    const job = await w.queue.queue.getJob(op.body.id as string);
    t.same(job?.data, { operationId: op.body.id }, 'a BullMQ job with the operation id as its id');
    t.match(await call('POST', `/v1/tenants/${B.id}/move-to-dedicated`, bAdmin), { status: 409, body: { code: 'INVALID_STATE' } }, 'a dedicated tenant cannot move to dedicated');
    t.equal(await w.queue.queue.count(), await db.provisioningOperation.count({ where: { status: 'queued' } }), 'one job per queued operation');
  });

  await t.test('usage and invoices', async (t) => {
    const before = await call('GET', `/v1/tenants/${A.id}/usage`, aAdmin);
    const count = (r: typeof before) => Number((r.body.items as { metric: string; quantity: string }[]).find((i) => i.metric === 'api.requests')?.quantity ?? 0);
    for (let i = 0; i < 5; i++) await call('GET', `/v1/tenants/${A.id}`, aAdmin);
    const after = await call('GET', `/v1/tenants/${A.id}/usage`, aAdmin);
    t.equal(count(after) - count(before), 6, 'every authenticated request of the tenant is metered (5 reads + the usage read)');
    const period = new Date(w.now()).toISOString().slice(0, 7);
    const inv = await call('POST', `/v1/tenants/${A.id}/invoices`, root, { period });
    t.equal(inv.status, 201);
    const lines = inv.body.lines as { item: string; amountMinor: string }[];
    t.equal(lines[0]!.item, 'plan.shared', 'the plan fee first');
    t.equal(BigInt(inv.body.totalMinor as string), lines.reduce((s, l) => s + BigInt(l.amountMinor), 0n), 'the total is the sum of the lines');
    t.equal((await call('POST', `/v1/invoices/${inv.body.id as string}/status`, root, { status: 'issued' })).status, 200, 'issued');
    t.match(await call('POST', `/v1/tenants/${A.id}/invoices`, root, { period }), { status: 409, body: { code: 'INVALID_STATE' } }, 'an issued invoice is not recomputed');
    t.match(await call('POST', `/v1/invoices/${inv.body.id as string}/status`, root, { status: 'issued' }), { status: 409 }, 'nor issued twice');
    t.equal((await call('GET', `/v1/invoices/${inv.body.id as string}`, aAdmin)).status, 200, 'the tenant reads its invoice');
  });
});

t.test('hot reads through pg return exactly what Prisma returns', async (t) => {
  const w = await startApiWorld(t);
  const root = await w.login(w.admin.email, PASSWORD);
  const a = await w.createTenant(root, 'Gamma Bank');
  const aAdmin = await w.login(a.adminEmail, PASSWORD);
  for (let i = 0; i < 3; i++) await w.call('POST', `/v1/tenants/${a.id}/users`, aAdmin, { email: `u${i}@gamma.example`, password: PASSWORD, role: 'tenant_member' });
  const viaPg = pgHotReads(w.url);
  t.teardown(() => viaPg.close());
  const viaPrisma = prismaHotReads(w.db);
  t.same(await viaPg.tenant(a.id), await viaPrisma.tenant(a.id), 'a tenant');
  const users = await viaPrisma.users(a.id, undefined, 10);
  t.equal(users.length, 4, 'four users');
  t.same(await viaPg.users(a.id, undefined, 10), users, "a tenant's users, in id order");
  t.same(await viaPg.users(a.id, users[1]!.id, 2), users.slice(2, 4), 'a page after an id');
  t.same(await viaPg.user(users[0]!.id), users[0], 'a user');
  t.equal(await viaPg.tenant('not-a-uuid'), null, 'a malformed id is simply absent');
  t.equal(await viaPg.user('00000000-0000-0000-0000-000000000000'), null, 'an unknown one too');
  const key = await w.call('POST', `/v1/tenants/${a.id}/api-keys`, aAdmin, { name: 'k', scopes: ['read'], expiresAt: new Date(w.now() + 86_400_000).toISOString() });
  const prefix = (key.body.apiKey as { prefix: string }).prefix;
  t.same(await viaPg.apiKey(prefix), await viaPrisma.apiKey(prefix), 'an API key record');
  await w.call('DELETE', `/v1/api-keys/${(key.body.apiKey as { id: string }).id}`, aAdmin);
  const revoked = await viaPg.apiKey(prefix);
  t.ok(revoked?.revokedAtMs !== null, 'revoked');
  t.same(revoked, await viaPrisma.apiKey(prefix), 'and the same after revocation');
  t.equal(await viaPg.apiKey('nothex'), null, 'a malformed prefix is absent');
});
