/**
 * The memory estimate (src/train/memoryEstimate.ts) and the check that refuses a run that
 * cannot fit, held to real models and to tfjs's own accounting on the cpu backend.
 *
 * Measured (cpu backend, one training step, probe off), estimate / peak:
 *
 * | config              | vs tf.profile peakBytes | vs buffers really held |
 * |---------------------|-------------------------|------------------------|
 * | supervised toy-B 16 | 0.62                    | 1.13                   |
 * | mae toy-B 16        | 0.73                    | 1.18                   |
 * | dino toy-B 16       | 0.58                    | 1.07                   |
 * | simclr tiny 8       | 0.63                    | 1.17                   |
 * | byol tiny 8         | 0.59                    | 1.12                   |
 * | clip tiny 8         | 0.64                    | 1.11                   |
 *
 * `peakBytes` counts every tensor handle (tfjs's `numBytes` adds a tensor's size when it is
 * tracked, so the clones the tape saves and reshapes count again): it overstates the memory.
 * "Buffers really held" counts each backend buffer once (the cpu backend's write/disposeData,
 * tracked below), which is what a heap ceiling limits; the estimate is meant to sit a little
 * above it.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../src/lib/bytes';
import { Rng } from '../src/engine/rng';
import { memoryLimits } from '../src/engine/memoryLimits';
import { METHOD_IDS, CATALOG } from '../src/methods/catalog';
import { MODEL_PRESETS } from '../src/models/presets';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { defaultConfig, type ExperimentInput } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { estimateMemory, memoryParts, withoutProbe } from '../src/train/memoryEstimate';
import { staticMemoryLimits, WASM_HEAP_BYTES, type MemoryLimits } from '../src/train/memoryCeilings';
import { checkMemoryFits } from '../src/train/memoryFit';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const sizeOf = (vars: tf.Variable[]) => vars.reduce((sum, v) => sum + v.size, 0);

/** WebGPU's default limits (the spec's minimums an adapter must offer). */
const WEBGPU_DEFAULTS: MemoryLimits = { backend: 'webgpu', maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
const LIMITS: MemoryLimits[] = [staticMemoryLimits('wasm'), staticMemoryLimits('cpu'), WEBGPU_DEFAULTS];

/** The config the issue reported: it validates, then aborts the wasm runtime. */
const ISSUE: ExperimentInput = { model: { imageSize: 512, patchSize: 4, dim: 2048, depth: 48, heads: 32, mlpDim: 8192 }, batchSize: 4096, backend: 'wasm' };

describe('parameters', () => {
  it('counts the encoder exactly', () => {
    const models: VitConfig[] = [...Object.values(MODEL_PRESETS), { imageSize: 24, patchSize: 4, dim: 20, depth: 2, heads: 5, mlpDim: 36, pool: 'mean' }];
    for (const model of models) {
      const encoder = new VitEncoder(model, new Rng(0));
      expect(estimateMemory(defaultConfig({ model })).encoderParams).toBe(sizeOf(encoder.variables));
      encoder.dispose();
    }
  });

  it("counts each method's trainable and frozen weights (supervised's head sized for 100 classes)", async () => {
    for (const method of METHOD_IDS) {
      const config = defaultConfig({ method, model: 'tiny', batchSize: 4, backend: 'cpu', dataset: { size: 64 }, probe: { kind: 'none' } });
      const trainer = await createTrainer(config);
      const trainable = sizeOf(trainer.state.trainable);
      const frozen = sizeOf(trainer.state.teacher?.variables ?? []);
      const e = estimateMemory(config);
      if (method === 'supervised') {
        const d = config.model.dim;
        expect(e.trainableParams - trainable).toBe((d + 1) * (100 - trainer.dataset.numClasses));
      } else expect(e.trainableParams, method).toBe(trainable);
      expect(e.frozenParams, method).toBe(frozen);
      trainer.dispose();
    }
  });
});

describe('passes', () => {
  it('follows what each method runs', () => {
    const model = MODEL_PRESETS['toy-B'];
    const passes = (id: keyof typeof CATALOG, options = {}) => {
      const spec = CATALOG[id];
      return spec.encoderPasses!(spec.options.parse(options) as never, model).map((p) => ({
        size: p.imageSize,
        count: p.count,
        grad: p.grad,
        blocks: Boolean(p.blocks),
      }));
    };
    const full = { size: 32, blocks: false };
    expect(passes('supervised')).toEqual([{ ...full, count: 1, grad: true }]);
    expect(passes('simclr')).toEqual([{ ...full, count: 2, grad: true }]);
    expect(passes('byol')).toEqual([
      { ...full, count: 2, grad: true },
      { ...full, count: 2, grad: false },
    ]);
    expect(passes('dino', { localCrops: 4 })).toEqual([
      { ...full, count: 2, grad: true },
      { size: 16, count: 4, grad: true, blocks: false },
      { ...full, count: 2, grad: false },
    ]);
    expect(passes('dino', { localCrops: 0 })).toHaveLength(2);
    expect(passes('mae')).toEqual([
      { ...full, count: 1, grad: true },
      { size: 32, count: 1, grad: true, blocks: true },
    ]);
    expect(CATALOG.mae.encoderPasses!(CATALOG.mae.options.parse({ maskRatio: 0.75 }), model)[0].tokenFraction).toBe(4 / 16);
    expect(passes('clip')).toEqual([
      { ...full, count: 1, grad: true },
      { size: 32, count: 1, grad: true, blocks: true },
    ]);
  });

  it('grows with the batch, the views and the image', () => {
    const at = (o: ExperimentInput) => estimateMemory(defaultConfig(o));
    expect(at({ batchSize: 64 }).activationsBytes).toBeCloseTo(2 * at({ batchSize: 32 }).activationsBytes, -3);
    expect(at({ method: 'simclr' }).activationsBytes).toBeGreaterThan(1.9 * at({}).activationsBytes);
    expect(at({ method: 'dino', methodOptions: { localCrops: 6 } }).activationsBytes).toBeGreaterThan(at({ method: 'dino' }).activationsBytes);
    expect(at({ method: 'mae', methodOptions: { maskRatio: 0.5 } }).activationsBytes).toBeGreaterThan(
      at({ method: 'mae', methodOptions: { maskRatio: 0.85 } }).activationsBytes,
    );
  });
});

describe('checkMemoryFits', () => {
  it('lets the default experiment (toy-B) run everywhere, for every method', () => {
    for (const method of METHOD_IDS) {
      const e = estimateMemory(defaultConfig({ method }));
      expect(e.totalBytes).toBeLessThan(256 * 2 ** 20);
      for (const limits of LIMITS) expect(checkMemoryFits(e, limits), `${method} on ${limits.backend}`).toBeNull();
    }
  });

  it("refuses the issue's config on wasm, naming the model (its weights and AdamW state alone pass the ceiling) and both numbers", () => {
    const e = estimateMemory(defaultConfig(ISSUE));
    expect(e.paramsBytes + e.adamBytes).toBeGreaterThan(WASM_HEAP_BYTES); // 2.4 G weights: no batch can fit
    const refusal = checkMemoryFits(e, staticMemoryLimits('wasm'));
    expect(refusal?.field).toBe('model');
    expect(refusal?.message).toContain(`needs about ${formatBytes(e.totalBytes)}`);
    expect(refusal?.message).toContain("the wasm heap's 4 GiB");
    expect(refusal?.message).toContain('activations for batch 4096');
    expect(refusal?.message).toMatch(/choose a smaller model$/);
    // A limits object without heapBytes gets the backend's ceiling (what memoryLimits returns for wasm).
    expect(checkMemoryFits(e, { backend: 'wasm' })).toEqual(refusal);
  });

  it('names batchSize, with a batch that fits, when the batch dominates', () => {
    const config = defaultConfig({ ...ISSUE, model: 'small-B', method: 'simclr', batchSize: 2048 });
    const e = estimateMemory(config);
    const refusal = checkMemoryFits(e, staticMemoryLimits('wasm'));
    expect(refusal?.field).toBe('batchSize');
    const about = Number(/about (\d+) would fit/.exec(refusal!.message)?.[1]);
    expect(refusal?.message).toContain(`batchSize: this run needs about ${formatBytes(e.totalBytes)} (`);
    expect(refusal?.message).toContain(`activations for batch 2048 x 2 passes ${formatBytes(e.activationsBytes)}`);
    expect(refusal?.message).toContain(`), more than the wasm heap's 4 GiB; lower batchSize (about ${about} would fit)`);
    expect(checkMemoryFits(estimateMemory({ ...config, batchSize: about }), staticMemoryLimits('wasm'))).toBeNull();
    expect(checkMemoryFits(estimateMemory({ ...config, batchSize: about + 1 }), staticMemoryLimits('wasm'))).not.toBeNull();
  });

  it("holds WebGPU's largest tensor to the device's buffer limits (no total is known)", () => {
    const e = estimateMemory(defaultConfig({ model: 'small-B', batchSize: 1024 }));
    expect(e.largestTensorBytes).toBeGreaterThan(128 * 2 ** 20);
    const refusal = checkMemoryFits(e, WEBGPU_DEFAULTS);
    expect(refusal?.field).toBe('batchSize');
    expect(refusal?.message).toContain(
      `${e.largestTensor}, needs ${formatBytes(e.largestTensorBytes)}, more than this GPU's maxStorageBufferBindingSize of 128 MiB`,
    );
    expect(checkMemoryFits(e, { backend: 'webgpu' })).toBeNull();
    expect(checkMemoryFits(e, { backend: 'webgpu', maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 32 })).toBeNull();
  });

  it('lists every part of the total in its message, and the parts add up to the total', () => {
    const configs: ExperimentInput[] = [ISSUE, { model: 'vit-b16', batchSize: 1 }, { method: 'dino', model: 'small-B', batchSize: 512 }, { method: 'mae' }];
    for (const input of configs) {
      const e = estimateMemory(defaultConfig(input));
      const parts = memoryParts(e);
      expect(parts.reduce((a, p) => a + p.bytes, 0)).toBeCloseTo(e.totalBytes, -1);
      const refusal = checkMemoryFits(e, staticMemoryLimits('wasm'));
      if (refusal) for (const p of parts) expect(refusal.message).toContain(`${p.what} ${formatBytes(p.bytes)}`);
    }
  });

  it("prices a profile, benchmark or comparison without the probe it never runs: the paper's ViT-B/16 at batch 1 fits wasm", () => {
    const e = estimateMemory(defaultConfig({ model: 'vit-b16', batchSize: 1 }));
    // With the default probe's 1,500 images at 224 px the run is refused, naming them among its parts ...
    expect(checkMemoryFits(e, staticMemoryLimits('wasm'))?.message).toContain("the probe's held-out images");
    // ... while the step alone (what profileStep runs) fits, on wasm and on cpu.
    const step = estimateMemory(withoutProbe(defaultConfig({ model: 'vit-b16', batchSize: 1 })));
    expect(step.probeBytes).toBe(0);
    expect(checkMemoryFits(step, staticMemoryLimits('wasm'))).toBeNull();
    expect(checkMemoryFits(step, staticMemoryLimits('cpu'))).toBeNull();
  });

  it('names the probe when its held-out images are the biggest piece', () => {
    const e = estimateMemory(
      defaultConfig({
        model: { imageSize: 256, patchSize: 32, dim: 32, depth: 1, heads: 1, mlpDim: 32 },
        batchSize: 1,
        probe: { trainSize: 100_000, testSize: 1000 },
      }),
    );
    expect(checkMemoryFits(e, staticMemoryLimits('wasm'))?.field).toBe('probe.trainSize');
  });

  it('reads no limits from the cpu backend beyond its static ceiling', () => {
    expect(memoryLimits({ name: 'cpu', reason: 'test', isSoftware: false, timestampQuery: false })).toEqual({ backend: 'cpu' });
    expect(memoryLimits({ name: 'wasm', reason: 'test', isSoftware: false, timestampQuery: false })).toEqual({ backend: 'wasm' });
  });
});

it('formats bytes in binary units', () => {
  expect(formatBytes(512)).toBe('512 B');
  expect(formatBytes(1.1 * 2 ** 20)).toBe('1.1 MiB');
  expect(formatBytes(45 * 2 ** 20)).toBe('45 MiB');
  expect(formatBytes(37.2 * 2 ** 30)).toBe('37.2 GiB');
  expect(formatBytes(WASM_HEAP_BYTES)).toBe('4 GiB');
});

/** Peak bytes of the cpu backend's buffers, each counted once, while `f` runs. */
async function bufferPeak(f: () => Promise<void>): Promise<number> {
  type Backend = { write: (...a: unknown[]) => object; disposeData: (id: object, force?: boolean) => boolean; data: { has(id: object): boolean } };
  const backend = tf.backend() as unknown as Backend;
  const { write, disposeData } = backend;
  const sizes = new Map<object, number>();
  let live = tf.memory().numBytes; // before: weights and moments, no aliases among them
  let peak = live;
  backend.write = function (this: Backend, ...a: unknown[]) {
    const id = write.apply(this, a);
    const [, shape, dtype] = a as [unknown, number[], string];
    const bytes = dtype === 'string' ? 0 : shape.reduce((x, y) => x * y, 1) * (dtype === 'bool' ? 1 : 4);
    sizes.set(id, bytes);
    live += bytes;
    peak = Math.max(peak, live);
    return id;
  };
  backend.disposeData = function (this: Backend, id: object, force?: boolean) {
    const r = disposeData.call(this, id, force);
    if (sizes.has(id) && !backend.data.has(id)) {
      live -= sizes.get(id)!;
      sizes.delete(id);
    }
    return r;
  };
  try {
    await f();
  } finally {
    Object.assign(backend, { write, disposeData });
  }
  return peak;
}

describe('against tfjs on the cpu backend (one training step)', () => {
  const cases: [string, 'tiny' | 'toy-B', number][] = [
    ['supervised', 'toy-B', 16],
    ['mae', 'toy-B', 16],
    ['dino', 'toy-B', 16],
    ['simclr', 'tiny', 8],
    ['byol', 'tiny', 8],
    ['clip', 'tiny', 8],
  ];
  it.each(cases)('%s %s batch %i: within 0.5-4x of peakBytes, 1-1.5x of the buffers held', async (method, model, batchSize) => {
    const config = defaultConfig({ method, model, batchSize, backend: 'cpu', dataset: { size: 256 }, probe: { kind: 'none' } });
    const estimate = estimateMemory(config).totalBytes;
    const trainer = await createTrainer(config);
    let profiled = 0;
    const held = await bufferPeak(async () => {
      profiled = (await tf.profile(() => trainer.step(0).loss.dispose())).peakBytes;
    });
    trainer.dispose();
    expect(profiled).toBeGreaterThan(0);
    expect(estimate / profiled).toBeGreaterThan(0.5);
    expect(estimate / profiled).toBeLessThan(4);
    expect(estimate / held).toBeGreaterThan(1);
    expect(estimate / held).toBeLessThan(1.5);
  });
});
