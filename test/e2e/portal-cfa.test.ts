/**
 * The tenant's CFA screens in Chromium against the `npm start` stack, with two tenants in two
 * browser contexts: the demo tenant issues an asset through the wizard (after the browser-side
 * checks refuse a bad form); the test's setup, as the operator through the API, sets fees,
 * registers the issue and deposits money; a second tenant (created through the API) applies
 * twice in the placement, oversubscribing it, and withdraws a third application; the issuer
 * sees the pro-rata preview, closes the placement and sees requested vs allocated and the
 * refunds; the investor's holdings show the allocation; then a DvP deal (sell offer accepted by
 * the issuer), a gift (no money leg, marked) and a partial early redemption, all through the UI.
 * What the UI shows (holders, balances, movements) is checked against the node's registry,
 * read here through the gateway with the SDK's readers and proofs. Every main screen passes
 * axe-core in en/ru/zh with no untranslated message.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { type CfaOwners, verifyCfaOwners, readCfaMoney, readCfaMoves, readCfaOwners, verifyCfaEntry } from '@konsortium/client';
import type { Page } from 'playwright-core';
import { demoCredentials, norm, stackApi } from '../lib/portal-api.js';
import { checkScreen, launchBrowser, newPage, signIn, startPortalStack } from '../lib/portal.js';
import { sleep } from '../lib/process.js';

const CODE = 'PBOND-26';
const rub = new Intl.NumberFormat('en', { style: 'currency', currency: 'RUB', minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** Kopecks as the English UI shows them (the same Intl formatting react-intl uses). */
const money = (minor: number): string => norm(rub.format(minor / 100));
/** What a datetime-local input takes, in this machine's time zone (the browser's too). */
const local = (ms: number): string => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

/**
 * A private copy of the built portal for this test's stack (KONSORTIUM_PORTAL_DIR): other suites
 * rebuild web-portal/dist while this one runs, and a rebuild renames every chunk. The copy is
 * taken again until it is whole (every asset the entry and its chunks name is there).
 */
async function snapshotPortal(t: Test): Promise<string> {
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web-portal/dist');
  for (let attempt = 0; attempt < 30; attempt++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'konsortium-portal-build-'));
    try {
      cpSync(dist, dir, { recursive: true });
      const files = [path.join(dir, 'index.html'), ...readdirSync(path.join(dir, 'assets')).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, 'assets', f))];
      const named = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/assets\/([\w.-]+\.(?:js|css))/g)].map((m) => m[1]!));
      if (existsSync(path.join(dir, 'index.html')) && named.length > 0 && named.every((n) => existsSync(path.join(dir, 'assets', n)))) {
        t.teardown(() => rmSync(dir, { recursive: true, force: true }));
        return dir;
      }
    } catch {
      // caught mid-rebuild: try again
    }
    rmSync(dir, { recursive: true, force: true });
    await sleep(1000);
  }
  throw new Error('web-portal/dist is not a whole build: run `npm run build`');
}

t.test('CFA in the portal: issue, placement, DvP, gift, early redemption', async (t) => {
  process.env['KONSORTIUM_PORTAL_DIR'] = await snapshotPortal(t);
  const stack = await startPortalStack(t);
  const browser = await launchBrowser(t);
  const demo = await demoCredentials(stack.dataDir);

  // ---- setup through the API (not what this test is about) -------------------------------
  const api = stackApi(stack);
  const investorCreds = { email: 'treasury@investor-bank.example', password: 'investor-bank-password-1' };
  const created = await api.createTenant('Investor Bank', investorCreds);
  t.equal(created.status, 201, 'a second tenant is created');
  await Promise.all([api.onboarded(demo.tenantId), api.onboarded(created.body.tenant.id)]);
  const issuerAccount = await api.memberOf(demo.tenantId);
  const investorAccount = created.body.tenant.memberId;

  const operator = async (method: string, args: Record<string, unknown>) => api.settle(`operator ${method}`, await api.submitAsOperator(method, args));
  await operator('setFees', { collector: 'operator', rules: { issue: { fixed: 10_000, bps: 0 }, trade: { fixed: 0, bps: 100 }, gift: { fixed: 500, bps: 0 }, 'early-redemption': { fixed: 0, bps: 50 } } });
  await operator('mint', { account: issuerAccount, amount: 5_000_000, ref: 'bank-in-issuer' });
  await operator('mint', { account: investorAccount, amount: 20_000_000, ref: 'bank-in-investor' });

  // The node's registry, read independently of the UI (through the gateway, with proofs checked).
  const { endpoints, node } = await api.ledgerNode();
  const CH = endpoints.network.name;
  const proven = <E extends Parameters<typeof verifyCfaEntry>[1]>(e: E): E => {
    if (verifyCfaEntry(endpoints.network.suite, e) === null) throw new Error(`${e.key} does not prove`);
    return e;
  };
  const provenOwners = (o: CfaOwners): CfaOwners => {
    if (verifyCfaOwners(endpoints.network.suite, o) === null) throw new Error(`the owners registry at ${o.height} does not prove`);
    return o;
  };

  /** The node the test reads may be a block behind the one that settled an operation: read until `want` holds (10 s), then return what is there. */
  const chain = async <V>(read: () => Promise<V>, want: (v: V) => boolean): Promise<V> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const v = await read();
      if (want(v) || Date.now() > deadline) return v;
      await sleep(200);
    }
  };

  // ---- two tenants, two browser contexts ---------------------------------------------------
  const issuer = await newPage(browser);
  const investor = await newPage(browser);
  await signIn(issuer.page, stack.url, demo.email, demo.password);
  await signIn(investor.page, stack.url, investorCreds.email, investorCreds.password);
  const go = async (page: Page, path: string, ready: string) => {
    await page.goto(`${stack.url}${path}`);
    await page.locator(ready).first().waitFor({ state: 'attached', timeout: 60_000 });
  };
  /** Waits for the operation a form started to settle (its success notice) and returns the notice. */
  const settled = async (page: Page, scope: string) => {
    const box = page.locator(`${scope} .operation`).last();
    await box.waitFor();
    await page.waitForFunction((sel) => {
      const el = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector(sel);
      const phase = el?.getAttribute('data-phase');
      return phase === 'SETTLED' || phase === 'REJECTED' || phase === 'ERROR';
    }, `${scope} .operation`, { timeout: 60_000 });
    const phase = await page.locator(`${scope} .operation`).first().getAttribute('data-phase');
    if (phase !== 'SETTLED') throw new Error(`${scope}: the operation ended ${phase}: ${await page.locator(`${scope} .operation`).first().innerText()}`);
    return page.locator(`${scope} .operation [role=status]`).last().innerText();
  };

  let placementEnd = 0;
  await t.test('the issuer files an issue decision through the wizard', async (t) => {
    const page = issuer.page;
    await checkScreen(t, page, 'cfa-wizard', () => go(page, '/cfa/issue', 'form.wizard input[name=name]'));
    await go(page, '/cfa/issue', 'form.wizard input[name=name]');
    // The browser refuses an incomplete step, on the fields, before anything is sent.
    await page.locator('input[name=code]').fill('bad code');
    await page.getByRole('button', { name: 'Next' }).click();
    const code = page.locator('input[name=code]');
    t.equal(await code.getAttribute('aria-invalid'), 'true', 'a bad code is marked invalid');
    const described = (await code.getAttribute('aria-describedby'))!.split(' ');
    t.match(await page.locator(`[id="${described.at(-1)}"]`).innerText(), /capital Latin letters/, 'and says why, tied to the field');
    t.equal(await page.locator('input[name=name]').getAttribute('aria-invalid'), 'true', 'a missing name too');
    await page.locator('input[name=name]').fill('Portal Bond 2026');
    await code.fill(CODE);
    await page.locator('input[name=volume]').fill('100');
    await page.locator('input[name=nominal]').fill('1000');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[name=placementPrice]').fill('1 000,00');
    const start = Date.now() - 60_000;
    placementEnd = Date.now() + 150_000;
    await page.locator('input[name=placementStart]').fill(local(start));
    await page.locator('input[name=placementEnd]').fill(local(start - 1000));
    await page.getByRole('button', { name: 'Next' }).click();
    t.equal(await page.locator('input[name=placementEnd]').getAttribute('aria-invalid'), 'true', 'an end before the start is refused');
    await page.locator('input[name=placementEnd]').fill(local(placementEnd));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[name=maturityDate]').fill(local(Date.now() + 86_400_000));
    await page.locator('input[name=redemptionPrice]').fill('1100');
    await page.locator('input[name=early]').check();
    await page.locator('input[name=earlyFrom]').fill(local(placementEnd));
    await page.locator('input[name=earlyPrice]').fill('1050');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('textarea[name=rights]').fill('The right to be paid 1 100 roubles per unit at maturity, or 1 050 roubles on early redemption.');
    await page.getByRole('button', { name: 'Next' }).click();
    const review = page.locator('#issue-review');
    await review.waitFor();
    t.match(norm(await review.innerText()), new RegExp(`${CODE}[\\s\\S]*100[\\s\\S]*${money(100_000).replace(/[.$]/g, '\\$&')}`), 'the review repeats the terms');
    t.equal(await review.locator('[data-fee]').getAttribute('data-fee'), '10000', 'and the filing commission from the chain’s schedule');
    await checkScreen(t, page, 'cfa-wizard-review', async () => {
      await review.waitFor();
    });
    await page.getByRole('button', { name: 'File the issue decision' }).click();
    t.match(await settled(page, 'main'), /recorded in block \d+/, 'filed and settled');
    t.ok(await page.getByRole('link', { name: `Open ${CODE}` }).isVisible());

    // The same code again: the chain refuses it, and the wizard says so with the contract's code.
    await page.getByRole('button', { name: 'File another issue' }).click();
    await page.locator('input[name=name]').fill('Duplicate');
    await page.locator('input[name=code]').fill(CODE);
    await page.locator('input[name=volume]').fill('1');
    await page.locator('input[name=nominal]').fill('1');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[name=placementPrice]').fill('1');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('input[name=redemptionPrice]').fill('1');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('textarea[name=rights]').fill('None.');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'File the issue decision' }).click();
    const alert = page.locator('.operation [role=alert]');
    await alert.waitFor({ timeout: 60_000 });
    t.match(await alert.innerText(), /An asset with this code exists already[\s\S]*ASSET_EXISTS/, 'a refusal reads as a sentence with its code');
    t.equal(await page.locator('.operation').getAttribute('data-phase'), 'REJECTED');
    t.ok(await page.locator('#issue-review').isVisible(), 'the review stays, to go back and fix');
  });

  await t.test('setup: the operator registers the issue', async () => {
    await operator('registerIssue', { asset: CODE });
  });

  await t.test('the investor applies (oversubscribing) and withdraws an application', async (t) => {
    const page = investor.page;
    await go(page, '/cfa/placement', `#apply select[name=asset] option[value="${CODE}"]`);
    await checkScreen(t, page, 'cfa-placement', () => go(page, '/cfa/placement', `#apply select[name=asset] option[value="${CODE}"]`));
    const apply = async (qty: string) => {
      await page.locator('#apply select[name=asset]').selectOption(CODE);
      await page.locator('#apply input[name=quantity]').fill(qty);
      await page.locator('#apply').getByRole('button', { name: 'Submit the application' }).click();
      await settled(page, '#apply');
    };
    await page.locator('#apply input[name=quantity]').fill('250');
    await page.locator('#apply').getByRole('button', { name: 'Submit the application' }).click();
    t.match(await page.locator('#apply .field-error').innerText(), /100 units in total/, 'more than the volume is refused in the form');
    await apply('80');
    await apply('70');
    await apply('10');
    const withdraw = page.getByRole('button', { name: `Withdraw ${CODE}/2` });
    await withdraw.waitFor();
    await withdraw.click();
    await settled(page, '#my-applications');
    await page.locator('#my-applications tr', { hasText: `${CODE}/2` }).filter({ hasText: 'Withdrawn' }).waitFor();
    const reserved = proven(await chain(() => readCfaMoney(node, CH, investorAccount), (m) => m.value.locked === 15_000_000));
    t.match(reserved.value, { balance: 20_000_000, locked: 15_000_000 }, 'on chain: 150 units × 1 000 ₽ reserved');
  });

  await t.test('the issuer sees the pro-rata preview, closes the placement and sees the allocation', async (t) => {
    const page = issuer.page;
    await go(page, `/cfa/issues/${CODE}`, `[data-allocated="${CODE}/1"]`);
    t.match(await page.locator('#placement .banner').innerText(), /Oversubscribed: 150 units requested for 100/);
    const cell = (id: string) => page.locator(`[data-allocated="${id}"]`).innerText();
    // Pro rata: floor(80·100/150) = 53 and floor(70·100/150) = 46; the unit left goes to the first filed.
    t.match(await cell(`${CODE}/0`), /^54\s*\(if closed now\)/);
    t.match(await cell(`${CODE}/1`), /^46\s*\(if closed now\)/);
    await checkScreen(t, page, 'cfa-issue', () => go(page, `/cfa/issues/${CODE}`, `[data-allocated="${CODE}/1"]`));
    await page.getByRole('button', { name: 'Close the placement' }).click();
    await settled(page, '#placement');
    await page.waitForFunction((id) => {
      const el = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector(`[data-allocated="${id}"]`);
      return el !== null && !(el.textContent ?? '').includes('if closed');
    }, `${CODE}/0`);
    t.equal(norm(await cell(`${CODE}/0`)), '54');
    t.equal(norm(await cell(`${CODE}/1`)), '46');
    t.equal(norm(await page.locator(`[data-refund="${CODE}/0"]`).innerText()), money(26 * 100_000), 'the unallocated part is refunded');
    t.equal(norm(await page.locator(`[data-refund="${CODE}/2"]`).innerText()), money(10 * 100_000), 'a withdrawn application got everything back');
  });

  await t.test('the investor’s holdings show the allocation, verified against the chain', async (t) => {
    const page = investor.page;
    await go(page, '/cfa', `[data-units="${CODE}"]`);
    await page.locator('#holdings [data-verified="true"]').waitFor();
    await page.locator('#money [data-verified="true"]').waitFor();
    t.equal(norm(await page.locator(`[data-units="${CODE}"]`).innerText()), '100');
    const onChain = proven(await chain(() => readCfaMoney(node, CH, investorAccount), (m) => m.value.locked === 0));
    t.match(onChain.value, { balance: 10_000_000, locked: 0 });
    t.equal(norm(await page.locator('[data-money=balance]').innerText()), money(onChain.value.balance), 'the balance shown is the chain’s');
    t.match(await page.locator('#money-moves').innerText(), /Placement/);
    await checkScreen(t, page, 'cfa-holdings', async () => {
      await go(page, '/cfa', '#holdings [data-verified="true"]');
    });
  });

  await t.test('a DvP deal: the investor offers to sell, the issuer accepts', async (t) => {
    await go(investor.page, '/cfa/trade', '#make-offer input[name=quantity]');
    const form = investor.page.locator('#make-offer');
    await form.locator('input[name=quantity]').fill('20');
    await form.locator('input[name=price]').fill('1200');
    t.equal(await form.locator('[data-fee]').getAttribute('data-fee'), '24000', 'the trade commission (1 % of 24 000 ₽) is shown before sending');
    await form.getByRole('button', { name: 'Offer to sell' }).click();
    await settled(investor.page, '#make-offer');

    const page = issuer.page;
    await go(page, '/cfa/trade', `#offers tr:has-text("${CODE}/0")`);
    await checkScreen(t, page, 'cfa-trade', () => go(page, '/cfa/trade', `#offers tr:has-text("${CODE}/0")`));
    await page.getByRole('button', { name: `Accept ${CODE}/0` }).click();
    await page.locator('#accept input[name=quantity]').fill('20');
    await page.locator('#accept').getByRole('button', { name: 'Settle the deal' }).click();
    await settled(page, '#accept');
    const investorMoney = proven(await chain(() => readCfaMoney(node, CH, investorAccount), (m) => m.value.balance !== 10_000_000));
    t.equal(investorMoney.value.balance, 10_000_000 + 2_400_000 - 24_000, 'the seller got the price less the 1 % commission');
    await page.locator('#accept').getByRole('button', { name: 'Close' }).click();

    // A buy offer reserves money; cancelling it gives the money back.
    const make = page.locator('#make-offer');
    await make.locator('input[name=side][value=buy]').check();
    await make.locator('input[name=quantity]').fill('1');
    await make.locator('input[name=price]').fill('900');
    await make.getByRole('button', { name: 'Offer to buy' }).click();
    await settled(page, '#make-offer');
    t.equal(proven(await chain(() => readCfaMoney(node, CH, issuerAccount), (m) => m.value.locked === 90_000)).value.locked, 90_000, 'the buy offer reserves 900 ₽');
    const cancel = page.getByRole('button', { name: `Cancel ${CODE}/1` });
    await cancel.waitFor();
    await cancel.click();
    await settled(page, '#offers');
    await page.locator(`#offers tr:has-text("${CODE}/1")`).waitFor({ state: 'detached' });
    t.equal(proven(await chain(() => readCfaMoney(node, CH, issuerAccount), (m) => m.value.locked === 0)).value.locked, 0, 'cancelled: nothing reserved');
  });

  await t.test('a gift: units with no money leg', async (t) => {
    const page = issuer.page;
    await go(page, '/cfa/trade', '#gift input[name=to]');
    await page.locator('#gift input[name=to]').fill(issuerAccount);
    await page.locator('#gift input[name=quantity]').fill('5');
    await page.locator('#gift').getByRole('button', { name: 'Give' }).click();
    t.match(await page.locator('#gift .field-error').innerText(), /your own account/, 'a gift to oneself is refused in the form');
    await page.locator('#gift input[name=to]').fill(investorAccount);
    t.equal(await page.locator('#gift [data-fee]').getAttribute('data-fee'), '500', 'the gift commission is shown');
    await page.locator('#gift').getByRole('button', { name: 'Give' }).click();
    await settled(page, '#gift');
  });

  await t.test('a partial early redemption by the investor', async (t) => {
    const page = investor.page;
    // Early redemption opens when the placement window ends (the terms filed above).
    while (Date.now() < placementEnd + 3000) await sleep(500);
    await go(page, '/cfa/trade', `#early select[name=asset] option[value="${CODE}"]`);
    await page.locator('#early input[name=quantity]').fill('10');
    await page.locator('#early').getByRole('button', { name: 'Redeem early' }).click();
    await settled(page, '#early');
    const owners = provenOwners(await chain(() => readCfaOwners(node, CH, CODE), (o) => o.value[investorAccount] === 75));
    t.same(owners.value, { [investorAccount]: 100 - 20 + 5 - 10, [issuerAccount]: 20 - 5 }, 'the chain’s holders');
  });

  await t.test('the asset page shows the chain’s registry: holders, movements, fees', async (t) => {
    const page = investor.page;
    await go(page, `/cfa/assets/${CODE}`, '#holders [data-verified="true"]');
    const owners = provenOwners(await readCfaOwners(node, CH, CODE));
    for (const [account, units] of Object.entries(owners.value)) {
      t.equal(norm(await page.locator(`[data-holder="${account}"]`).innerText()), String(units), `holder ${account} as on chain`);
    }
    t.equal(await page.locator('#holders tbody tr').count(), Object.keys(owners.value).length, 'and nobody else');
    const moves = await readCfaMoves(node, CH, CODE, { limit: 100 });
    t.equal(await page.locator('#moves tbody tr').count(), moves.count, 'every movement is listed');
    const causes = await page.locator('#moves [data-cause]').evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('data-cause')));
    t.same(causes, moves.items.map((m) => m.value.cause), 'with the chain’s causes, in order');
    for (const c of ['placement', 'trade', 'gift', 'early-redemption']) t.ok(causes.includes(c), `a ${c} movement`);
    t.match(await page.locator('#moves tr', { hasText: 'Gift' }).first().innerText(), /no money leg/, 'the gift is marked as having no money leg');
    // The holders registry at the height right after the placement closed.
    const placedAt = moves.items.find((m) => m.value.cause === 'placement')!.value.height;
    await page.locator('#holders input[name=height]').fill(String(placedAt));
    await page.locator('#holders').getByRole('button', { name: 'Show' }).click();
    await page.locator('#holders caption', { hasText: `at block ${placedAt}` }).waitFor();
    await page.locator(`#holders [data-verified="true"][data-height="${placedAt}"]`).waitFor();
    t.equal(norm(await page.locator(`[data-holder="${investorAccount}"]`).innerText()), '100', 'at that height the investor held all 100');
    t.match(await page.locator('#fees-charged').innerText(), /Trade[\s\S]*240\.00/, 'the trade commission charged to the investor');
    await checkScreen(t, page, 'cfa-asset', () => go(page, `/cfa/assets/${CODE}`, '#holders [data-verified="true"]'));
  });

  await t.test('the fee schedule as the chain holds it', async (t) => {
    const page = investor.page;
    await go(page, '/cfa/fees', '#schedule [data-verified="true"]');
    t.match(await page.locator('#schedule tr', { hasText: 'Trade' }).innerText(), /1%/);
    await page.locator('#calculator select[name=operation]').selectOption('trade');
    await page.locator('#calculator input[name=amount]').fill('24000');
    await page.locator('#calculator').getByRole('button', { name: 'Calculate' }).click();
    t.equal(await page.locator('#calculator [data-fee]').getAttribute('data-fee'), '24000');
    await checkScreen(t, page, 'cfa-fees', () => go(page, '/cfa/fees', '#schedule [data-verified="true"]'));
  });

  await t.test('both tenants’ balances in the UI equal the chain’s', async (t) => {
    for (const [who, page, account] of [
      ['issuer', issuer.page, issuerAccount],
      ['investor', investor.page, investorAccount],
    ] as const) {
      await go(page, '/cfa', '#money [data-verified="true"]');
      const m = proven(await readCfaMoney(node, CH, account));
      await page.waitForFunction(
        ([want]) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-money=balance]')?.textContent?.replace(/[\s\u00a0\u202f]+/g, ' ').trim() === want,
        [money(m.value.balance)],
        { timeout: 30_000 },
      );
      t.pass(`${who}: balance ${money(m.value.balance)} as on chain`);
    }
    t.same(issuer.consoleErrors, [], 'no console errors (issuer)');
    t.same(investor.consoleErrors, [], 'no console errors (investor)');
  });
});
