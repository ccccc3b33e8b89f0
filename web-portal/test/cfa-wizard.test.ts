/**
 * The CFA screens' browser-side logic in Chromium: amounts, units and dates as users type them,
 * the contract's commission and pro-rata allocation rules used for previews, the issue
 * decision's checks; and the issue wizard itself — a step refuses to move on with its problems
 * on its fields (tied to them for screen readers, focus on the first), earlier answers are kept
 * going back, the review repeats the terms with the filing commission, a commission the issuer
 * cannot pay stops the filing, and what is sent is exactly cfa.fileIssue's arguments. In
 * English, Russian and Chinese, with no serious axe violations.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser, newPage, seriousViolations } from '../../test/lib/portal.js';
import { serveHarness } from '../../test/lib/harness.js';

type Harness = { submitted: unknown[]; now: number; model: Record<string, (...a: unknown[]) => unknown> };

/** Calls `window.harness.model[fn](...args)` in the page. */
async function model(page: Page, fn: string, ...args: unknown[]): Promise<unknown> {
  return page.evaluate(([f, a]) => (globalThis as unknown as { harness: Harness }).harness.model[f as string]!(...(a as unknown[])), [fn, args] as const);
}

/** The texts that describe an input (its hint and its error), by aria-describedby. */
async function describedBy(page: Page, name: string): Promise<string[]> {
  const ids = (await page.locator(`[name="${name}"]`).first().getAttribute('aria-describedby')) ?? '';
  return Promise.all(ids.split(' ').filter((x) => x !== '').map((id) => page.locator(`[id="${id}"]`).innerText()));
}

t.test('CFA browser logic and the issue wizard', async (t) => {
  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);
  const missing: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`);
  });
  // A fixed clock: 1 March 2026, 12:00 local time.
  const now = await page.evaluate(() => new Date(2026, 2, 1, 12, 0, 0).getTime());

  await t.test('parsing what users type', async (t) => {
    await page.goto(`${base}/cfa-wizard.html?lang=en&now=${now}`);
    const money = async (s: string) => model(page, 'parseMoney', s);
    t.same(await money('1 000,50'), { ok: true, value: 100_050 }, 'a Russian-style amount');
    t.same(await money('1000.5'), { ok: true, value: 100_050 });
    t.same(await money('1\u00a0234\u00a0567,89'), { ok: true, value: 123_456_789 }, 'grouping with no-break spaces');
    t.same(await money('12'), { ok: true, value: 1200 });
    t.same(await money('1.234'), { ok: false, problem: { id: 'cfa.v.moneyDecimals' } }, 'no fractions of a kopeck');
    t.same(await money('0'), { ok: false, problem: { id: 'cfa.v.positive' } });
    t.same(await model(page, 'parseMoney', '0', { allowZero: true }), { ok: true, value: 0 });
    t.same(await money('-5'), { ok: false, problem: { id: 'cfa.v.money' } });
    t.same(await money('1e5'), { ok: false, problem: { id: 'cfa.v.money' } });
    t.same(await money('99999999999999999'), { ok: false, problem: { id: 'cfa.v.tooLarge' } }, 'beyond a safe integer of kopecks');
    t.same(await money(''), { ok: false, problem: { id: 'cfa.v.required' } });
    t.same(await model(page, 'parseUnits', '12a'), { ok: false, problem: { id: 'cfa.v.wholeUnits' } });
    t.same(await model(page, 'parseUnits', '0'), { ok: false, problem: { id: 'cfa.v.atLeast', values: { min: 1 } } });
    t.same(await model(page, 'parseUnits', '1 000'), { ok: true, value: 1000 });
    t.same(await model(page, 'parseUnits', '0', 0), { ok: true, value: 0 }, 'a height may be 0');
    const at = (await model(page, 'parseDateTime', '2026-03-01T12:00')) as { ok: boolean; value: number };
    t.same(at, { ok: true, value: now }, 'a datetime-local value is local time');
    t.same(await model(page, 'parseDateTime', '2026-02-30T12:00'), { ok: false, problem: { id: 'cfa.v.date' } }, 'no 30 February');
    t.equal(await model(page, 'dateTimeInput', now), '2026-03-01T12:00:00', 'and back');
  });

  await t.test('the contract’s rules for previews', async (t) => {
    t.same(await model(page, 'allocate', [700, 600], 1000), [539, 461], 'pro rata, the unit left to the first filed (as test/e2e/cfa.test.ts)');
    t.same(await model(page, 'allocate', [80, 70], 100), [54, 46]);
    t.same(await model(page, 'allocate', [1, 1, 1], 2), [1, 1, 0], 'leftovers one each in filing order');
    t.same(await model(page, 'allocate', [30, 20], 100), [30, 20], 'undersubscribed: everyone gets what they asked');
    const fees = await page.evaluate(() => (globalThis as unknown as { harness: { fees: unknown } }).harness.fees);
    t.equal(await model(page, 'feeFor', fees, 'trade', 2_400_000, 2_400_000), 24_000, '1 % of the deal');
    t.equal(await model(page, 'feeFor', fees, 'placement', 1000, 1000), 102, 'fixed + floor(base × bps / 10 000)');
    t.equal(await model(page, 'feeFor', fees, 'placement', 10, 10), 10, 'capped at the proceeds');
    t.equal(await model(page, 'feeFor', fees, 'gift', 1_000_000), 0, 'no rule: free');
    t.equal(await model(page, 'feeFor', { collector: null, rules: { trade: { fixed: 5, bps: 0 } } }, 'trade', 100), 0, 'no collector: free');
    const apps = [
      { id: 'A/0', investor: 'a', quantity: 80, price: 1000, money: 80_000, status: 'pending', allocated: 0 },
      { id: 'A/1', investor: 'b', quantity: 70, price: 1000, money: 70_000, status: 'pending', allocated: 0 },
      { id: 'A/2', investor: 'b', quantity: 10, price: 1000, money: 10_000, status: 'withdrawn', allocated: 0 },
    ];
    const rows = (await model(page, 'allocationRows', apps, 100)) as { id: string; allocated: number; refund: number; preview: boolean }[];
    t.same(
      rows.map((r) => [r.id, r.allocated, r.refund, r.preview]),
      [
        ['A/0', 54, 26_000, true],
        ['A/1', 46, 24_000, true],
        ['A/2', 0, 10_000, false],
      ],
      'requested vs allocated and the refund, previewed for pending applications',
    );
    t.equal(await model(page, 'phaseProgress', 'ONCHAIN_SUBMITTED'), 0.5);
    t.equal(await model(page, 'phaseProgress', 'SETTLED'), 1);
  });

  await t.test('the issue decision is checked as the contract will', async (t) => {
    const form = (await model(page, 'emptyIssueForm', now)) as Record<string, unknown>;
    const good = { ...form, name: 'Bond', code: 'BOND-1', volume: '1000', nominal: '1000', placementPrice: '1000', redemptionPrice: '1100', rights: 'Pays.' };
    const ok = (await model(page, 'checkIssue', good, now)) as { args: Record<string, unknown> | null };
    t.ok(ok.args !== null, 'a complete form gives the call’s arguments');
    t.same(Object.keys(ok.args!).sort(), ['code', 'maturityDate', 'name', 'nominal', 'placementEnd', 'placementPrice', 'placementStart', 'redemptionPrice', 'rights', 'volume'], 'exactly fileIssue’s (no early redemption)');
    const problems = async (f: Record<string, unknown>) => Object.fromEntries(Object.entries(((await model(page, 'checkIssue', f, now)) as { problems: Record<string, { id: string }> }).problems).map(([k, v]) => [k, v.id]));
    t.same(await problems({ ...good, code: 'bond' }), { code: 'cfa.v.code' }, 'lower-case code');
    t.same(await problems({ ...good, code: 'B' }), { code: 'cfa.v.code' }, 'too short a code');
    t.same(await problems({ ...good, placementEnd: '2026-03-01T11:00:00', placementStart: '2026-03-01T10:00:00' }), { placementEnd: 'cfa.v.future' }, 'a window already over');
    t.same(await problems({ ...good, maturityDate: '2026-03-02T00:00:00' }), { maturityDate: 'cfa.v.maturityAfterEnd' }, 'maturity before the window ends');
    t.same(await problems({ ...good, early: true, earlyFrom: '2026-03-02T00:00:00', earlyPrice: '1050', earlyByHolder: false, earlyByIssuer: false }), { earlyFrom: 'cfa.v.earlyWindow', earlyWho: 'cfa.v.earlyWho' }, 'early redemption: window and who');
    t.same(await problems({ ...good, volume: '9007199254740991' }), { volume: 'cfa.v.totalTooLarge' }, 'volume × price beyond a safe integer');
    t.same(await problems({ ...good, rights: 'x'.repeat(4001) }), { rights: 'cfa.v.tooLong' });
  });

  await t.test('the wizard in English: steps, field errors, review, what is sent', async (t) => {
    await page.goto(`${base}/cfa-wizard.html?lang=en&now=${now}&available=1000000`);
    const next = page.getByRole('button', { name: 'Next' });
    await next.click();
    for (const f of ['name', 'code', 'volume', 'nominal']) t.equal(await page.locator(`[name=${f}]`).getAttribute('aria-invalid'), 'true', `${f} is marked invalid`);
    t.same(await describedBy(page, 'name'), ['As in the issue decision, up to 200 characters.', 'Required.'], 'hint and error are tied to the field');
    t.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('name')), 'name', 'focus goes to the first field to fix');
    t.match(await page.locator('h2').innerText(), /Step 1 of 5: Asset/);
    t.same(await seriousViolations(page), [], 'no serious accessibility violations with errors shown');
    await page.locator('[name=name]').fill('Portal Bond');
    await page.locator('[name=code]').fill('pbond-1');
    t.equal(await page.locator('[name=code]').inputValue(), 'PBOND-1', 'the code is typed in capitals');
    t.equal(await page.locator('[name=name]').getAttribute('aria-invalid'), 'false', 'a fixed field drops its error');
    await page.locator('[name=volume]').fill('1 000');
    await page.locator('[name=nominal]').fill('1000,5');
    await next.click();
    t.match(await page.locator('h2').innerText(), /Step 2 of 5: Placement/);
    await page.locator('[name=placementPrice]').fill('999.99');
    await page.locator('[name=placementStart]').fill('2026-03-05T10:00:00');
    await page.locator('[name=placementEnd]').fill('2026-03-04T10:00:00');
    await next.click();
    t.same(await describedBy(page, 'placementEnd'), ['Applications are accepted until this moment; it must be in the future.', 'Must be after the opening of applications.']);
    await page.locator('[name=placementEnd]').fill('2026-03-20T18:30:00');
    await next.click();
    t.match(await page.locator('h2').innerText(), /Step 3 of 5: Redemption/);
    await page.getByRole('button', { name: 'Back' }).click();
    t.equal(await page.locator('[name=placementPrice]').inputValue(), '999.99', 'going back keeps the answers');
    await next.click();
    await page.locator('[name=maturityDate]').fill('2027-03-20T18:30:00');
    await page.locator('[name=redemptionPrice]').fill('1100');
    await page.locator('[name=early]').check();
    await page.locator('[name=earlyFrom]').fill('2026-03-10T00:00:00');
    await page.locator('[name=earlyPrice]').fill('1050');
    await page.locator('[name=earlyWho]').uncheck();
    await next.click();
    t.same(await describedBy(page, 'earlyFrom'), ['Not before applications close, and before maturity.', 'Must be between the close of applications and maturity.']);
    t.match(await page.locator('#early-who-error').innerText(), /Choose who may demand/);
    t.same(await seriousViolations(page), [], 'no serious accessibility violations on the redemption step');
    await page.locator('[name=earlyFrom]').fill('2026-09-01T00:00:00');
    await page.locator('[name=earlyByIssuer]').check();
    await next.click();
    await page.locator('[name=rights]').fill('The right to 1 100 ₽ per unit at maturity.');
    await next.click();
    const review = page.locator('#issue-review');
    await review.waitFor();
    const text = await review.innerText();
    t.match(text, /PBOND-1/);
    t.match(text, /RUB\s1,000\.50/, 'nominal in roubles');
    t.match(text, /at the demand of the issuer/, 'early-redemption terms in words');
    t.equal(await review.locator('[data-fee]').getAttribute('data-fee'), '10000', 'the filing commission from the schedule');
    t.same(await seriousViolations(page), [], 'no serious accessibility violations on the review');
    await page.getByRole('button', { name: 'File the issue decision' }).click();
    const sent = await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.submitted);
    const ms = (s: string) => page.evaluate((v) => Date.parse(v), s);
    t.same(sent, [
      {
        code: 'PBOND-1',
        name: 'Portal Bond',
        volume: 1000,
        nominal: 100_050,
        placementPrice: 99_999,
        placementStart: await ms('2026-03-05T10:00:00'),
        placementEnd: await ms('2026-03-20T18:30:00'),
        maturityDate: await ms('2027-03-20T18:30:00'),
        redemptionPrice: 110_000,
        rights: 'The right to 1 100 ₽ per unit at maturity.',
        earlyRedemption: { from: await ms('2026-09-01T00:00:00'), price: 105_000, byIssuer: true, byHolder: false },
      },
    ], 'exactly cfa.fileIssue’s arguments, in kopecks and ms');
  });

  await t.test('a commission the issuer cannot pay stops the filing', async (t) => {
    await page.goto(`${base}/cfa-wizard.html?lang=en&now=${now}&available=5000`);
    await page.locator('[name=name]').fill('Bond');
    await page.locator('[name=code]').fill('BOND-2');
    await page.locator('[name=volume]').fill('10');
    await page.locator('[name=nominal]').fill('10');
    const next = page.getByRole('button', { name: 'Next' });
    await next.click();
    await page.locator('[name=placementPrice]').fill('10');
    await next.click();
    await page.locator('[name=redemptionPrice]').fill('11');
    await next.click();
    await page.locator('[name=rights]').fill('Pays.');
    await next.click();
    t.match(await page.locator('#issue-review [role=alert]').innerText(), /does not cover the filing commission/);
    t.ok(await page.getByRole('button', { name: 'File the issue decision' }).isDisabled(), 'the filing button is disabled');
  });

  await t.test('Russian and Chinese', async (t) => {
    await page.goto(`${base}/cfa-wizard.html?lang=ru&now=${now}`);
    await page.getByRole('button', { name: 'Далее' }).click();
    t.same(await describedBy(page, 'code'), ['Заглавные латинские буквы, цифры и дефисы, первая — буква; от 2 до 32 символов, например BOND-2026.', 'Обязательное поле.']);
    t.match(await page.locator('h2').innerText(), /Шаг 1 из 5: ЦФА/);
    await page.locator('[name=volume]').fill('1,5');
    t.same((await describedBy(page, 'volume')).at(-1), 'Введите целое число единиц, только цифры.');
    t.same(await seriousViolations(page), [], 'ru: no serious accessibility violations');
    await page.goto(`${base}/cfa-wizard.html?lang=zh&now=${now}`);
    await page.getByRole('button', { name: '下一步' }).click();
    t.same((await describedBy(page, 'nominal')).at(-1), '必填。');
    t.match(await page.locator('h2').innerText(), /第 1 步，共 5 步：资产/);
    t.same(await seriousViolations(page), [], 'zh: no serious accessibility violations');
  });

  t.same(missing, [], 'every request was answered');
  t.same(consoleErrors, [], 'no console errors');
});
