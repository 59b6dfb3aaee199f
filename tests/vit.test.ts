import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlopCounter } from '../src/engine/flops/counter';
import { setWasmFusedOps, WASM_FUSED_OPS } from '../src/engine/fused/enabled';
import { Rng } from '../src/engine/rng';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { vitFlops } from '../src/models/vitFlops';
import { sinCos2d } from '../src/models/posembed';
import { MODEL_PRESETS } from '../src/models/presets';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const tiny: VitConfig = { ...MODEL_PRESETS.tiny };

function images(b: number, size: number, seed = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: b * size * size * 3 }, () => rng.normal()),
    [b, size, size, 3],
  );
}

/** Counted FLOPs of forward + backward of sum(features) w.r.t. all encoder variables. */
function countedFwdBwd(cfg: VitConfig, batch: number) {
  const enc = new VitEncoder(cfg, new Rng(0));
  const x = images(batch, cfg.imageSize);
  const counter = new FlopCounter();
  counter.begin('forward');
  const { value, grads } = tf.variableGrads(() => {
    const f = enc.features(x);
    counter.phase = 'backward';
    return f.mean() as tf.Scalar;
  }, enc.variables);
  const counts = counter.end();
  tf.dispose([value, grads, x]);
  enc.dispose();
  return counts;
}

describe('ViT encoder', () => {
  it('produces tokens [B, N+1, D] with a class token and features [B, D]', () => {
    const enc = new VitEncoder(tiny, new Rng(0));
    const x = images(3, 16);
    const tokens = enc.tokens(x);
    expect(tokens.shape).toEqual([3, 17, 32]);
    const f = enc.features(x);
    expect(f.shape).toEqual([3, 32]);
    expect(enc.patchify(x).shape).toEqual([3, 16, 48]);
    tf.dispose([tokens, f, x]);
    enc.dispose();
  });

  it('mean pooling drops the class token', () => {
    const enc = new VitEncoder({ ...tiny, pool: 'mean' }, new Rng(0));
    const x = images(2, 16);
    const t = enc.tokens(x);
    expect(t.shape).toEqual([2, 16, 32]);
    tf.dispose([t, x]);
    enc.dispose();
  });

  it('patchify keeps (row, col, channel) order inside a patch', () => {
    const enc = new VitEncoder(tiny, new Rng(0));
    const x = tf.tensor4d(
      Float32Array.from({ length: 16 * 16 * 3 }, (_, i) => i),
      [1, 16, 16, 3],
    );
    const p = enc.patchify(x).arraySync()[0];
    // patch 1 = rows 0..3, cols 4..7; its pixel (q=1, r=2) channel c is at index (1*4+2)*3+c
    const pixel = (row: number, col: number, c: number) => (row * 16 + col) * 3 + c;
    expect(p[1][(1 * 4 + 2) * 3 + 2]).toBe(pixel(1, 6, 2));
    expect(p[4][0]).toBe(pixel(4, 0, 0));
    x.dispose();
    enc.dispose();
  });

  it('sin-cos position embedding matches its closed form', () => {
    const pe = sinCos2d(4, 8); // quarter = 2: omegas 1, 1/100
    const at = (row: number, col: number, i: number) => pe[(row * 4 + col) * 8 + i];
    expect(at(2, 3, 0)).toBeCloseTo(Math.sin(3), 6); // column, omega 1
    expect(at(2, 3, 1)).toBeCloseTo(Math.sin(3 / 100), 6);
    expect(at(2, 3, 2)).toBeCloseTo(Math.cos(3), 6);
    expect(at(2, 3, 4)).toBeCloseTo(Math.sin(2), 6); // row half
    expect(at(2, 3, 7)).toBeCloseTo(Math.cos(2 / 100), 6);
  });

  it('every trainable variable gets a finite, non-zero gradient', () => {
    const enc = new VitEncoder(tiny, new Rng(0));
    const x = images(4, 16);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(enc.features(x))) as tf.Scalar, enc.variables);
    for (const v of enc.variables) {
      const g = grads[v.name];
      expect(g, v.name).toBeDefined();
      expect(g.shape).toEqual(v.shape);
      const data = g.dataSync();
      expect(data.every(Number.isFinite), v.name).toBe(true);
      expect(
        data.some((d) => d !== 0),
        `${v.name} gradient is all zero`,
      ).toBe(true);
    }
    tf.dispose([value, grads, x]);
    enc.dispose();
  });

  it('parameter count matches the analytic formula, and toy-L / toy-B is about 3.5x like ViT-L / ViT-B', () => {
    for (const cfg of [tiny, { ...MODEL_PRESETS['toy-B'] }]) {
      const enc = new VitEncoder(cfg, new Rng(0));
      const counted = enc.variables.reduce((s, v) => s + v.size, 0);
      expect(counted).toBe(vitFlops(cfg, 1).params);
      enc.dispose();
    }
    const ratio = vitFlops({ ...MODEL_PRESETS['toy-L'] }, 1).params / vitFlops({ ...MODEL_PRESETS['toy-B'] }, 1).params;
    expect(ratio).toBeGreaterThan(3.2);
    expect(ratio).toBeLessThan(3.8);
  });

  for (const [name, cfg, batch] of [
    ['tiny', tiny, 8],
    ['toy-B', { ...MODEL_PRESETS['toy-B'] }, 4],
    ['mean-pooled 64-d', { imageSize: 32, patchSize: 8, dim: 64, depth: 2, heads: 4, mlpDim: 256, pool: 'mean' as const }, 2],
  ] as const) {
    it(`counted FLOPs equal the analytic formula: forward exactly, forward+backward within 2% (${name})`, () => {
      const analytic = vitFlops(cfg, batch);
      const enc = new VitEncoder(cfg, new Rng(0));
      const x = images(batch, cfg.imageSize);
      const counter = new FlopCounter();
      counter.begin('forward');
      tf.tidy(() => enc.features(x));
      const forwardOnly = counter.end();
      tf.dispose(x);
      enc.dispose();
      expect(forwardOnly.total).toBe(analytic.forward);

      const counts = countedFwdBwd(cfg, batch);
      expect(Math.abs(counts.total - analytic.total) / analytic.total).toBeLessThan(0.02);
      // Matmuls exactly: forward once, backward twice; the fused kernel also carries the bias adds.
      const n = (cfg.imageSize / cfg.patchSize) ** 2;
      const t = n + (cfg.pool === 'cls' ? 1 : 0);
      const biasAdds = batch * (n * cfg.dim + cfg.depth * (5 * t * cfg.dim + t * cfg.mlpDim));
      expect(counts.byKernel._FusedMatMul + counts.byKernel.BatchMatMul - biasAdds).toBe(3 * analytic.forwardMatmul);
    });
  }
});

describe('paper scale', () => {
  it('vit-b16: the forward FLOPs per image counted from the kernels equal the analytic formula, about 35 GFLOPs (17.6 GMACs)', async () => {
    const { useWasmBackend } = await import('../tooling/tfjsBackends');
    await useWasmBackend(); // ViT-B at 224 px: wasm is several times faster than tfjs-cpu here
    // The formula models the composed LayerNorm (2 FLOPs per row); wasm's fused one counts its kernel's 4.
    setWasmFusedOps(WASM_FUSED_OPS.filter((op) => op !== 'layerNorm'));
    try {
      const cfg: VitConfig = { ...MODEL_PRESETS['vit-b16'] };
      const analytic = vitFlops(cfg, 1);
      expect(Math.abs(analytic.forward / 35.2e9 - 1)).toBeLessThan(0.02);
      expect(Math.abs(analytic.params / 86e6 - 1)).toBeLessThan(0.01);
      const enc = new VitEncoder(cfg, new Rng(0));
      const x = images(1, 224);
      const counter = new FlopCounter();
      counter.begin('forward');
      const f = enc.features(x);
      const counts = counter.end();
      expect(counts.total).toBe(analytic.forward);
      tf.dispose([f, x]);
      enc.dispose();
    } finally {
      setWasmFusedOps(WASM_FUSED_OPS);
      await useCpuBackend();
    }
  }, 120_000);
});
