/**
 * Finds a system Chromium: test tools cannot download browsers here. Set
 * CHROMIUM_PATH to override; otherwise the usual Debian/Ubuntu paths are tried.
 */
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];

export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      'No Chromium found for the browser tests. Install one (Debian/Ubuntu: `sudo apt-get update && sudo apt-get install -y chromium`) ' +
        `or set CHROMIUM_PATH to a Chromium/Chrome binary. Looked in: ${CANDIDATES.join(', ')}`,
    );
  return found;
}

/** Flags: real (software) WebGPU without a GPU, and no background network traffic. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-webgpu-developer-features',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // e.g. the hardware-WebGPU flags of a GPU machine (docs/reproduce.md); space-separated.
  ...(process.env.CHROMIUM_EXTRA_ARGS ?? '').split(' ').filter(Boolean),
];
