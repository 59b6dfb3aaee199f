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
 *
 * Counting that costs nothing: a training step runs the same kernels on the same
 * shapes as the step before it, so `begin(phase, signature)` (the trainer passes
 * the batch's shapes) lets the counter log what each call added, and once two
 * counted steps of one signature logged exactly the same calls, later steps of it
 * only check each call's kernel name, phase and component against the log
 * (a few pointer compares) and return the logged counts. The first call that
 * differs, or a step with fewer calls, falls back to counting in full from there
 * on (the matching prefix is rebuilt from the log) and the signature is counted
 * afresh. With `trace` set, or no signature, every call is counted in full.
 */
import * as tf from '@tensorflow/tfjs';
import { registerMissingWasmKernels } from '../wasmKernels';
import { registerFusedKernels } from '../fused';
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

function emptyCounts(): FlopCounts {
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
  if (backendName === 'webgpu') registerFusedKernels();
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

/** What each call of a counted step added, in call order (flops -1: no formula). */
interface StepLog {
  names: string[];
  flops: number[];
  phases: CountPhase[];
  components: string[];
}

interface Recording {
  log: StepLog;
  counts: FlopCounts;
  /** Two counted steps of this signature logged the same calls: later ones replay it. */
  confirmed: boolean;
}

const newLog = (): StepLog => ({ names: [], flops: [], phases: [], components: [] });

function sameLog(a: StepLog, b: StepLog): boolean {
  const n = a.names.length;
  if (b.names.length !== n) return false;
  for (let i = 0; i < n; i++) {
    if (a.names[i] !== b.names[i] || a.flops[i] !== b.flops[i] || a.phases[i] !== b.phases[i] || a.components[i] !== b.components[i]) return false;
  }
  return true;
}

function cloneCounts(c: FlopCounts): FlopCounts {
  return {
    total: c.total,
    byKernel: { ...c.byKernel },
    byPhase: { ...c.byPhase },
    byComponent: { ...c.byComponent },
    uncounted: { ...c.uncounted },
    calls: { ...c.calls },
  };
}

/**
 * The shapes (and dtypes) of every tensor in `value` (a batch: tensors, arrays
 * and plain objects of them), as a short string: a step signature. Arrays of
 * plain numbers (token ids) add their length only.
 */
export function shapeSignature(value: unknown): string {
  if (value instanceof tf.Tensor) return `${value.dtype}[${(value.shape as number[]).join(',')}]`;
  if (Array.isArray(value)) return value.length > 0 && typeof value[0] !== 'object' ? `#${value.length}` : `(${value.map(shapeSignature).join(' ')})`;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return '';
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${k}:${shapeSignature(o[k])}`)
    .join(' ')}}`;
}

/** Distinct step signatures one counter remembers (oldest forgotten first). */
const MAX_RECORDINGS = 8;

export class FlopCounter {
  phase: CountPhase = 'forward';
  component = 'other';
  /** When set (before `begin`), each counted kernel call appends [kernel name, component]: lets measured kernel times be attributed. Always counts in full. */
  trace: [string, string][] | null = null;
  private counts = emptyCounts();
  /** The key of this step's signature (backend, phase, caller's signature); null: count in full, remember nothing. */
  private key: string | null = null;
  /** The recording being replayed; `pos` calls of it have matched so far. */
  private replaying: Recording | null = null;
  private pos = 0;
  /** The per-call log of a step counted in full under a signature. */
  private log: StepLog | null = null;
  private readonly recordings = new Map<string, Recording>();
  /** Steps replayed and steps counted in full under a signature, since this counter was made. */
  readonly stats = { replayed: 0, counted: 0, diverged: 0 };

  /**
   * Starts recording into fresh counts; kernels from now on are counted.
   * `signature` (e.g. `shapeSignature(batch)`) says the step runs the same kernels
   * on the same shapes as earlier steps with that signature: see the file's note.
   */
  begin(phase: CountPhase = 'forward', signature?: string): void {
    this.counts = emptyCounts();
    this.phase = phase;
    this.component = 'other';
    this.replaying = null;
    this.pos = 0;
    this.log = null;
    this.key = null;
    if (signature !== undefined) {
      this.key = `${tf.getBackend()}|${phase}|${signature}`;
      const rec = this.recordings.get(this.key);
      if (rec?.confirmed && this.trace === null) this.replaying = rec;
      else this.log = newLog();
    }
    sink.counter = this;
  }

  /** Stops recording and returns what was counted since `begin`. */
  end(): FlopCounts {
    if (sink.counter === this) sink.counter = null;
    const rec = this.replaying;
    if (rec !== null) {
      if (this.pos === rec.log.names.length) {
        this.replaying = null;
        this.stats.replayed++;
        return cloneCounts(rec.counts);
      }
      // Fewer calls than the recording: the matched prefix is what ran.
      this.diverge();
    }
    const key = this.key;
    const log = this.log;
    this.key = null;
    this.log = null;
    if (key !== null && log !== null) {
      this.stats.counted++;
      const prev = this.recordings.get(key);
      this.recordings.delete(key);
      this.recordings.set(key, { log, counts: cloneCounts(this.counts), confirmed: prev !== undefined && sameLog(prev.log, log) });
      if (this.recordings.size > MAX_RECORDINGS) this.recordings.delete(this.recordings.keys().next().value as string);
    }
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
    const rec = this.replaying;
    if (rec !== null) {
      const i = this.pos;
      const log = rec.log;
      if (log.names[i] === name && log.phases[i] === this.phase && log.components[i] === this.component) {
        this.pos = i + 1;
        return;
      }
      this.diverge();
    }
    this.trace?.push([name, this.component]);
    const inputs: Record<string, Shape> = {};
    for (const key in args.inputs) {
      const t = args.inputs[key];
      if (t) inputs[key] = t.shape;
    }
    const outputs = Array.isArray(out) ? out.map((t) => t.shape) : [out.shape];
    const flops = kernelFlops(name, { inputs, outputs, attrs: args.attrs ?? {} });
    this.add(name, flops ?? -1, this.phase, this.component);
  }

  /** Adds one call's FLOPs (-1: no formula) to the counts and to the step's log. */
  private add(name: string, flops: number, phase: CountPhase, component: string): void {
    const c = this.counts;
    c.calls[name] = (c.calls[name] ?? 0) + 1;
    const log = this.log;
    if (log !== null) {
      log.names.push(name);
      log.flops.push(flops);
      log.phases.push(phase);
      log.components.push(component);
    }
    if (flops < 0) {
      c.uncounted[name] = (c.uncounted[name] ?? 0) + 1;
      return;
    }
    c.total += flops;
    c.byKernel[name] = (c.byKernel[name] ?? 0) + flops;
    c.byPhase[phase] += flops;
    c.byComponent[component] = (c.byComponent[component] ?? 0) + flops;
  }

  /** Leaves replay: rebuilds the counts of the calls that matched, then counts in full; the signature is counted afresh. */
  private diverge(): void {
    const rec = this.replaying!;
    this.replaying = null;
    this.stats.diverged++;
    this.log = newLog();
    const { names, flops, phases, components } = rec.log;
    for (let i = 0; i < this.pos; i++) this.add(names[i], flops[i], phases[i], components[i]);
    if (this.key !== null) this.recordings.delete(this.key);
  }
}
