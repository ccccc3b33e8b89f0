/**
 * Shared form components in Chromium: a field's hint and error are wired to its input for
 * screen readers, progress is a real <progress> with its percentage, money, quantities and dates
 * follow each locale, and a coded error reads as the user's sentence with its code.
 */
import t from 'tap';
import { launchBrowser, newPage, seriousViolations } from '../../test/lib/portal.js';
import { serveHarness } from '../../test/lib/harness.js';

t.test('form components', async (t) => {
  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);

  await page.goto(`${base}/forms.html?lang=en`);
  const input = page.getByLabel('Amount');
  await input.fill('12a');
  const described = await input.getAttribute('aria-describedby');
  t.ok(described, 'the input is described');
  const texts = await Promise.all(described!.split(' ').map((id) => page.locator(`[id="${id}"]`).innerText()));
  t.same(texts, ['Whole units', 'digits only'], 'by its hint and its error');
  t.equal(await input.getAttribute('aria-invalid'), 'true');
  await input.fill('12');
  t.equal(await input.getAttribute('aria-describedby'), described!.split(' ')[0], 'a fixed value drops the error');
  t.equal(await page.locator('progress').getAttribute('value'), '0.42');
  t.match(await page.locator('.progress label').innerText(), /42\s?%/);
  t.match(await page.locator('#money').innerText(), /1,234,567\.89/);
  t.match(await page.locator('[role=alert]').innerText(), /Your role does not allow this/);
  t.match(await page.locator('[role=alert]').innerText(), /FORBIDDEN/);
  t.same(await seriousViolations(page), [], 'no serious accessibility violations');

  await page.goto(`${base}/forms.html?lang=ru`);
  t.match(await page.locator('#money').innerText(), /1\s234\s567,89\s₽/, 'roubles the Russian way');
  t.match(await page.locator('#qty').innerText(), /1\s234\s567/);
  t.match(await page.locator('#date').innerText(), /1 мар/);
  t.match(await page.locator('[role=alert]').innerText(), /Ваша роль этого не разрешает/);

  await page.goto(`${base}/forms.html?lang=zh`);
  t.match(await page.locator('#money').innerText(), /RUB|₽/);
  t.match(await page.locator('#date').innerText(), /2026年3月1日/);
  t.match(await page.locator('[role=alert]').innerText(), /您的角色无权执行此操作/);
  t.same(consoleErrors, [], 'no console errors');
});
