/**
 * Reference learning curves (issue 18, item 2), the export: what scripts/reference-curves/train.py
 * needs to train an independent PyTorch BYOL / DINO on EXACTLY the lab's data, taken from the lab's
 * own code for a resolved config:
 *
 *   manifest.json    the resolved config, the method's probe readout, every variable's initial value
 *                    (encoder, heads, target / teacher copies; the parity export's packed format,
 *                    scripts/parity/export.ts), DINO's initial centre, per step the lr, EMA momentum
 *                    and (DINO) teacher temperature the lab uses and the sha256 digest of the float32
 *                    batch (tooling/parity.ts batchDigest), the probe steps, the probe labels;
 *   views.f16        every step's augmented views as the Trainer uploads them (Trainer.makeBatch, the
 *                    BatchMaker of src/data/methodBatch.ts), float16 little-endian, step-major then
 *                    view by view, each [B, S, S, 3] (DINO: 2 globals, then the local crops);
 *   probe_train.f32, probe_test.f32
 *                    the kNN probe's images exactly as src/train/trainer.ts buildProbeSets makes them
 *                    for this config (float32, [N, S, S, 3]); labels in the manifest.
 *
 * The files are large (a default BYOL run: ~100 MB of views) and go to a temporary folder
 * (bench-results/ by default, which git ignores). Nothing is trained here: views are seeded per
 * (step, image, view), so a fresh Trainer of the same config makes the batches a run trains on.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveConfig, type ExperimentConfig } from '../src/train/config';
import { buildProbeSets, createTrainer } from '../src/train/trainer';
import { cosineRamp } from '../src/engine/schedule';
import { dinoTeacherTemp } from '../src/methods/dino/method';
import { methodSpec, type ByolOptions, type DinoOptions } from '../src/methods/catalog';
import { batchDigest, namedVariables, paramName, weightsDigest } from './parity';

export const REFERENCE_METHODS = ['byol', 'dino'] as const;
type ReferenceMethod = (typeof REFERENCE_METHODS)[number];

/** Probes per run: the lab probes after every evalEvery steps and after the last one; ceil keeps it at exactly 4. */
const PROBES_PER_RUN = 4;
export const evalEveryFor = (steps: number): number => Math.max(1, Math.ceil(steps / PROBES_PER_RUN));

/** The steps (1-based, after that many training steps) at which the lab's runner probes: src/train/runner.ts's rule. */
export function probeSteps(config: ExperimentConfig): number[] {
  if (config.probe.kind === 'none') return [];
  const out: number[] = [];
  for (let step = 0; step < config.steps; step++) if ((step + 1) % config.evalEvery === 0 || step === config.steps - 1) out.push(step + 1);
  return out;
}

// ------------------------------------------------------------------ float16
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even (subnormals, overflow to inf, NaN kept). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is the right result
  return sign | h;
}

/** IEEE half bits -> number. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

function toHalf(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toHalfBits(data[i]);
  return out;
}

// ------------------------------------------------------------------ export
interface Packed {
  shape: number[];
  dtype: 'float32';
  b64: string;
}

const packTensor = (t: tf.Tensor): Packed => {
  const data = t.dataSync() as Float32Array;
  return { shape: [...t.shape], dtype: 'float32', b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
};

const bytes = (a: Float32Array | Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

interface ViewLayout {
  /** [B, S, S, 3] */
  shape: number[];
  size: number;
}

interface StepInfo {
  step: number;
  lr: number;
  /** EMA momentum of the target / teacher update after this step. */
  momentum: number;
  /** DINO: teacher temperature of this step. */
  teacherTemp?: number;
  /** sha256 (16 hex) of the step's float32 batch (tooling/parity.ts batchDigest). */
  batchDigest: string;
}

export interface Manifest {
  format: 'floplab-reference-curve-export';
  version: 1;
  method: ReferenceMethod;
  config: ExperimentConfig;
  /** Classes of the pre-training dataset (sizes nothing in BYOL / DINO; for the record). */
  numClasses: number;
  readout: 'cls' | 'patch-mean';
  weightsDigest: string;
  weights: Record<string, Packed>;
  buffers: Record<string, Packed>;
  views: { file: string; dtype: 'float16'; layout: ViewLayout[]; elementsPerStep: number };
  steps: StepInfo[];
  probe: {
    kind: string;
    k: number;
    numClasses: number;
    /** After this many training steps (the runner's probe points). */
    steps: number[];
    train: { file: string; dtype: 'float32'; shape: number[]; labels: number[] };
    test: { file: string; dtype: 'float32'; shape: number[]; labels: number[] };
  };
}

/**
 * Writes the export of `config` (a BYOL or DINO run) to `dir`; returns the manifest. `onStep` sees
 * every step's float32 views as the lab made them (the test compares them with what the trainer feeds).
 */
export async function exportReference(input: ExperimentConfig, dir: string, onStep?: (step: number, views: Float32Array[]) => void): Promise<Manifest> {
  const config = resolveConfig(input);
  const method = config.method as ReferenceMethod;
  if (!(REFERENCE_METHODS as readonly string[]).includes(method)) throw new Error(`reference curves: ${method} is not one of ${REFERENCE_METHODS.join(', ')}`);
  if (config.probe.kind !== 'knn') throw new Error(`reference curves: train.py scores the kNN probe; this config's probe is '${config.probe.kind}'`);
  mkdirSync(dir, { recursive: true });
  const trainer = await createTrainer(config);
  try {
    const weights: Record<string, Packed> = {};
    for (const [name, v] of namedVariables(trainer)) weights[name] = packTensor(v);
    const buffers = Object.fromEntries((trainer.state.buffers ?? []).map((v) => [paramName(v), packTensor(v)]));
    const opts = config.methodOptions as ByolOptions | DinoOptions;
    const steps: StepInfo[] = [];
    let layout: ViewLayout[] = [];
    const viewsFile = 'views.f16';
    const fd = openSync(join(dir, viewsFile), 'w');
    try {
      for (let s = 0; s < config.steps; s++) {
        const batch = trainer.makeBatch(s);
        try {
          const views = batch.views ?? [];
          if (views.length === 0) throw new Error(`${method}: the batch has no views`);
          if (s === 0) layout = views.map((v) => ({ shape: [...v.shape], size: v.shape[1] }));
          const data = views.map((v) => v.dataSync() as Float32Array);
          onStep?.(s, data);
          for (const d of data) writeSync(fd, bytes(toHalf(d)));
          const info: StepInfo = { step: s, lr: trainer.lrAt(s), momentum: cosineRamp(s, config.steps, opts.baseMomentum, 1), batchDigest: batchDigest(batch) };
          if (method === 'dino') info.teacherTemp = dinoTeacherTemp(opts as DinoOptions, s, config.steps);
          steps.push(info);
        } finally {
          tf.dispose(batch as unknown as tf.TensorContainer);
        }
      }
    } finally {
      closeSync(fd);
    }
    const sets = buildProbeSets(config, trainer.dataset);
    const probeFile = (name: string, images: tf.Tensor4D, labels: Int32Array) => {
      const file = `probe_${name}.f32`;
      writeFileSync(join(dir, file), bytes(images.dataSync() as Float32Array));
      return { file, dtype: 'float32' as const, shape: [...images.shape], labels: Array.from(labels) };
    };
    let probe: Manifest['probe'];
    try {
      probe = {
        kind: config.probe.kind,
        k: config.probe.k,
        numClasses: sets.numClasses,
        steps: probeSteps(config),
        train: probeFile('train', sets.train.images, sets.train.labels),
        test: probeFile('test', sets.test.images, sets.test.labels),
      };
    } finally {
      sets.train.images.dispose();
      sets.test.images.dispose();
    }
    const manifest: Manifest = {
      format: 'floplab-reference-curve-export',
      version: 1,
      method,
      config,
      numClasses: trainer.dataset.numClasses,
      readout: methodSpec(method)?.readout ?? 'cls',
      weightsDigest: weightsDigest(trainer),
      weights,
      buffers,
      views: { file: viewsFile, dtype: 'float16', layout, elementsPerStep: layout.reduce((n, l) => n + l.shape.reduce((a, b) => a * b, 1), 0) },
      steps,
      probe,
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return manifest;
  } finally {
    trainer.dispose();
  }
}
