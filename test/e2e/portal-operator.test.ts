/**
 * The operator console in a real browser against the `npm start` stack: the platform admin
 * onboards a tenant through the wizard and watches its onboarding reach the end, changes its
 * quotas, sees the nodes' health with a leader, registers an issue the demo tenant filed, sets a
 * fee, and runs an integrity audit. Every main screen is checked in English, Russian and Chinese
 * (screenshot, axe, no untranslated ids). The API is used only for setup and to confirm results.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { demoCredentials, stackApi } from '../lib/portal-api.js';
import { checkScreen, launchBrowser, newPage, signIn, startPortalStack } from '../lib/portal.js';
import { waitFor } from '../lib/process.js';

const LONG = 180_000;

t.test('the operator console', async (t) => {
  const stack = await startPortalStack(t);
  const { url, credentials } = stack;
  const demo = await demoCredentials(stack.dataDir);
  const api = stackApi(stack);
  const demoToken = await api.login(demo.email, demo.password);

  // Setup: the demo tenant is onboarded, then files an issue for the operator to register.
  await api.onboarded(demo.tenantId);
  const now = Date.now();
  const filed = await api.submitAsTenant(demo.tenantId, demoToken, 'fileIssue', {
    code: 'OPS1',
    name: 'Demo Bank bond',
    volume: 1000,
    nominal: 100_000,
    placementPrice: 100_000,
    placementStart: now + 3_600_000,
    placementEnd: now + 7_200_000,
    maturityDate: now + 86_400_000,
    redemptionPrice: 110_000,
    rights: 'Pays 1 100 roubles per unit at maturity.',
  });
  t.equal(filed.status, 202, 'the demo tenant files an issue');
  const filing = await api.outcome(filed.body.id, 'the filed issue to settle', { token: demoToken, timeoutMs: LONG, intervalMs: 300 });
  if (filing.phase !== 'SETTLED') throw new Error(`the filed issue: ${filing.phase} ${filing.resultCode}`);

  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);
  await signIn(page, url, credentials.admin.email, credentials.admin.password);
  const open = async (path: string, ready: (p: Page) => Promise<unknown>) => {
    await page.goto(`${url}${path}`);
    await ready(page);
  };

  // Tenants.
  await checkScreen(t, page, 'operator-tenants', () => open('/operator', (p) => p.locator('main table tbody tr td a').first().waitFor()));
  t.ok((await page.locator('main table').innerText()).includes('Demo'), 'the demo tenant is listed');

  // The wizard: a tenant with its administrator, then its onboarding followed to the end.
  await page.locator('a[href="/operator/tenants/new"]').click();
  const next = page.locator('form.wizard button[type=submit]');
  await next.click();
  t.equal(await page.locator('[name=name]').getAttribute('aria-invalid'), 'true', 'the wizard refuses an empty name');
  await page.locator('[name=name]').fill('Northern Trade Bank');
  await next.click();
  await page.locator('[name=adminEmail]').fill('ops@northern-bank.example');
  await page.locator('[name=password]').fill('correct horse battery staple');
  await page.locator('[name=passwordRepeat]').fill('correct horse battery staple');
  await next.click();
  await page.locator('[name=maxTxPerDay]').fill('5000');
  await next.click();
  await next.click();
  const progress = page.locator('.operation-progress');
  await progress.waitFor();
  t.ok(await page.locator('.operation-progress progress').count(), 'the onboarding shows a progress bar');
  await page.locator('.operation-progress[data-status=succeeded]').waitFor({ timeout: LONG });
  t.match(await progress.innerText(), /Every step is done/, 'the onboarding reached done');
  t.equal(await page.locator('.operation-progress li.done').count(), 3, 'each of its steps is shown done');
  const tenants = (await api.asAdmin('GET', '/v1/tenants')).body['items'] as { id: string; name: string; quotas: { maxUsers: number; maxTxPerDay: number } }[];
  const created = tenants.find((x) => x.name === 'Northern Trade Bank');
  t.ok(created, 'the tenant exists');
  t.equal(created?.quotas.maxTxPerDay, 5000, 'with the quota set in the wizard');
  t.equal((await api.call(null, 'POST', '/v1/auth/login', { email: 'ops@northern-bank.example', password: 'correct horse battery staple' })).status, 200, 'its administrator can sign in');

  // The tenant: quotas changed through the page.
  await page.locator(`a[href="/operator/tenants/${created!.id}"]`).click();
  await page.locator('form [name=maxUsers]').waitFor();
  await page.locator('form [name=maxUsers]').fill('0');
  await page.locator('form [name=maxUsers]').press('Enter');
  t.equal(await page.locator('form [name=maxUsers]').getAttribute('aria-invalid'), 'true', 'a quota out of range is refused on its field');
  await page.locator('form [name=maxUsers]').fill('7');
  await page.locator('form [name=maxApiKeys]').fill('3');
  await page.getByRole('button', { name: 'Save quotas' }).click();
  await page.getByText('The quotas are saved.').waitFor();
  const after = (await api.asAdmin('GET', `/v1/tenants/${created!.id}`)).body as { quotas: { maxUsers: number; maxApiKeys: number } };
  t.same([after.quotas.maxUsers, after.quotas.maxApiKeys], [7, 3], 'the quotas are changed');

  // Suspension and back, with a confirmation step.
  const opsToken = await api.login('ops@northern-bank.example', 'correct horse battery staple');
  await page.getByRole('button', { name: 'Suspend the tenant' }).click();
  await page.getByRole('button', { name: 'Yes, suspend' }).click();
  await page.locator('#tenant-summary ~ dl .badge', { hasText: 'Suspended' }).waitFor();
  t.equal((await api.asAdmin('GET', `/v1/tenants/${created!.id}`)).body['status'], 'suspended', 'the tenant is suspended');
  t.equal((await api.call(opsToken, 'POST', '/v1/auth/node-token')).status, 403, 'and its users lose ledger access');
  await page.getByRole('button', { name: 'Reactivate the tenant' }).click();
  await page.locator('#tenant-summary ~ dl .badge', { hasText: 'Active' }).waitFor();
  t.equal((await api.asAdmin('GET', `/v1/tenants/${created!.id}`)).body['status'], 'active', 'and reactivated');

  // An invoice for this month, computed from usage, then issued.
  await page.getByRole('button', { name: 'Compute the invoice' }).click();
  const invoiceRow = page.locator('section[aria-labelledby=tenant-invoices] tbody tr').first();
  await invoiceRow.locator('.badge', { hasText: 'Draft' }).waitFor();
  t.match(await invoiceRow.innerText(), /Shared plan, monthly fee/, 'the invoice has the plan fee');
  await invoiceRow.getByRole('button', { name: /^Issue / }).click();
  await invoiceRow.locator('.badge', { hasText: 'Issued' }).waitFor();
  t.pass('the invoice is issued');
  await checkScreen(t, page, 'operator-tenant', () => open(`/operator/tenants/${created!.id}`, (p) => p.locator('main table caption').first().waitFor()));

  // Nodes: health with a leader.
  await checkScreen(t, page, 'operator-nodes', () => open('/operator/nodes', (p) => p.locator('.leader-line').filter({ hasText: /\d/ }).waitFor({ timeout: 60_000 })));
  t.match(await page.locator('.leader-line').innerText(), /Leader of channel consortium: node \d \(term \d+\)/, 'a leader is shown');
  t.equal(await page.locator('#main table tbody tr').count(), 3, 'three nodes');
  t.equal(await page.locator('#main table .badge', { hasText: 'Leader' }).count(), 1, 'exactly one leader');

  // CFA administration: the demo tenant's issue is registered.
  await checkScreen(t, page, 'operator-cfa', () => open('/operator/cfa', (p) => p.locator('li.issue[data-asset=OPS1]').waitFor({ timeout: 60_000 })));
  const issue = page.locator('li.issue[data-asset=OPS1]');
  await issue.locator('button[name=reject]').click();
  await issue.locator('form button[type=submit]').click();
  t.equal(await issue.locator('[name=reason]').getAttribute('aria-invalid'), 'true', 'a rejection needs a reason');
  await issue.locator('button[name=register]').click();
  await issue.locator('.phase-progress[data-phase=SETTLED]').waitFor({ timeout: 60_000 });
  t.match(await issue.locator('.phase-progress').innerText(), /Settled in block \d+/, 'the registration settled');
  const asset = await waitFor(
    async () => {
      const ops = (await api.asAdmin('GET', '/v1/cfa/operator-operations')).body['items'] as { method: string; phase: string; args: { asset?: string } }[];
      return ops.find((o) => o.method === 'cfa.registerIssue' && o.args.asset === 'OPS1' && o.phase === 'SETTLED');
    },
    { timeoutMs: 30_000, what: 'the registration as an operator operation' },
  );
  t.ok(asset, 'the registration is an operator operation, settled');

  // Fees: a trade commission of 1 % and a gift fee of 5.00, submitted and followed to settlement.
  await checkScreen(t, page, 'operator-fees', () => open('/operator/fees', (p) => p.locator('form.fees').waitFor()));
  await page.locator('input[name="trade.percent"]').fill('1,5%');
  await page.locator('input[name="gift.fixed"]').fill('abc');
  await page.locator('form.fees button[type=submit]').click();
  t.equal(await page.locator('input[name="gift.fixed"]').getAttribute('aria-invalid'), 'true', 'a wrong amount is refused on its field');
  await page.locator('input[name="gift.fixed"]').fill('5');
  await page.locator('form.fees button[type=submit]').click();
  await page.locator('.fee-phase [data-phase=SETTLED]').waitFor({ timeout: 60_000 });
  const fees = await waitFor(
    async () => {
      const f = (await api.asAdmin('GET', '/v1/cfa/fees')).body as { collector: string | null; rules: Record<string, { fixed: number; bps: number }> };
      return f.rules['trade'] === undefined ? undefined : f;
    },
    { timeoutMs: 30_000, what: 'the fee schedule on the chain' },
  );
  t.same(fees.rules, { trade: { fixed: 0, bps: 150 }, gift: { fixed: 500, bps: 0 } }, 'the schedule on the chain is the one submitted');
  t.equal(fees.collector, 'operator');
  await page.locator('#main table', { hasText: '1.5%' }).first().waitFor({ timeout: 30_000 });
  t.pass('the schedule in force is shown after settlement');

  // Integrity: an audit run now, with its result.
  await checkScreen(t, page, 'operator-integrity', () => open('/operator/integrity', (p) => p.locator('main table caption').first().waitFor()));
  await page.getByRole('button', { name: 'Run the audit' }).click();
  const result = page.locator('.audit-result');
  await result.waitFor({ timeout: 120_000 });
  t.match(await result.innerText(), /Audit of consortium at block \d+/, 'the audit result is shown');
  t.match(await result.innerText(), /the database matches the chain/, 'and the projection matches the chain');
  await page.locator('#main section:last-of-type table .badge', { hasText: 'Matches' }).first().waitFor({ timeout: 10_000 });
  const reports = (await api.asAdmin('GET', '/v1/integrity/reports')).body['items'] as { ok: boolean }[];
  t.ok(reports.length >= 1 && reports[0]!.ok, 'the report is stored');

  // Networks, and the wizard's first step, also in every language.
  await checkScreen(t, page, 'operator-networks', () => open('/operator/networks', (p) => p.locator('main table caption').first().waitFor()));
  await checkScreen(t, page, 'operator-new-tenant', () => open('/operator/tenants/new', (p) => p.locator('form.wizard').waitFor()));

  // The new tenant moves to a dedicated node: the provisioning is followed step by step to the end.
  await open(`/operator/tenants/${created!.id}`, (p) => p.getByRole('button', { name: 'Move to a dedicated node' }).waitFor());
  await page.getByRole('button', { name: 'Move to a dedicated node' }).click();
  const move = page.locator('.operation-progress').first();
  await move.waitFor();
  t.match(await move.innerText(), /Move to a dedicated node/, 'the move is shown as an operation');
  await move.locator('li[aria-current=step]').waitFor();
  t.match(await move.locator('.op-status-line').innerText(), /Step \d of 7/, 'its current step is announced');
  await page.locator('.operation-progress[data-status=succeeded]').first().waitFor({ timeout: 300_000 });
  t.equal(await page.locator('.operation-progress li.done').count(), 7, 'all seven steps done');
  await page.locator('#tenant-summary ~ dl', { hasText: 'Dedicated node' }).waitFor();
  t.equal((await api.asAdmin('GET', `/v1/tenants/${created!.id}`)).body['plan'], 'dedicated', 'the tenant is on the dedicated plan');
  await open('/operator/nodes', (p) => p.locator('#main table tbody tr').nth(3).waitFor({ timeout: 60_000 }));
  await page.locator('#main table tbody tr', { hasText: 'Dedicated' }).locator('.badge', { hasText: /Follower|Leader/ }).waitFor({ timeout: 60_000 });
  t.pass('its node is in the health table as a voter');

  // A shared node added from the nodes screen, its provisioning followed to the end.
  await page.getByRole('button', { name: 'Add a shared node' }).click();
  await page.locator('.operation-progress').waitFor();
  t.match(await page.locator('.operation-progress').innerText(), /Shared node provisioning/);
  await page.locator('.operation-progress[data-status=succeeded]').waitFor({ timeout: 300_000 });
  t.equal(await page.locator('.operation-progress li.done').count(), 6, 'the node provisioning’s six steps are done');
  await page.locator('#main table tbody tr').nth(4).waitFor({ timeout: 60_000 });
  t.equal(await page.locator('#main table tbody tr').count(), 5, 'five nodes in the health table');

  t.same(
    consoleErrors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no console errors',
  );
});
