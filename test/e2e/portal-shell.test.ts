/**
 * The portal's shell in Chromium against the `npm start` stack: the control plane serves the
 * built SPA (deep links too); signing in with a wrong password says so with its code and changes
 * nothing; a tenant and the operator see the navigation of their roles; the session survives a
 * reload and ends with sign-out; the sign-in and overview screens pass axe-core in en/ru/zh.
 */
import t from 'tap';
import { checkScreen, launchBrowser, newPage, signIn, startPortalStack } from '../lib/portal.js';

t.test('portal shell', async (t) => {
  const stack = await startPortalStack(t);
  const browser = await launchBrowser(t);
  const { admin, demo } = stack.credentials;

  await t.test('the control plane serves the app, with its own CSP, and deep links', async (t) => {
    const res = await fetch(`${stack.url}/cfa/issue`, { headers: { accept: 'text/html' } });
    t.equal(res.status, 200);
    t.match(await res.text(), /<div id="root">/);
    t.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const api = await fetch(`${stack.url}/v1/nope`, { headers: { accept: 'application/json' } });
    t.equal(api.status, 404, 'API paths keep their JSON 404');
  });

  await t.test('sign-in: a wrong password is refused with a clear message', async (t) => {
    const { page, consoleErrors } = await newPage(browser);
    await page.goto(stack.url);
    await checkScreen(t, page, 'sign-in', async () => {
      await page.locator('main.signin form').waitFor();
    });
    await page.locator('input[name=email]').fill(admin.email);
    await page.locator('input[name=password]').fill('not the password');
    await page.locator('form button[type=submit]').click();
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    t.match(await alert.innerText(), /The e-mail or the password is wrong/);
    t.match(await alert.innerText(), /INVALID_CREDENTIALS/);
    t.equal(await page.locator('header.top').count(), 0, 'still signed out');
    t.same(consoleErrors.filter((e) => !/401/.test(e)), [], 'no console errors but the refused login');
    await page.context().close();
  });

  await t.test('the operator: console and auditor navigation; overview passes axe in every language', async (t) => {
    const { page, consoleErrors } = await newPage(browser);
    await signIn(page, stack.url, admin.email, admin.password);
    const nav = await page.locator('header.top nav a').allInnerTexts();
    t.same(nav, ['Overview', 'Operator console', 'Auditor']);
    await checkScreen(t, page, 'overview-operator', async () => {
      await page.locator('h1').waitFor();
    });
    await page.reload();
    await page.locator('header.top').waitFor();
    t.pass('the session survives a reload');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('main.signin').waitFor();
    t.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0, 'signing out forgets the session');
    t.same(consoleErrors, []);
    await page.context().close();
  });

  await t.test('a tenant: its services and its tenant on the overview', async (t) => {
    const { page, consoleErrors } = await newPage(browser);
    await signIn(page, stack.url, demo!.email, demo!.password);
    t.same(await page.locator('header.top nav a').allInnerTexts(), ['Overview', 'Digital assets', 'Encrypted data', 'Voting']);
    await checkScreen(t, page, 'overview-tenant', async () => {
      await page.locator('.lead').waitFor();
    });
    t.match(await page.locator('.lead').innerText(), /demo/i);
    t.same(consoleErrors, []);
    await page.context().close();
  });
});
