/**
 * The auditor view in a real browser against the `npm start` stack, as an auditor (a read-only
 * platform user made in setup): the explorer follows new blocks live; a block and a transaction
 * verify in the browser; the chain is verified in the browser, then a flipped bit is flagged and
 * the break located; the movement registry's entries prove against a block header. Setup (money,
 * an issue placed and a gift, so that the registry has movements) goes through the API. Every
 * main screen is checked in English, Russian and Chinese.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { type CfaOperation, demoCredentials, type Reply, stackApi } from '../lib/portal-api.js';
import { checkScreen, launchBrowser, newPage, screenshot, signIn, startPortalStack } from '../lib/portal.js';
import { waitFor } from '../lib/process.js';

const LONG = 180_000;

t.test('the auditor view', async (t) => {
  const stack = await startPortalStack(t);
  const { url } = stack;
  const api = stackApi(stack);
  const demo = await demoCredentials(stack.dataDir);
  const auditor = { email: 'auditor@regulator.example', password: 'audit-the-chain-2026' };
  t.equal((await api.asAdmin('POST', '/v1/users', { ...auditor, role: 'auditor' })).status, 201, 'an auditor is created');

  // Setup: the demo tenant gets money, files an issue the operator registers, buys it all, closes the placement and gives 3 units away.
  await api.onboarded(demo.tenantId);
  const demoToken = await api.login(demo.email, demo.password);
  const member = await api.memberOf(demo.tenantId);
  const settle = async (what: string, reply: Reply<CfaOperation>, token?: string): Promise<void> => {
    t.equal(reply.status, 202, `${what} accepted`);
    const op = await api.outcome(reply.body.id, what, { token, timeoutMs: LONG, intervalMs: 300 });
    t.equal(op.phase, 'SETTLED', `${what} settled${op.resultCode === 'OK' ? '' : ` (${String(op.resultCode)})`}`);
  };
  const asTenant = (method: string, args: unknown) => api.submitAsTenant(demo.tenantId, demoToken, method, args);
  const asOperator = (method: string, args: unknown) => api.submitAsOperator(method, args);
  const now = Date.now();
  await settle('deposit', await asOperator('mint', { account: member, amount: 1_000_000, ref: 'bank-in-1' }));
  await settle(
    'issue filed',
    await asTenant('fileIssue', {
      code: 'AUD1',
      name: 'Audit bond',
      volume: 10,
      nominal: 1000,
      placementPrice: 1000,
      placementStart: now - 60_000,
      placementEnd: now + 3_600_000,
      maturityDate: now + 7_200_000,
      redemptionPrice: 1100,
      rights: 'Pays 11.00 per unit at maturity.',
    }),
    demoToken,
  );
  await settle('issue registered', await asOperator('registerIssue', { asset: 'AUD1' }));
  await settle('application', await asTenant('apply', { asset: 'AUD1', quantity: 10 }), demoToken);
  await settle('placement closed', await asTenant('closePlacement', { asset: 'AUD1' }), demoToken);
  await settle('gift', await asTenant('gift', { asset: 'AUD1', to: 'operator', quantity: 3, note: 'for the audit' }), demoToken);

  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);
  await signIn(page, url, auditor.email, auditor.password);
  t.equal(await page.locator('header.top nav a[href="/operator"]').count(), 0, 'an auditor has no operator console');
  const open = async (p: string, ready: (pg: Page) => Promise<unknown>) => {
    await page.goto(`${url}${p}`);
    await ready(page);
  };

  // The explorer, live: a block made while it is open appears without a reload.
  await checkScreen(t, page, 'auditor-explorer', () => open('/auditor', (pg) => pg.locator('main table tbody tr td a').first().waitFor()));
  await page.locator('main .badge', { hasText: 'Live' }).waitFor();
  const headBefore = Number(await page.locator('main table tbody tr td a').first().innerText());
  await settle('another deposit', await asOperator('mint', { account: member, amount: 500, ref: 'bank-in-2' }));
  await waitFor(async () => (Number(await page.locator('main table tbody tr td a').first().innerText()) > headBefore ? true : undefined), {
    timeoutMs: 30_000,
    what: 'the new block in the explorer',
  });
  t.pass('a new block appears live from the stream');
  t.match(await page.locator('p.live-line[role=status]').innerText(), /Latest block: #\d+/);

  // A block with transactions, then one of its transactions with its inclusion proof.
  const txBlock = await waitFor(
    async () => {
      const rows = page.locator('main table tbody tr');
      for (let i = 0; i < (await rows.count()); i++) if (Number(await rows.nth(i).locator('td').nth(4).innerText()) > 0) return rows.nth(i).locator('td a').innerText();
      return undefined;
    },
    { timeoutMs: 10_000, what: 'a block with transactions' },
  );
  await checkScreen(t, page, 'auditor-block', () => open(`/auditor/blocks/${txBlock}`, (pg) => pg.locator('.banner.success').waitFor()));
  t.match(await page.locator('.banner.success').innerText(), new RegExp(`Block #${txBlock} verified`), 'the block verifies in the browser');
  await page.locator('main table tbody tr td a.mono').first().click();
  await page.locator('.banner.success').waitFor();
  t.match(await page.locator('.banner.success').innerText(), /Inclusion verified in your browser/, 'the transaction’s inclusion proof verifies in the browser');
  const txPath = new URL(page.url()).pathname;
  await checkScreen(t, page, 'auditor-tx', () => open(txPath, (pg) => pg.locator('.banner.success').waitFor()));

  // Chain integrity: verified in the browser, then a flipped bit located.
  await checkScreen(t, page, 'auditor-chain', () => open('/auditor/chain', (pg) => pg.locator('.chain-summary[role=status]').waitFor({ timeout: 60_000 })));
  t.match(await page.locator('.chain-summary').innerText(), /The chain is intact/);
  const rows = await page.locator('table.chain-table tbody tr').count();
  t.ok(rows >= 8, `${rows} blocks verified`);
  t.equal(await page.locator('table.chain-table tr.broken').count(), 0, 'none broken');
  // The default block is the latest with transactions that has a successor.
  const chosen = Number(await page.locator('select[name=block]').inputValue());
  await page.locator('select[name=target]').selectOption('header:stateRoot');
  await page.locator('input[name=bit]').fill('17');
  await page.locator('button[name=flip]').click();
  const alert = page.locator('.chain-summary[role=alert]');
  await alert.waitFor();
  t.match(await alert.innerText(), /Tampering detected/);
  t.match(await alert.locator('.break-at').innerText(), new RegExp(`The chain breaks between block #${chosen} and block #${chosen + 1}`), 'the break is located');
  t.match((await page.locator(`tr[data-height="${chosen}"]`).getAttribute('class')) ?? '', /tampered/, 'the tampered block is flagged');
  t.match((await page.locator(`tr[data-height="${chosen + 1}"]`).getAttribute('class')) ?? '', /broken/, 'so is the block whose link broke');
  t.equal(await page.locator(`tr[data-height="${chosen + 1}"] td`).nth(2).innerText(), '✗ broken', 'its link column says so in words');
  await screenshot(page, 'auditor-chain-tampered', 'en');
  await page.locator('select[name=target]').selectOption('tx:0:args');
  await page.locator('input[name=bit]').fill('0');
  await page.locator('button[name=flip]').click();
  await page.locator('.chain-summary .break-at', { hasText: `Block #${chosen} is broken: its transactions no longer match` }).waitFor();
  t.equal(await page.locator('table.chain-table tr.broken').count(), 1, 'a transaction bit breaks that block’s tx root only');
  await page.locator('button[name=restore]').click();
  await page.locator('.chain-summary[role=status]').waitFor();
  t.pass('restored, the chain verifies again');

  // The movement registry: every entry proven against a block header.
  await checkScreen(t, page, 'auditor-movements', () => open('/auditor/movements?asset=AUD1', (pg) => pg.locator('.banner.success').waitFor({ timeout: 60_000 })));
  t.match(await page.locator('.banner.success').innerText(), /All 3 entries below are proven/, 'three movements, each proven');
  const moves = await page.locator('main table tbody').innerText();
  for (const s of ['Placement', 'Gift', 'Credit', 'Debit', 'operator']) t.ok(moves.includes(s), `the registry shows ${s}`);
  t.equal(await page.locator('main table .badge', { hasText: 'Proven in block' }).count(), 3);

  t.same(
    consoleErrors.filter((e) => !/Failed to load resource/.test(e)),
    [],
    'no console errors',
  );
});
