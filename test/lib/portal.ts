/**
 * The web portal under test: the `npm start` stack (control-plane/dist/main.js on a fresh data
 * directory: embedded PostgreSQL, redis-server, three local nodes, the portal from
 * web-portal/dist) and Debian's Chromium driven by playwright-core. Helpers sign in, switch the
 * language, run axe-core on a screen (no serious or critical violations), and keep screenshots
 * as artifacts (`.artifacts/portal/`, not committed; KONSORTIUM_ARTIFACTS moves them).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Test } from 'tap';
import { freePort, LOOPBACK } from './ports.js';
import { makeTempDir, type ManagedProcess, removeTempDir, spawnManaged, waitFor } from './process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const LOCALES = ['en', 'ru', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];

export interface Credentials {
  readonly admin: { readonly email: string; readonly password: string };
  readonly demo?: { readonly tenantId: string; readonly email: string; readonly password: string };
}

export interface PortalStack {
  readonly url: string;
  readonly dataDir: string;
  readonly credentials: Credentials;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Minimal view of tap's Test we need (teardown). */
interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Starts the platform as `npm start` does (built files; the caller has run `npm run build`). */
export async function startPortalStack(t: Teardown, o: { nodes?: number } = {}): Promise<PortalStack> {
  const main = path.join(ROOT, 'control-plane/dist/main.js');
  if (!existsSync(main)) throw new Error('control-plane/dist/main.js is missing: run `npm run build` first');
  if (!existsSync(path.join(ROOT, 'web-portal/dist/index.html'))) throw new Error('web-portal/dist is missing: run `npm run build` first');
  const dataDir = makeTempDir('konsortium-portal');
  const port = await freePort();
  const proc = await spawnManaged({
    name: 'platform',
    command: process.execPath,
    args: [main, '--data-dir', dataDir, '--port', String(port), '--host', LOOPBACK, '--nodes', String(o.nodes ?? 3), '--log-level', 'warn'],
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
    logFile: path.join(dataDir, 'platform.log'),
  });
  const url = `http://${LOOPBACK}:${port}`;
  const stop = async () => {
    await proc.stop({ signal: 'SIGINT', timeoutMs: 30_000 });
    removeTempDir(dataDir);
  };
  t.teardown(stop);
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`the platform exited: ${readLog(dataDir)}`);
      const r = await fetch(`${url}/readyz`);
      // The admin's credentials are written first, the demo tenant's once it is onboarded.
      const file = path.join(dataDir, 'credentials.json');
      return r.ok && existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as Credentials).demo !== undefined ? true : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 250, what: 'the platform to be ready' },
  );
  const credentials = JSON.parse(readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as Credentials;
  return { url, dataDir, credentials, process: proc, stop };
}

function readLog(dataDir: string): string {
  try {
    return readFileSync(path.join(dataDir, 'platform.log'), 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

/** Where Chromium is: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string {
  const p = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`no Chromium at ${p}: install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH`);
  return p;
}

/** Launches headless Chromium (playwright gives each launch a fresh temporary profile); closed at teardown. */
export async function launchBrowser(t: Teardown): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** A new browser context (its own storage) with one page; console errors are collected. */
export async function newPage(browser: Browser, o: { locale?: Locale } = {}): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext({ locale: o.locale ?? 'en', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return { context, page, consoleErrors };
}

/** Signs in through the form and waits for the signed-in shell. */
export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('header.top').waitFor();
}

/** Switches the UI language with the switcher in the header (or on the sign-in page). */
export async function setLocale(page: Page, locale: Locale): Promise<void> {
  await page.locator('.lang select').first().selectOption(locale);
  // Runs in the page (no DOM types in the tests' compilation).
  await page.waitForFunction((l) => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang === l, locale);
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[]; readonly html: string }[];
}

/** Runs axe-core (WCAG 2.1 A/AA rules) on the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the portal's CSP (`script-src 'self'`, no
  // inline scripts) does not apply to: the page keeps its real policy while axe runs.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Where screenshots go (not committed). */
export function artifactsDir(): string {
  const dir = process.env['KONSORTIUM_ARTIFACTS'] ?? path.join(ROOT, '.artifacts', 'portal');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A full-page screenshot named `<screen>.<locale>.png`; returns its path. */
export async function screenshot(page: Page, screen: string, locale: Locale): Promise<string> {
  const file = path.join(artifactsDir(), `${screen}.${locale}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The assertions checkScreen needs (tap's Test, or an adapter of it). */
export interface Asserts {
  same(found: unknown, wanted: unknown, message?: string): void;
  equal(found: unknown, wanted: unknown, message?: string): void;
}

/**
 * The check every main screen gets, in each language: a screenshot, no serious or critical axe
 * violations, and no untranslated message ids on the page (react-intl shows the id when a
 * message is missing). `open` navigates to the screen and waits until it shows its data.
 */
export async function checkScreen(t: Test, page: Page, screen: string, open: () => Promise<void>): Promise<void>;
export async function checkScreen(t: Asserts, page: Page, screen: string, open: () => Promise<void>): Promise<void>;
export async function checkScreen(t: Test | Asserts, page: Page, screen: string, open: () => Promise<void>): Promise<void> {
  for (const locale of LOCALES) {
    await setLocale(page, locale);
    await open();
    await screenshot(page, screen, locale);
    const violations = await seriousViolations(page);
    const a = t as Asserts;
    a.same(violations, [], `${screen} (${locale}): no serious accessibility violations`);
    const text = await page.locator('body').innerText();
    const ids = text.match(/\b(?:app|nav|common|error|auth|home|cfa|data|voting|operator|auditor|progress|role)\.[a-zA-Z]+(?:\.[a-zA-Z]+)*\b/g) ?? [];
    a.same(ids, [], `${screen} (${locale}): every text is translated`);
  }
  await setLocale(page, 'en');
}
