/**
 * Steady-state step timing for the benchmark script (scripts/bench.ts): warm-up
 * steps first (GPU pipelines compile then), then `steps` timed steps with one
 * readback at the end. Besides ms/step it reports the kernel calls and counted
 * FLOPs of a step (from the FLOP counter; 0 when its hooks are off), the peak of
 * tf.memory() over the timed steps, the wasm thread count, and the sizes the
 * PyTorch mirror (scripts/bench_torch.py) needs to build the same model.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from './config';
import { createTrainer, type Trainer } from './trainer';
import { median } from '../lib/stats';
import type { BatchFeed } from './batchFeed';
import type { BatchNeeds } from '../data/methodBatch';
import { maeDecoderConfig, type MaeDecoderConfig } from '../models/maeDecoderShape';
import { textTowerSize, type TextTower } from '../models/textSizes';
import { VOCAB } from '../data/tokenize';
import type { VitConfig } from '../models/vit';

export interface BenchOptions {
  steps: number;
  warmup: number;
  /** After the timed steps, five more under `tf.profile`: each kernel's median time a step (`kernelTimes`). */
  profile?: boolean;
}

/** One kernel's share of a profiled step: its calls and their summed time (ms). */
export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/** What scripts/bench_torch.py builds: the lab's model, batch, optimiser and method sizes, all resolved. */
export interface TorchMirrorSpec {
  method: string;
  model: VitConfig;
  batchSize: number;
  numClasses: number;
  /** The method's options, defaults filled in. */
  methodOptions: Record<string, unknown>;
  optim: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; clipNorm: number };
  /** Side (px) of each augmented view the method takes per image, in order (none: the raw images). */
  viewSizes: number[];
  /** The schedule length (EMA momentum ramps and DINO's teacher temperature read it). */
  steps: number;
  /** MAE's decoder. */
  decoder?: MaeDecoderConfig;
  /** CLIP's caption tower. */
  text?: TextTower & { vocabSize: number; maxLen: number };
  /** Trainable parameters of the lab's step (the mirror's count is checked against it). */
  params?: number;
}

export interface BenchResult {
  /** Mean ms of the timed steps (one sync at the end). */
  msPerStep: number;
  flopsPerStep: number;
  /** Of msPerStep, about how much the JS batch maker takes (images, augmented views, upload), timed alone after the steps. */
  batchMsPerStep: number;
  /**
   * Mean ms of the same number of steps on two batches made before timing, alternated: the work
   * the PyTorch mirror times (scripts/bench_torch.py makes its batches before its clock starts).
   */
  readyMsPerStep: number;
  /** Of the timed steps, how many took their batch from a batch worker (engine.batchWorker) rather than making it. */
  fedSteps: number;
  /** Kernel calls of one step, from the FLOP counter's `calls` (0 with the hooks off). */
  kernelsPerStep: number;
  steps: number;
  /** Peak of tf.memory().numBytes after each timed step (tensors alive: weights, optimiser state, activations). */
  peakBytes: number;
  /** Peak of tf.memory().numBytesInGPU (WebGPU only). */
  peakBytesInGPU?: number;
  /**
   * The backend's high-water mark, activations included: WebGPU's numBytesAllocatedInGPU
   * (buffers in use plus the pool tfjs keeps for reuse), or the size of the wasm heap (it
   * grows to the largest need and never shrinks). Absent on cpu.
   */
  highWaterBytes?: number;
  /** Threads the wasm backend runs on (1 without multithreading); absent on other backends. */
  threads?: number;
  /** With `profile`: the kernels' median ms a step, longest first, and the median profiled step's wall time (ms). */
  kernelTimes?: KernelTime[];
  profiledStepMs?: number;
  mirror: TorchMirrorSpec;
}

/** Profiled steps: a kernel's time is the median of its per-step totals (one step alone moved by 2x under a VM's noise). */
const PROFILED_STEPS = 5;

/**
 * PROFILED_STEPS steps under `tf.profile` (on one batch made before them): each kernel's calls
 * per step and the median of its per-step time, longest first, and the median step's wall time.
 * Where the page runs the lab, so the figures are the page's engine's, not Node's.
 */
async function profileSteps(trainer: Trainer, step: number): Promise<{ kernelTimes: KernelTime[]; profiledStepMs: number }> {
  const batch = trainer.makeBatch(step);
  const walls: number[] = [];
  const perKernel = new Map<string, { ms: number[]; calls: number }>();
  try {
    for (let s = 0; s < PROFILED_STEPS; s++) {
      const t0 = performance.now();
      const info = await tf.profile(async () => {
        const { loss } = trainer.stepOn(step + s, batch);
        await loss.data();
        loss.dispose();
      });
      walls.push(performance.now() - t0);
      const thisStep = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        const ms = await k.kernelTimeMs; // a promise on WebGPU
        const row = thisStep.get(k.name) ?? { ms: 0, calls: 0 };
        row.ms += typeof ms === 'number' ? ms : 0;
        row.calls++;
        thisStep.set(k.name, row);
      }
      for (const [name, { ms, calls }] of thisStep) {
        const row = perKernel.get(name) ?? { ms: [], calls };
        row.ms.push(ms);
        perKernel.set(name, row);
      }
    }
  } finally {
    tf.dispose(batch as unknown as tf.TensorContainer);
  }
  const kernelTimes = [...perKernel].map(([kernel, { ms, calls }]) => ({ kernel, ms: median(ms), calls }));
  return { kernelTimes: kernelTimes.sort((a, b) => b.ms - a.ms), profiledStepMs: median(walls) };
}

/** The sum of a FlopCounts `calls` record: kernel calls in one step. */
export function kernelCalls(calls: Record<string, number>): number {
  let n = 0;
  for (const k in calls) n += calls[k];
  return n;
}

/** The PyTorch mirror's description of a trainer's model, batch, optimiser and method. */
export function mirrorSpec(config: ExperimentConfig, numClasses: number, viewSizes: number[]): TorchMirrorSpec {
  const o = config.optim;
  const opts = config.methodOptions;
  const spec: TorchMirrorSpec = {
    method: config.method,
    model: { ...config.model },
    batchSize: config.batchSize,
    numClasses,
    methodOptions: { ...opts },
    optim: { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, clipNorm: o.clipNorm },
    viewSizes,
    steps: config.steps,
  };
  if (config.method === 'mae') spec.decoder = maeDecoderConfig(config.model, (opts.decoder as 'standard' | 'tiny') ?? 'standard');
  if (config.method === 'clip') {
    const tower = textTowerSize((opts.textSize as 'mini' | 'medium') ?? 'mini', config.model);
    spec.text = { ...tower, vocabSize: VOCAB.length, maxLen: Number(opts.maxLen ?? 16) };
  }
  return spec;
}

function trainerMirror(trainer: Trainer): TorchMirrorSpec {
  const { config } = trainer;
  const views = trainer.method.requires(config.methodOptions, config.model).views.map((v) => v.size);
  const params = trainer.state.trainable.reduce((n, v) => n + v.size, 0);
  return { ...mirrorSpec(config, trainer.dataset.numClasses, views), params };
}

/** Threads of the running wasm backend (1 when the build is single-threaded); undefined off wasm. */
async function wasmThreads(): Promise<number | undefined> {
  if (tf.getBackend() !== 'wasm') return undefined;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    return wasm.getThreadsCount();
  } catch {
    return 1;
  }
}

/** WebGPU's allocated buffer bytes, or the wasm heap's size; undefined on cpu. */
function backendHighWater(m: { numBytesAllocatedInGPU?: number }): number | undefined {
  if (m.numBytesAllocatedInGPU !== undefined) return m.numBytesAllocatedInGPU;
  if (tf.getBackend() !== 'wasm') return undefined;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.buffer.byteLength : undefined;
}

/** Mean ms of `opts.steps` steps on two batches made before the clock starts, alternated (one sync at the end). */
async function stepsOnReadyBatches(trainer: Trainer, opts: BenchOptions): Promise<number> {
  const ready = [trainer.makeBatch(opts.warmup), trainer.makeBatch(opts.warmup + 1)];
  try {
    const t0 = performance.now();
    for (let s = opts.warmup; s < opts.warmup + opts.steps; s++) {
      const { loss } = trainer.stepOn(s, ready[s % 2]);
      if (s === opts.warmup + opts.steps - 1) await loss.data();
      loss.dispose();
    }
    return (performance.now() - t0) / opts.steps;
  } finally {
    tf.dispose(ready as unknown as tf.TensorContainer);
  }
}

/**
 * Times `opts.steps` steps of `config` after `opts.warmup`, their batches made by the trainer, or
 * by `batchFeed` where given (the page's batch worker, as its runs do); then the batch maker alone,
 * then the steps on batches made before timing.
 */
export async function benchSteps(config: ExperimentConfig, opts: BenchOptions, batchFeed?: (needs: BatchNeeds) => BatchFeed | undefined): Promise<BenchResult> {
  const trainer = await createTrainer(config);
  const feed = batchFeed?.(trainer.batchNeeds);
  // Steady state: the batch worker's start (loading its module, building the data source) is not a step's.
  await feed?.started;
  let fedSteps = 0;
  let peakBytes = 0;
  let peakGpu: number | undefined;
  let highWater: number | undefined;
  const sample = () => {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
    peakBytes = Math.max(peakBytes, m.numBytes);
    if (m.numBytesInGPU !== undefined) peakGpu = Math.max(peakGpu ?? 0, m.numBytesInGPU);
    const heap = backendHighWater(m);
    if (heap !== undefined) highWater = Math.max(highWater ?? 0, heap);
  };
  try {
    const run = async (from: number, n: number) => {
      let flops = 0;
      let kernels = 0;
      for (let s = from; s < from + n; s++) {
        const host = feed ? await feed.take(s) : null;
        if (host && s >= opts.warmup) fedSteps++;
        const { loss, counts } = trainer.step(s, host);
        flops = counts.total;
        kernels = kernelCalls(counts.calls);
        // tf.memory() is bookkeeping on the CPU: no sync, so the timing is unchanged.
        sample();
        if (s === from + n - 1) await loss.data(); // one sync: every queued kernel has finished
        loss.dispose();
      }
      return { flops, kernels };
    };
    await run(0, opts.warmup);
    peakBytes = 0;
    peakGpu = undefined;
    highWater = undefined;
    const t0 = performance.now();
    const { flops, kernels } = await run(opts.warmup, opts.steps);
    const msPerStep = (performance.now() - t0) / opts.steps;
    feed?.close();
    // The batch maker alone (the PyTorch mirror makes its data before timing): same steps, batches freed at once.
    const t1 = performance.now();
    for (let s = opts.warmup; s < opts.warmup + opts.steps; s++) tf.dispose(trainer.makeBatch(s) as unknown as tf.TensorContainer);
    const batchMsPerStep = (performance.now() - t1) / opts.steps;
    const readyMsPerStep = await stepsOnReadyBatches(trainer, opts);
    const profiled = opts.profile ? await profileSteps(trainer, opts.warmup + opts.steps) : {};
    return {
      ...profiled,
      msPerStep,
      batchMsPerStep,
      readyMsPerStep,
      fedSteps,
      flopsPerStep: flops,
      kernelsPerStep: kernels,
      steps: opts.steps,
      peakBytes,
      ...(peakGpu !== undefined ? { peakBytesInGPU: peakGpu } : {}),
      ...(highWater !== undefined ? { highWaterBytes: highWater } : {}),
      ...(await wasmThreads().then((t) => (t === undefined ? {} : { threads: t }))),
      mirror: trainerMirror(trainer),
    };
  } finally {
    feed?.close();
    trainer.dispose();
  }
}
