/**
 * Smoke test of `npm run bench:portal`: it finds the initial scripts of the built portal, loads
 * the sign-in screen and its static peer in Chromium, and prints the figures as one JSON line.
 * (Correctness only: the figures themselves are recorded in docs/BENCHMARKS.md, not asserted.)
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { initialScripts } from '../bench/portal-bench.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

t.test('initial scripts are the entry module and its preloads, nothing else', async (t) => {
  const html = `<script type="module" crossorigin src="/assets/index-a.js"></script>
<link rel="modulepreload" crossorigin href="/assets/vendor-b.js"><link rel="stylesheet" href="/assets/x.css">
<script src="/not-a-module.js"></script>`;
  t.same(initialScripts(html), ['/assets/index-a.js', '/assets/vendor-b.js']);
});

t.test('the benchmark runs against the built portal and prints its figures', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'test/dist/bench/portal-bench.js'), '--runs', '1', '--json'], { cwd: ROOT, timeout: 120_000 });
  const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  t.same(Object.keys(last).sort(), ['bundle_kb_gz', 'first_render_4g_ms', 'first_render_ms', 'peer_first_render_4g_ms', 'peer_first_render_ms']);
  for (const [k, v] of Object.entries(last)) t.ok(Number.isFinite(v) && v > 0, `${k} is a positive number (${v})`);
});
