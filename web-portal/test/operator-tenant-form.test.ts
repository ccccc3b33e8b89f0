/**
 * The operator console's forms in Chromium: the new-tenant wizard validates each step before the
 * next (errors on their fields, wired for screen readers, focus on the first), goes back to the
 * step at fault, sends exactly the reviewed request, shows the server's coded error; and the pure
 * rules for quotas, money, percentages and fee schedules.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { serveHarness } from '../../test/lib/harness.js';
import { launchBrowser, newPage, seriousViolations } from '../../test/lib/portal.js';

interface Harness {
  submitted: Record<string, unknown>[];
  forms: Record<string, (...a: unknown[]) => unknown>;
}
const call = (page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(([f, a]) => (globalThis as unknown as { harness: Harness }).harness.forms[f as string]!(...(a as unknown[])), [fn, args] as const);
const submitted = (page: Page) => page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.submitted);

/** The texts that describe an input (its hint and error), in order. */
async function describedBy(page: Page, name: string): Promise<string[]> {
  const ids = (await page.locator(`[name="${name}"]`).getAttribute('aria-describedby')) ?? '';
  return Promise.all(ids.split(' ').filter(Boolean).map((id) => page.locator(`[id="${id}"]`).innerText()));
}
const focusedName = (page: Page) => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('name') ?? null);
const legend = (page: Page) => page.locator('form.wizard > fieldset > legend').innerText();

t.test('the new-tenant wizard', async (t) => {
  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);
  await page.goto(`${base}/operator-tenant-form.html?lang=en`);
  const next = page.locator('form.wizard button[type=submit]');

  t.match(await legend(page), /Step 1 of 4: Organisation/);
  await next.click();
  t.equal(await page.locator('[name=name]').getAttribute('aria-invalid'), 'true', 'an empty name is refused');
  t.same(await describedBy(page, 'name'), ['As registered, e.g. “Northern Trade Bank JSC”.', 'Fill this in.'], 'the error is tied to the field with its hint');
  await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('name') === 'name');
  t.equal(await focusedName(page), 'name', 'focus goes to the field at fault');
  t.same(await seriousViolations(page), [], 'no serious accessibility violations with errors shown');
  await page.locator('[name=name]').fill('Northern Trade Bank\u0007');
  await next.click();
  t.same((await describedBy(page, 'name')).slice(1), ['Remove line breaks and other control characters.']);
  await page.locator('[name=name]').fill('Northern Trade Bank');
  t.equal(await page.locator('[name=name]').getAttribute('aria-invalid'), 'false', 'typing clears the error');
  await page.locator('input[name=plan][value=dedicated]').check();
  await next.click();

  t.match(await legend(page), /Step 2 of 4: Administrator/);
  await page.locator('[name=adminEmail]').fill('ops@bank');
  await page.locator('[name=password]').fill('short');
  await next.click();
  t.same((await describedBy(page, 'adminEmail')).slice(1), ['Enter an e-mail address such as name@bank.example.']);
  t.same((await describedBy(page, 'password')).slice(1), ['Use at least 12 characters.']);
  await page.locator('[name=adminEmail]').fill('ops@northern.example');
  await page.locator('[name=password]').fill('correct horse battery');
  await page.locator('[name=passwordRepeat]').fill('correct horse batterx');
  await next.click();
  t.same(await describedBy(page, 'passwordRepeat'), ['The two passwords differ.']);
  await page.locator('[name=passwordRepeat]').fill('correct horse battery');
  await page.locator('input[name=custody][value=self]').check();
  await page.locator('[name=publicKey]').fill('ABCD');
  await next.click();
  t.same((await describedBy(page, 'publicKey')).slice(1), ['Enter the public key in lower-case hexadecimal (64 to 200 characters).'], 'self-custody needs a key in hex');
  const key = 'ab'.repeat(32);
  await page.locator('[name=publicKey]').fill(key);
  await next.click();

  t.match(await legend(page), /Step 3 of 4: Quotas/);
  await page.locator('[name=maxUsers]').fill('0');
  await page.locator('[name=maxApiKeys]').fill('12.5');
  await page.locator('[name=maxTxPerDay]').fill('2 000 000 000');
  await next.click();
  t.same((await describedBy(page, 'maxUsers')).slice(1), ['Enter a number from 1 to 100,000.']);
  t.same((await describedBy(page, 'maxApiKeys')).slice(1), ['Enter a whole number.']);
  t.same((await describedBy(page, 'maxTxPerDay')).slice(1), ['Enter a number from 0 to 1,000,000,000.']);
  await page.locator('[name=maxUsers]').fill('25');
  await page.locator('[name=maxApiKeys]').fill('');
  await page.locator('[name=maxTxPerDay]').fill('5 000');
  await next.click();

  t.match(await legend(page), /Step 4 of 4: Review/);
  const review = await page.locator('dl.review').innerText();
  for (const s of ['Northern Trade Bank', 'Dedicated node', 'ops@northern.example', 'self-custody', '25', 'Platform default', '5 000']) t.ok(review.includes(s), `the review shows ${s}`);
  t.same(await submitted(page), [], 'nothing is sent before the review is confirmed');

  // Going back keeps what was typed; the same step is re-validated on the way forward.
  await page.locator('form.wizard button[type=button]').click();
  t.equal(await page.locator('[name=maxTxPerDay]').inputValue(), '5 000', 'back keeps the values');
  await next.click();
  await page.locator('form.wizard button[type=submit]').click();
  t.same(
    await submitted(page),
    [
      {
        name: 'Northern Trade Bank',
        plan: 'dedicated',
        admin: { email: 'ops@northern.example', password: 'correct horse battery' },
        custody: 'self',
        publicKey: key,
        quotas: { maxUsers: 25, maxTxPerDay: 5000 },
      },
    ],
    'the request is exactly what was reviewed (empty quotas left to the platform)',
  );
  t.same(await seriousViolations(page), [], 'no serious accessibility violations on the review');

  // The server's refusal is shown with its code, and the wizard stays where it was.
  await page.goto(`${base}/operator-tenant-form.html?lang=ru&fail=CONFLICT`);
  t.match(await legend(page), /Шаг 1 из 4: Организация/);
  await next.click();
  t.same((await describedBy(page, 'name')).slice(1), ['Заполните это поле.']);
  await page.locator('[name=name]').fill('АО «Северный банк»');
  await next.click();
  await page.locator('[name=adminEmail]').fill('ops@sever.example');
  await page.locator('[name=password]').fill('очень-длинный-пароль');
  await page.locator('[name=passwordRepeat]').fill('очень-длинный-пароль');
  await next.click();
  await next.click();
  await next.click();
  const alert = page.locator('[role=alert]');
  await alert.waitFor();
  t.match(await alert.innerText(), /уже есть/, 'the coded error reads in Russian');
  t.match(await alert.innerText(), /CONFLICT/, 'with its code');
  t.match(await legend(page), /Шаг 4 из 4/);
  t.same(((await submitted(page))[0] as { custody: string; quotas?: unknown }).custody, 'custodial');
  t.notOk('quotas' in (await submitted(page))[0]!, 'no quotas sent when none were set');

  await page.goto(`${base}/operator-tenant-form.html?lang=zh`);
  await next.click();
  t.same((await describedBy(page, 'name')).slice(1), ['请填写此项。']);
  t.same(await seriousViolations(page), [], 'zh: no serious accessibility violations');
  t.same(consoleErrors, [], 'no console errors');
});

t.test('form rules', async (t) => {
  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await page.goto(`${base}/operator-tenant-form.html`);
  t.equal(await call(page, 'parseMoney', '1 234,56'), 123456, 'money: grouped, decimal comma');
  t.equal(await call(page, 'parseMoney', '15000'), 1500000);
  t.equal(await call(page, 'parseMoney', '0.5'), 50);
  t.equal(await call(page, 'parseMoney', '1.234'), null, 'money: three decimals refused');
  t.equal(await call(page, 'parseMoney', '-5'), null);
  t.equal(await call(page, 'parsePercent', '0,5'), 50, 'percent → basis points');
  t.equal(await call(page, 'parsePercent', '1.25 %'), 125);
  t.equal(await call(page, 'parsePercent', '100.01'), null, 'above 100 % refused');
  t.equal(await call(page, 'parseWhole', '1 000 000'), 1000000);
  t.equal(await call(page, 'parseWhole', '1e3'), null);
  t.same(await call(page, 'validateQuotas', { maxUsers: '', maxApiKeys: '0', maxTxPerDay: '' }, false), {}, 'empty quotas are the default; 0 API keys is allowed');
  t.same(await call(page, 'validateQuotas', { maxUsers: '', maxApiKeys: '', maxTxPerDay: '' }, true), { maxUsers: 'operator.form.required', maxApiKeys: 'operator.form.required', maxTxPerDay: 'operator.form.required' });
  const draft = {
    collector: 'operator',
    rows: { issue: { fixed: '', percent: '' }, placement: { fixed: '', percent: '0.1' }, trade: { fixed: '1,50', percent: '1' }, gift: { fixed: '5', percent: '' }, inheritance: { fixed: '0', percent: '0' }, redemption: { fixed: '', percent: '' }, 'early-redemption': { fixed: '', percent: '0.5' } },
  };
  t.same(await call(page, 'validateFees', draft), { rows: {} });
  t.same(
    await call(page, 'setFeesArgs', draft),
    { collector: 'operator', rules: { placement: { fixed: 0, bps: 10 }, trade: { fixed: 150, bps: 100 }, gift: { fixed: 500, bps: 0 }, 'early-redemption': { fixed: 0, bps: 50 } } },
    'a fee schedule: empty or zero rows are free, fixed in minor units, percent in basis points',
  );
  t.same(await call(page, 'validateFees', { ...draft, collector: 'Operator!', rows: { ...draft.rows, trade: { fixed: 'x', percent: '101' } } }), {
    collector: 'operator.form.memberId',
    rows: { trade: { fixed: 'operator.form.money', percent: 'operator.form.percent' } },
  });
  t.same(await call(page, 'feeDraftOf', { collector: 'operator', rules: { trade: { fixed: 150, bps: 100 } } }, 'x'), {
    collector: 'operator',
    rows: { issue: { fixed: '', percent: '' }, placement: { fixed: '', percent: '' }, trade: { fixed: '1.50', percent: '1' }, gift: { fixed: '', percent: '' }, inheritance: { fixed: '', percent: '' }, redemption: { fixed: '', percent: '' }, 'early-redemption': { fixed: '', percent: '' } },
  }, 'the schedule in force fills the form');
  t.equal(await call(page, 'validMember', 't-1a2b3c'), true);
  t.equal(await call(page, 'validAssetCode', 'bond1'), false);
});
