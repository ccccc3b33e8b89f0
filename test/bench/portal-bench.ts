/**
 * Web portal benchmark: how much JavaScript the first screen needs, and how fast it renders.
 *
 *   npm run bench:portal -- [--runs 10] [--json]
 *
 * - bundle_kb_gz: the initial JavaScript of web-portal/dist (the entry script and every module
 *   index.html preloads), gzip level 9, in KiB. Screens load as separate chunks on navigation and
 *   are not counted; their sizes are printed.
 * - first_render_ms: median over `--runs` cold loads (a new browser context each: empty cache)
 *   of the time from navigation start to the first animation frame after the sign-in form is in
 *   the DOM, in Debian's Chromium (headless) over loopback. Also measured with Chromium's network
 *   emulation of a fast mobile link (40 ms round trip, 10 Mbit/s down, 5 up): first_render_4g_ms.
 * - The peer, in the same run and browser: the same sign-in screen as a static HTML page with
 *   the same stylesheet and no JavaScript (what the browser alone needs to show that screen).
 *
 * Files are served from web-portal/dist by a static server in this process with gzip, as nginx
 * serves them in the portal image. Goal (issue): initial JS ≤ 250 KiB gz, first render ≤ 1.5 s.
 *
 * With --json the last line of stdout is
 * {"bundle_kb_gz","first_render_ms","first_render_4g_ms","peer_first_render_ms","peer_first_render_4g_ms"}.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DIST = path.join(ROOT, 'web-portal/dist');
const GOAL_KB = 250;
const GOAL_MS = 1500;
const log = (msg: string): void => void process.stderr.write(`[bench:portal] ${msg}\n`);

const TYPES: Readonly<Record<string, string>> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

/** The initial JavaScript: index.html's module script and its modulepreload links. */
export function initialScripts(indexHtml: string): string[] {
  const out = new Set<string>();
  for (const m of indexHtml.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g)) out.add(m[1]!);
  for (const m of indexHtml.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)) out.add(m[1]!);
  return [...out];
}

const gzKb = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length / 1024;

/** The sign-in screen without JavaScript: the peer page, with the same stylesheet. */
function peerPage(indexHtml: string): string {
  const css = [...indexHtml.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => `<link rel="stylesheet" href="${m[1]}">`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">${css}<title>Konsortium</title></head>
<body><div id="root"><main id="main" class="signin"><div class="signin-top"><span class="lang"><label for="l">Language</label><select id="l"><option>English</option><option>Русский</option><option>中文</option></select></span></div>
<h1>Sign in to Konsortium</h1><p class="lead">Digital financial assets, encrypted data exchange and voting on the consortium ledger.</p>
<form aria-label="Sign in to Konsortium"><div class="field"><label for="e">E-mail</label><input id="e" name="email" type="email"></div><div class="field"><label for="p">Password</label><input id="p" name="password" type="password"></div><button type="submit" class="primary">Sign in</button></form></main></div></body></html>`;
}

function serve(peerHtml: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/peer.html') {
      res.writeHead(200, { 'content-type': TYPES['.html']!, 'content-encoding': 'gzip', 'cache-control': 'no-cache' });
      res.end(gzipSync(peerHtml));
      return;
    }
    let file = path.join(DIST, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile()) file = path.join(DIST, 'index.html');
    const immutable = url.pathname.startsWith('/assets/');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-encoding': 'gzip',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(gzipSync(readFileSync(file), { level: 6 }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** ms from navigation start to the frame after `selector` appears, in a fresh context. */
async function firstRender(browser: Browser, url: string, selector: string, throttle: boolean): Promise<number> {
  const context = await browser.newContext({ locale: 'en' });
  try {
    const page = await context.newPage();
    if (throttle) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 40, downloadThroughput: (10e6 / 8) | 0, uploadThroughput: (5e6 / 8) | 0 });
    }
    // Installed before any of the page's scripts: polls each frame until the screen is there.
    await page.addInitScript((sel: string) => {
      const g = globalThis as unknown as { __rendered?: Promise<number>; document: { querySelector(s: string): unknown }; requestAnimationFrame(f: () => void): void; performance: { now(): number } };
      g.__rendered = new Promise<number>((resolve) => {
        const tick = () => (g.document.querySelector(sel) === null ? g.requestAnimationFrame(tick) : g.requestAnimationFrame(() => resolve(g.performance.now())));
        g.requestAnimationFrame(tick);
      });
    }, selector);
    await page.goto(url, { waitUntil: 'commit' });
    return await page.evaluate(() => (globalThis as unknown as { __rendered: Promise<number> }).__rendered);
  } finally {
    await context.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error('--runs must be 1..100');
  const indexFile = path.join(DIST, 'index.html');
  if (!existsSync(indexFile)) throw new Error('web-portal/dist is missing: `npm run build` builds it');
  const indexHtml = readFileSync(indexFile, 'utf8');

  const initial = initialScripts(indexHtml);
  const bundleKb = initial.reduce((sum, src) => sum + gzKb(path.join(DIST, src)), 0);
  log(`initial JS: ${initial.join(', ')} = ${bundleKb.toFixed(1)} KiB gz (goal ≤ ${GOAL_KB})`);
  const chunks = readdirSync(path.join(DIST, 'assets')).filter((f) => f.endsWith('.js') && !initial.includes(`/assets/${f}`));
  for (const c of chunks.sort()) log(`  on demand: ${c} ${gzKb(path.join(DIST, 'assets', c)).toFixed(1)} KiB gz`);

  const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: sudo apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const server = await serve(peerPage(indexHtml));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // One warm-up load each (Chromium's own first-start costs are not the page's).
    await firstRender(browser, `${base}/`, 'main.signin form', false);
    await firstRender(browser, `${base}/peer.html`, 'main.signin form', false);
    const measure = async (url: string, throttle: boolean): Promise<number> => {
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) xs.push(await firstRender(browser, url, 'main.signin form', throttle));
      return median(xs);
    };
    const app = await measure(`${base}/`, false);
    const peer = await measure(`${base}/peer.html`, false);
    const app4g = await measure(`${base}/`, true);
    const peer4g = await measure(`${base}/peer.html`, true);
    log(`first render (median of ${runs} cold loads): portal ${app.toFixed(0)} ms, static peer ${peer.toFixed(0)} ms (goal ≤ ${GOAL_MS})`);
    log(`with 40 ms RTT, 10 Mbit/s: portal ${app4g.toFixed(0)} ms, static peer ${peer4g.toFixed(0)} ms`);
    const result = {
      bundle_kb_gz: Number(bundleKb.toFixed(1)),
      first_render_ms: Math.round(app),
      first_render_4g_ms: Math.round(app4g),
      peer_first_render_ms: Math.round(peer),
      peer_first_render_4g_ms: Math.round(peer4g),
    };
    if (values.json) console.log(JSON.stringify(result));
    else console.log(result);
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
