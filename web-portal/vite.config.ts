/**
 * Vite build of the portal into web-portal/dist, which the control plane serves (and nginx in
 * the portal image). Feature screens are separate chunks loaded on navigation, so the first
 * render needs only the shell; `npm run bench:portal` measures both.
 *
 * In development (`npm run dev --workspace web-portal`) API and node-gateway calls go to a
 * running control plane (KONSORTIUM_API, default http://127.0.0.1:8700).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.KONSORTIUM_API ?? 'http://127.0.0.1:8700';

export default defineConfig({
  plugins: [react()],
  // tap brings React 18 to the repository root; the portal's React 19 must be the only one bundled.
  resolve: { dedupe: ['react', 'react-dom'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The shell stays small; the protocol's crypto suites are large and load with the screens that sign.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/v1': api,
      '/ledger': api,
      '/.well-known': api,
    },
  },
});
