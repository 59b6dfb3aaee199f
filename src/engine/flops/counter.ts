/**
 * Counts the FLOPs of every kernel that actually executes, by wrapping the
 * kernels registered for a backend (tf.getKernelsForBackend -> unregister ->
 * register a wrapper). The wrapper calls the original kernel, then, only while a
 * counter is recording, adds the kernel's formula (see formulas.ts) to the
 * current phase and component. It costs no GPU sync: shapes are known on the CPU.
 *
 * Phases: forward / backward / optimizer (set by the training step) and eval
 * (probes; kept apart from pre-training FLOPs). Components: `scope(name, f)`
 * marks forward kernels, and also tags the gradient-tape nodes recorded inside
 * `f`, so the backward kernels of those nodes land in the same component.
 */
import * as tf from '@tensorflow/tfjs';
import { registerMissingWasmKernels } from '../wasmKernels';
import { kernelFlops, type Shape } from './formulas';

export type CountPhase = 'forward' | 'backward' | 'optimizer' | 'eval';

export interface FlopCounts {
  total: number;
  byKernel: Record<string, number>;
  byPhase: Record<CountPhase, number>;
  byComponent: Record<string, number>;
  uncounted: Record<string, number>;
  calls: Record<string, number>;
}

export function emptyCounts(): FlopCounts {
  return {
    total: 0,
    byKernel: {},
    byPhase: { forward: 0, backward: 0, optimizer: 0, eval: 0 },
    byComponent: {},
    uncounted: {},
    calls: {},
  };
}

type TensorInfoLike = { shape: number[] };
type KernelArgs = { inputs: Record<string, TensorInfoLike>; attrs?: Record<string, unknown> };

/** The counter the installed wrappers report to; null when none is recording. */
const sink: { counter: FlopCounter | null } = { counter: null };
/** The original kernel configs of each hooked backend, to restore them. */
const originals = new Map<string, tf.KernelConfig[]>();

/** Wraps every kernel of `backendName` once; later calls are no-ops. */
export function installKernelHooks(backendName: string): void {
  if (originals.has(backendName)) return;
  // Kernels the lab supplies where a backend lacks them are wrapped (counted) too.
  if (backendName === 'wasm') registerMissingWasmKernels();
  const configs = tf.getKernelsForBackend(backendName);
  for (const config of configs) {
    const original = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: ((args: KernelArgs) => {
        const out = (original as (a: unknown) => TensorInfoLike | TensorInfoLike[])(args);
        const counter = sink.counter;
        if (counter !== null) counter.record(name, args, out);
        return out;
      }) as unknown as tf.KernelFunc,
    });
  }
  originals.set(backendName, configs);
}

/** Restores the unwrapped kernels: only the overhead benchmark needs this. */
export function uninstallKernelHooks(backendName: string): void {
  const configs = originals.get(backendName);
  if (!configs) return;
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
  originals.delete(backendName);
}

const TAGGED = Symbol('flopComponent');
type TapeNode = { gradient?: (dys: unknown[]) => unknown; [TAGGED]?: string };

function activeTape(): TapeNode[] | null {
  const state = (tf.engine() as unknown as { state: { activeTape: TapeNode[] | null } }).state;
  return state.activeTape;
}

export class FlopCounter {
  phase: CountPhase = 'forward';
  component = 'other';
  /** When set, each counted kernel call appends [kernel name, component]: lets measured kernel times be attributed. */
  trace: [string, string][] | null = null;
  private counts = emptyCounts();

  /** Starts recording into fresh counts; kernels from now on are counted. */
  begin(phase: CountPhase = 'forward'): void {
    this.counts = emptyCounts();
    this.phase = phase;
    this.component = 'other';
    sink.counter = this;
  }

  /** Stops recording and returns what was counted since `begin`. */
  end(): FlopCounts {
    if (sink.counter === this) sink.counter = null;
    return this.counts;
  }

  get recording(): boolean {
    return sink.counter === this;
  }

  /** Runs `f` with its kernels (and their gradients) attributed to `component`. */
  scope<T>(component: string, f: () => T): T {
    const previous = this.component;
    this.component = component;
    const tape = activeTape();
    const start = tape ? tape.length : 0;
    try {
      return f();
    } finally {
      this.component = previous;
      if (tape) for (let i = start; i < tape.length; i++) this.tagNode(tape[i], component);
    }
  }

  private tagNode(node: TapeNode, component: string): void {
    // Inner scopes tag first; an outer scope must not re-tag their nodes.
    if (node[TAGGED] !== undefined || !node.gradient) return;
    node[TAGGED] = component;
    const gradient = node.gradient;
    // The engine calls node.gradient and then, at once, the per-input thunks it
    // returns, so every backward kernel of this node runs while `component` is set.
    node.gradient = (dys) => {
      this.component = component;
      return gradient(dys);
    };
  }

  record(name: string, args: KernelArgs, out: TensorInfoLike | TensorInfoLike[]): void {
    const c = this.counts;
    c.calls[name] = (c.calls[name] ?? 0) + 1;
    this.trace?.push([name, this.component]);
    const inputs: Record<string, Shape> = {};
    for (const key in args.inputs) {
      const t = args.inputs[key];
      if (t) inputs[key] = t.shape;
    }
    const outputs = Array.isArray(out) ? out.map((t) => t.shape) : [out.shape];
    const flops = kernelFlops(name, { inputs, outputs, attrs: args.attrs ?? {} });
    if (flops === undefined) {
      c.uncounted[name] = (c.uncounted[name] ?? 0) + 1;
      return;
    }
    c.total += flops;
    c.byKernel[name] = (c.byKernel[name] ?? 0) + flops;
    c.byPhase[this.phase] += flops;
    c.byComponent[this.component] = (c.byComponent[this.component] ?? 0) + flops;
  }
}
