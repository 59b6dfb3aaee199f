/**
 * Browser-only backend loaders. The wasm binaries are bundled by Vite as assets
 * of this origin (`?url` imports), so the lab makes no request to any CDN.
 *
 * wasm runs its threaded SIMD build when the page is cross-origin isolated
 * (COOP/COEP, vite.config.ts), else, or when the threads fail to start, the
 * SIMD build; `wasmThreads()` says which and why (docs/wasm.md).
 */
import type { BackendLoaders } from '../engine/backend';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
// The Emscripten glue of the threaded build, as tfjs-backend-wasm imports it (the same module
// instance once bundled), and its source text as published.
import * as threadedGlue from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedGlueSource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

/** The wasm build in use: its XNNPACK thread count, and why threads are off when they are. */
interface WasmThreads {
  threads: number;
  /** Why the single-threaded SIMD build runs instead of the threaded one. */
  fallback?: string;
  /** Why this many threads (with the threaded build). */
  why?: string;
}

let status: WasmThreads | null = null;

/** A line for BackendInfo.reason. */
export function wasmThreadsNote(): string {
  if (!status) return 'wasm build unknown';
  return status.fallback
    ? `SIMD build, 1 thread (threads off: ${status.fallback})`
    : `threaded SIMD build, ${status.threads} thread${status.threads === 1 ? '' : 's'}${status.why ? ` (${status.why})` : ''}`;
}

/**
 * XNNPACK's thread count: tfjs's default, hardwareConcurrency / 2 within 1..8 (logical cores
 * counted as hyper-threads; 4 on an 8-thread laptop, 1 on a 2-core machine), unless a build
 * pins one: `VITE_WASM_THREADS=2 npx vite build` (`=simd`: the SIMD build, to compare). On the shared 2-core machine of this project
 * 2 threads ran slower than 1 (docs/wasm.md), so the default stays.
 */
function pinnedThreads(): number | null {
  const pinned = Number(import.meta.env.VITE_WASM_THREADS);
  return Number.isInteger(pinned) && pinned > 0 ? Math.min(pinned, 8) : null;
}

/**
 * Why the pthreads crashed once bundled ("e is not defined"): tfjs-backend-wasm starts each
 * pthread worker on a blob made of `wasmFactoryThreadedSimd.toString()`, the source of the
 * Emscripten factory function. That function reads `_scriptDir`, a variable of the closure
 * around it (`typeof _scriptDir !== "undefined" && _scriptDir`); the bundler's minifier renames
 * it (`e`) and, the variable being declared in scope, drops the `typeof` guard. In the worker
 * the closure is gone, so `e` is not defined. The fix hands tfjs the published glue source
 * instead (`?raw`, unminified), wrapped so that it evaluates to the same factory: the worker
 * then defines its own `_scriptDir`. tfjs reads only `toString()` of it; the factory itself
 * still runs the bundled code.
 */
function patchThreadedGlue(): void {
  const glue: unknown = (threadedGlue as { default?: unknown }).default ?? threadedGlue;
  if (typeof glue !== 'function') throw new Error("the threaded build's glue exports no factory function");
  const factory = glue as unknown as { patched?: boolean };
  if (factory.patched) return;
  const source = `(function () {\n${threadedGlueSource}\nreturn WasmBackendModuleThreadedSimd;\n})()`;
  Object.defineProperty(factory, 'toString', { value: () => source });
  factory.patched = true;
}

/** Rejects after `ms` (a pthread that never reports "loaded" would hang the backend's init). */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms))]);

let loading: Promise<void> | null = null;

async function loadWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const tf = await import('@tensorflow/tfjs');
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
  });
  const simdOnly = (why: string) => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    status = { threads: 1, fallback: why };
  };
  if (import.meta.env.VITE_WASM_THREADS === 'simd') return simdOnly('VITE_WASM_THREADS=simd in this build');
  if (!globalThis.crossOriginIsolated) return simdOnly('the page is not cross-origin isolated (COOP/COEP headers missing), so no SharedArrayBuffer');
  if (!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) return simdOnly('this browser has no WebAssembly threads');
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return simdOnly('this browser has no WebAssembly SIMD');
  try {
    patchThreadedGlue();
  } catch (e) {
    return simdOnly((e as Error).message);
  }
  const pinned = pinnedThreads();
  const cores = navigator.hardwareConcurrency;
  const why =
    pinned !== null
      ? `pinned by VITE_WASM_THREADS=${pinned} in this build`
      : `tfjs's default, half of ${cores} logical cores; more threads ran no faster on a busy 2-core machine, docs/wasm.md`;
  if (pinned !== null) {
    wasm.setThreadsCount(pinned);
    // tfjs-wasm caps the count at hardwareConcurrency / 2 (init_with_threads_count in backend.cc;
    // its worker pool holds 8), reading hardwareConcurrency once, as the module starts: this
    // worker reports twice the pinned count for that moment.
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * pinned, configurable: true });
  }
  // Start it here, where a failure can still fall back: initBackend then finds it ready. A
  // failed start leaves tfjs's factory registered, so initBackend's setBackend('wasm') retries
  // it with multithreading off (a hung one is superseded: tfjs drops its outdated result).
  let onError: ((e: ErrorEvent) => void) | null = null;
  try {
    // A pthread that fails to start surfaces here as an error event (Emscripten rethrows it).
    const crashed = new Promise<never>((_, reject) => {
      onError = (e: ErrorEvent) => reject(new Error(`a pthread failed to start: ${(e.error as { message?: string } | null)?.message ?? e.message}`));
      self.addEventListener('error', onError);
    });
    if (await within(Promise.race([tf.setBackend('wasm'), crashed]), 30_000, 'starting the threaded wasm build')) {
      status = { threads: wasm.getThreadsCount(), why };
      return;
    }
    simdOnly('the threaded build failed to initialise (see the console)');
  } catch (e) {
    simdOnly((e as Error).message ?? String(e));
  } finally {
    if (onError) self.removeEventListener('error', onError);
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency; // the prototype's getter again
  }
}

export const browserLoaders: BackendLoaders = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  wasm: () => (loading ??= loadWasm()),
};
