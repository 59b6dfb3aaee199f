/**
 * Serves the built app (`vite preview`) and opens it in headless Chromium with
 * WebGPU, for the scripts that drive `window.floplab` (bench, compare, screenshot).
 */
import { spawn } from 'node:child_process';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../tooling/chromium';

async function waitForServer(url: string, exited: () => number | null): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (exited() !== null) throw new Error(`the preview server for ${url} exited with code ${exited()} (is the port taken?)`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`preview server did not start at ${url} (run \`npx vite build\` first)`);
}

/** Where a run's probes go, as the probe scripts name it: on a second worker, in the training thread, or none. */
export const PROBE_PLACES = ['worker', 'thread', 'none'] as const;
export type ProbePlace = (typeof PROBE_PLACES)[number];

/** The `probe` part of a config that puts a run's probes at `place`. */
export const probeConfigFor = (place: ProbePlace) =>
  place === 'none' ? { kind: 'none' as const } : { offThread: place === 'worker' ? ('on' as const) : ('off' as const) };

export async function withLabPage<T>(port: number, f: (page: Page, url: string) => Promise<T>, viewport = { width: 1280, height: 900 }): Promise<T> {
  // Its own process group, so that closing it also ends the vite process npx starts (killing npx alone leaves the port held).
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
  let exitCode: number | null = null;
  server.on('exit', (code) => (exitCode = code ?? -1));
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForServer(url, () => exitCode);
    const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport });
      await page.goto(url);
      await page.waitForFunction(() => Boolean(window.floplab));
      return await f(page, url);
    } finally {
      await browser.close();
    }
  } finally {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
