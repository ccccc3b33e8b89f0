/**
 * Component tests run in real Chromium: every `*.html` page in this folder is a small app that
 * mounts one component or exposes browser-side functions (crypto, form rules) on `window.harness`.
 * `npm run build:harness` builds them into web-portal/test/.harness-dist, which the tests serve.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const pages = readdirSync(here).filter((f) => f.endsWith('.html'));

export default defineConfig({
  root: here,
  plugins: [react()],
  // tap brings React 18 to the repository root; the portal's React 19 must be the only one bundled.
  resolve: { dedupe: ['react', 'react-dom'] },
  logLevel: 'warn',
  build: {
    outDir: path.join(here, '..', '.harness-dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 5000,
    rollupOptions: { input: Object.fromEntries(pages.map((p) => [p.replace(/\.html$/, ''), path.join(here, p)])) },
  },
});
