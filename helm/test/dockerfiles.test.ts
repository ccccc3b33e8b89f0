/**
 * The Dockerfiles cannot be built here (no Docker engine), so what can go stale in them is
 * checked against the sources: every script an image or the chart runs (`node <pkg>/dist/X.js`)
 * is compiled from a real `<pkg>/src/X.ts`; every `npm run S [--workspace W]` names a script
 * of the root or of W; the workspaces copied into an image cover everything its entry package
 * imports from the workspace; the final stage runs as uid 10001.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { REPO_ROOT } from '../../test/lib/k8s.js';
import { render, workloads } from './helm.js';

interface Pkg {
  name: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  workspaces?: string[];
}

const readPkg = (dir: string): Pkg => JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as Pkg;
const root = readPkg('.');
const workspaceDirs = root.workspaces ?? [];
const dirOfName = new Map(workspaceDirs.map((d) => [readPkg(d).name, d]));

const IMAGES = [
  { dockerfile: 'control-plane/Dockerfile', workspace: 'control-plane' },
  { dockerfile: 'operator/Dockerfile', workspace: 'operator' },
  { dockerfile: 'data-plane/node/Dockerfile', workspace: 'data-plane/node' },
  { dockerfile: 'web-portal/Dockerfile', workspace: 'web-portal' },
];

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): { op: string; rest: string }[] {
  const out: { op: string; rest: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    const heredoc = /<<'?(\w+)'?/.exec(line);
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (heredoc) {
      // The here-document's body and terminator are content, not instructions.
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== heredoc[1]) i++;
      i++;
    }
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (m) out.push({ op: m[1]!, rest: m[2]! });
  }
  return out;
}

/** `<pkg>/dist/a/b.js` → `<pkg>/src/a/b.ts` (every workspace compiles src/ to dist/). */
function sourceOf(script: string): string {
  const m = /^(.+)\/dist\/(.+)\.js$/.exec(script);
  if (!m) throw new Error(`${script} is not a <package>/dist/…js path`);
  return `${m[1]}/src/${m[2]}.ts`;
}

function checkScript(t: Test, script: string, where: string): void {
  const src = sourceOf(script);
  t.ok(existsSync(path.join(REPO_ROOT, src)), `${where}: ${script} is built from ${src}`);
}

/** The workspace closure of a package: itself and every @konsortium dependency, transitively. */
function closure(dir: string, seen = new Set<string>()): Set<string> {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  for (const dep of Object.keys(readPkg(dir).dependencies ?? {})) {
    const d = dirOfName.get(dep);
    if (d !== undefined) closure(d, seen);
  }
  return seen;
}

t.test('.dockerignore keeps build output and local state out of the context', async (t) => {
  const lines = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const p of ['node_modules', 'dist', '.tap', '.konsortium', 'coverage']) {
    t.ok(lines.some((l) => l === p || l === `**/${p}`), `ignores ${p}`);
  }
});

for (const image of IMAGES) {
  t.test(image.dockerfile, async (t) => {
    const file = path.join(REPO_ROOT, image.dockerfile);
    t.ok(existsSync(file), 'exists');
    const ins = instructions(readFileSync(file, 'utf8'));
    const froms = ins.filter((i) => i.op === 'FROM');
    t.ok(froms.length >= 2, 'multi-stage');
    t.ok(ins.some((i) => i.op === 'ARG' && i.rest === 'NODE_IMAGE=node:20-bookworm-slim'), 'built on node:20-bookworm-slim');
    const lastFrom = ins.lastIndexOf(froms[froms.length - 1]!);
    const users = ins.slice(lastFrom).filter((i) => i.op === 'USER');
    t.same(users.map((u) => u.rest), ['10001:10001'], 'the final stage runs as uid/gid 10001');

    const runs = ins.filter((i) => i.op === 'RUN').map((i) => i.rest);
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r));
    const build = runs.findIndex((r) => /\bnpm run build\b/.test(r));
    t.ok(ci >= 0 && build > ci, 'npm ci, then npm run build');

    const calls = runs.flatMap((r) => [...r.matchAll(/\bnpm run ([\w:.-]+)((?:\s+--?[\w-]+(?:[ =](?!-)\S+)?)*)/g)]);
    t.ok(calls.length > 0, 'runs npm scripts');
    for (const c of calls) {
      const ws = /(?:--workspace|-w)[ =](\S+)/.exec(c[2] ?? '')?.[1];
      const dir = ws === undefined ? '.' : (dirOfName.get(ws) ?? ws);
      if (!existsSync(path.join(REPO_ROOT, dir, 'package.json'))) {
        t.skip(`npm run ${c[1]} --workspace ${ws}: ${dir}/package.json does not exist yet (the package is not built yet; checked once it exists)`, () => undefined);
        continue;
      }
      t.ok(ws === undefined || workspaceDirs.includes(dir), `${dir} is a workspace of the root package.json`);
      t.ok(readPkg(dir).scripts?.[c[1]!] !== undefined, `npm run ${c[1]}${ws ? ` --workspace ${ws}` : ''}: a script of ${dir}/package.json`);
    }

    if (image.workspace === 'web-portal') {
      t.ok(ins.some((i) => i.op === 'COPY' && /--from=build \/app\/web-portal\/dist /.test(i.rest)), 'serves web-portal/dist');
      t.ok(ins.some((i) => i.op === 'EXPOSE' && i.rest === '8080'), 'on 8080');
      return;
    }

    // The entry point: exec form, node <script>, compiled from a real source.
    const exec = ins.filter((i) => i.op === 'ENTRYPOINT' || i.op === 'CMD').map((i) => JSON.parse(i.rest) as string[]);
    const scripts = exec.flat().filter((a) => a.endsWith('.js'));
    t.equal(scripts.length, 1, `one entry script (${scripts.join(', ')})`);
    for (const s of scripts) {
      checkScript(t, s, 'entry point');
      t.ok(s.startsWith(`${image.workspace}/dist/`), `${s} belongs to ${image.workspace}`);
      const bins = Object.values(readPkg(image.workspace).bin ?? {}).map((b) => path.posix.join(image.workspace, b));
      if (bins.length > 0) t.ok(bins.includes(s), `${s} is a bin of ${image.workspace}/package.json`);
    }

    // Production dependencies of the right workspace, and every workspace it imports copied in.
    t.ok(runs.some((r) => r.includes('--omit=dev') && r.includes(`--workspace ${image.workspace}`)), `production dependencies of ${image.workspace} only`);
    const copied = new Set(workspaceDirs.filter((d) => runs.some((r) => r.includes('/out') && new RegExp(`(^|[\\s"/])${d.replace('/', '\\/')}([\\s"/;]|$)`).test(r))));
    for (const d of closure(image.workspace)) t.ok(copied.has(d), `copies ${d} (package.json and dist) into the image`);
  });
}

t.test('every script the chart runs is compiled from a real source', { timeout: 60_000 }, async (t) => {
  const { objects } = await render();
  const scripts = new Set<string>();
  for (const w of workloads(objects)) {
    for (const c of [...w.pod.containers, ...(w.pod.initContainers ?? [])]) {
      const argv = [...(c.command ?? []), ...(c.args ?? [])];
      if (argv[0] === 'node' && argv[1]?.endsWith('.js')) scripts.add(argv[1]);
    }
  }
  // worker-main.ts and migrate.ts are being written alongside the chart: checked all the same.
  t.same([...scripts].sort(), ['control-plane/dist/main.js', 'control-plane/dist/migrate.js', 'control-plane/dist/worker-main.js', 'operator/dist/main.js']);
  for (const s of scripts) checkScript(t, s, 'chart');
});
