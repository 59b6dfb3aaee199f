/**
 * A second Web Worker beside the training worker (the probe worker, the batch worker), behind
 * Comlink: a worker that dies answers no call, so its error event rejects whatever waits on it
 * (`call`), and nothing hangs. The caller makes the Worker itself: Vite bundles a worker only
 * from a literal `new Worker(new URL('./file.ts', import.meta.url))`.
 */
import * as Comlink from 'comlink';

export interface SideWorker<T> {
  remote: Comlink.Remote<T>;
  /** `p`, or the worker's death, whichever comes first. */
  call<R>(p: Promise<R>): Promise<R>;
}

export function sideWorker<T>(worker: Worker, what: string): SideWorker<T> {
  const remote = Comlink.wrap<T>(worker);
  const died = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (e) => reject(new Error(`the ${what} stopped: ${e.message || 'an error with no message'}`)), { once: true }),
  );
  died.catch(() => undefined);
  return { remote, call: (p) => Promise.race([p, died]) };
}

/** The logical cores the page reports (1 where there is no navigator, as in Node): what the side workers' 'auto' rules read. */
export function logicalCores(): number {
  return typeof navigator === 'undefined' ? 1 : (navigator.hardwareConcurrency ?? 1);
}
