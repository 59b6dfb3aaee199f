import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// COOP/COEP make the page cross-origin isolated: performance.now() then has
// microsecond resolution for step timing, and SharedArrayBuffer stays available.
// The app loads nothing from other origins, so the headers cost nothing.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Offline after one visit (talk mode: conference networks fail). A generated
 * Workbox service worker precaches every built file: the page, its CSS, the JS
 * chunks, the training worker and its chunks, tfjs-backend-wasm's .wasm files,
 * the icon and the manifest. Precached responses are stored with the headers
 * they were served with, so an offline page still gets COOP/COEP and stays
 * cross-origin isolated (e2e/offline.spec.ts checks it). Only in the build:
 * the dev server registers no service worker.
 */
const offline = VitePWA({
  registerType: 'autoUpdate', // a new build takes over at once, no prompt mid-talk
  injectRegister: 'script', // a same-origin /registerSW.js, so main.tsx needs no PWA code
  includeAssets: ['favicon.svg'],
  manifest: {
    name: 'FLOP Lab',
    short_name: 'FLOP Lab',
    description: 'Trains toy Vision Transformers in the browser with six pre-training methods and counts their FLOPs.',
    start_url: '/',
    display: 'standalone',
    background_color: '#0b1120',
    theme_color: '#0f172a',
    // A local SVG: the manifest points at nothing outside this origin.
    icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
  },
  workbox: {
    globPatterns: ['**/*.{html,js,mjs,css,wasm,svg,webmanifest}'],
    // tfjs chunks are over a megabyte each; Workbox's 2 MiB default would fail the build on a bigger one.
    maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
    // The app routes by hash (#config=, #demo=): every navigation is index.html.
    navigateFallback: 'index.html',
    cleanupOutdatedCaches: true,
    // Control the page of the first visit at once, so that visit alone prepares the offline talk.
    skipWaiting: true,
    clientsClaim: true,
  },
  devOptions: { enabled: false },
});

export default defineConfig({
  plugins: [react(), offline],
  worker: { format: 'es' },
  server: { headers: isolation },
  // Scan the training and probe workers too: its imports (tfjs and its backends) are otherwise found only
  // when the page first starts it, and the dev server then re-bundles and reloads the page mid-load.
  optimizeDeps: { entries: ['index.html', 'src/worker/worker.ts', 'src/worker/probeWorker.ts'] },
  preview: { headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
