/**
 * Main-thread handle on the training worker (Comlink keeps the RPC typed).
 * The handle survives the worker: `restart()` terminates it and starts a fresh
 * one (a fresh tfjs and backend) behind the same `client`, which is how the
 * lab recovers from an aborted wasm runtime, an out-of-memory error or a lost
 * GPU device without a page reload.
 */
import * as Comlink from 'comlink';
import type { LabWorkerApi } from './protocol';

export type LabClient = Comlink.Remote<LabWorkerApi>;

export interface LabWorkerHandle {
  /** Always talks to the current worker. */
  client: LabClient;
  /** Replaces the worker; calls in flight on the old one never settle, so callers restart only after theirs failed. */
  restart(): void;
  /** How many times the worker was replaced. */
  readonly restarts: number;
}

function startWorker(): { worker: Worker; remote: LabClient } {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'floplab-trainer' });
  return { worker, remote: Comlink.wrap<LabWorkerApi>(worker) };
}

export function createLabWorker(): LabWorkerHandle {
  let current = startWorker();
  let restarts = 0;
  const client = new Proxy({} as LabClient, { get: (_target, prop) => (current.remote as unknown as Record<PropertyKey, unknown>)[prop] });
  return {
    client,
    restart() {
      current.worker.terminate();
      current = startWorker();
      restarts++;
    },
    get restarts() {
      return restarts;
    },
  };
}

/** Wraps a callback so the worker can call it across the boundary. */
export const remoteCallback = <T extends (...args: never[]) => unknown>(f: T): T => Comlink.proxy(f);
