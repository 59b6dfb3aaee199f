/** Main-thread handle on the training worker (Comlink keeps the RPC typed). */
import * as Comlink from 'comlink';
import type { LabWorkerApi } from './protocol';

export type LabClient = Comlink.Remote<LabWorkerApi>;

export function createLabClient(): LabClient {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'floplab-trainer' });
  return Comlink.wrap<LabWorkerApi>(worker);
}

/** Wraps a callback so the worker can call it across the boundary. */
export const remoteCallback = <T extends (...args: never[]) => unknown>(f: T): T => Comlink.proxy(f);
