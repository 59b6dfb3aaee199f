import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { FlopCounter } from '../src/engine/flops/counter';
import { AdamW, withDecayRule } from '../src/engine/optimizer';
import { Rng } from '../src/engine/rng';
import { SceneDataset } from '../src/data/dataset';
import { keptRowIndex, mae, maeReconstruct, randomMasking, type MaeState } from '../src/methods/mae/method';
import { defaultOptions, lenKeep, type MaeOptions } from '../src/methods/catalog';
import { resolveConfig } from '../src/train/config';
import { maeLoss, patchify } from '../src/methods/mae/loss';
import { maeDecoderConfig, maeDecoderFlops, maeForwardFlops, maeLossFlops, unpatchify, unshuffleIndex } from '../src/models/maeDecoder';
import { MODEL_PRESETS } from '../src/models/presets';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { vitFlops } from '../src/models/vitFlops';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const tiny: VitConfig = { ...MODEL_PRESETS.tiny };
const toyB: VitConfig = { ...MODEL_PRESETS['toy-B'] };
const RATIOS = [0.55, 0.65, 0.75, 0.85];

function images(b: number, size: number, seed = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: b * size * size * 3 }, () => rng.normal()),
    [b, size, size, 3],
  );
}

/** An MAE state on a fresh encoder; `counter` attributes kernels to scopes when given. */
function setup(model: VitConfig, options: Partial<MaeOptions> = {}, counter?: FlopCounter, seed = 0) {
  const rng = new Rng(seed);
  const encoder = new VitEncoder(model, rng.split('init', 'encoder'));
  const state = mae.init({
    encoder,
    model,
    numClasses: 10,
    steps: 100,
    options: { ...defaultOptions('mae'), ...options },
    rng: rng.split('init', 'method'),
    scope: counter ? (c, f) => counter.scope(c, f) : (_c, f) => f(),
  }) as MaeState;
  const dispose = () => {
    state.dispose();
    encoder.dispose();
  };
  return { encoder, state, dispose };
}

describe('MAE masking', () => {
  it('keeps len_keep = int(N * (1 - ratio)) patches, as MAE', () => {
    expect(RATIOS.map((r) => lenKeep(64, r))).toEqual([28, 22, 16, 9]);
    expect(lenKeep(196, 0.75)).toBe(49);
  });

  it('keeps exactly len_keep patches per image, hides the rest, differs per image, repeats for a seed', () => {
    const [b, n, ratio] = [6, 64, 0.75];
    const plan = randomMasking(new Rng(3).split('mask', 5), b, n, ratio);
    expect(plan.kept).toBe(16);
    for (let i = 0; i < b; i++) {
      const mask = Array.from(plan.mask.subarray(i * n, (i + 1) * n));
      expect(mask.filter((m) => m === 1).length).toBe(n - plan.kept);
      expect(mask.filter((m) => m === 0).length).toBe(plan.kept);
      const keep = Array.from(plan.idsKeep.subarray(i * plan.kept, (i + 1) * plan.kept));
      expect(new Set(keep).size).toBe(plan.kept);
      for (const k of keep) expect(mask[k]).toBe(0);
      const restore = Array.from(plan.idsRestore.subarray(i * n, (i + 1) * n));
      expect([...restore].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, j) => j));
      keep.forEach((patch, rank) => expect(restore[patch]).toBe(rank)); // ids_restore inverts ids_shuffle
    }
    const rows = Array.from({ length: b }, (_, i) => plan.mask.subarray(i * n, (i + 1) * n).join(''));
    expect(new Set(rows).size).toBe(b);
    const again = randomMasking(new Rng(3).split('mask', 5), b, n, ratio);
    expect(again.mask).toEqual(plan.mask);
    expect(again.idsKeep).toEqual(plan.idsKeep);
    const nextStep = randomMasking(new Rng(3).split('mask', 6), b, n, ratio);
    expect(nextStep.mask).not.toEqual(plan.mask);
    // Flat rows of the [B*N, D] embedding.
    const rowsKept = keptRowIndex(plan);
    expect(rowsKept[plan.kept + 2]).toBe(n + plan.idsKeep[plan.kept + 2]);
  });

  it('the flat unshuffle index reproduces MAE (cat [kept; mask tokens] -> gather ids_restore -> cat cls)', () => {
    const [b, n, prefix] = [3, 16, 1];
    const plan = randomMasking(new Rng(9), b, n, 0.75);
    const k = plan.kept;
    const index = unshuffleIndex(plan.idsRestore, b, n, k, prefix);
    // Source rows: latent row (image, token) is labelled 100*image + token; then one mask-token row (-1) per image.
    const source = [...Array.from({ length: b * (prefix + k) }, (_, r) => 100 * Math.floor(r / (prefix + k)) + (r % (prefix + k))), ...Array(b).fill(-1)];
    const ours = Array.from(index, (r) => source[r]);
    for (let i = 0; i < b; i++)
      for (let j = 0; j < n; j++) if (plan.mask[i * n + j] === 1) expect(index[i * (prefix + n) + prefix + j]).toBe(b * (prefix + k) + i);
    const reference: number[] = [];
    for (let i = 0; i < b; i++) {
      const xs = [...Array.from({ length: k }, (_, t) => 100 * i + 1 + t), ...Array(n - k).fill(-1)];
      reference.push(100 * i, ...Array.from({ length: n }, (_, j) => xs[plan.idsRestore[i * n + j]]));
    }
    expect(ours).toEqual(reference);
  });
});

describe('MAE options', () => {
  it('the config refuses a mask ratio that keeps no patch, naming it', () => {
    expect(() => resolveConfig({ method: 'mae', model: 'toy-B', methodOptions: { maskRatio: 0.95 } })).toThrow(
      'methodOptions.maskRatio: 0.95 keeps 0 of 16 patches',
    );
    expect(resolveConfig({ method: 'mae', model: 'toy-B', methodOptions: { maskRatio: 0.9 } }).methodOptions.maskRatio).toBe(0.9); // keeps 1 of 16
    expect(mae.requires(defaultOptions('mae'), tiny)).toEqual({ views: [], targets: false, tokens: false });
  });

  it("'standard' is 2/3 of the encoder's width and depth (as 512-d, 8 layers to ViT-B's 768-d, 12), 'tiny' one layer", () => {
    expect(maeDecoderConfig(toyB, 'standard')).toEqual({ dim: 32, depth: 2, heads: 2, mlpDim: 128 });
    expect(maeDecoderConfig(toyB, 'tiny')).toEqual({ dim: 32, depth: 1, heads: 2, mlpDim: 128 });
    const vitB: VitConfig = { imageSize: 224, patchSize: 16, dim: 768, depth: 12, heads: 12, mlpDim: 3072, pool: 'cls' };
    expect(maeDecoderConfig(vitB, 'standard')).toMatchObject({ dim: 512, depth: 8, mlpDim: 2048 });
  });
});

describe('MAE forward and loss', () => {
  it('encoder sees [B, K, D] and returns [B, K+1, D]; decoder predicts [B, N, p*p*3]; loss is maeLoss on them', () => {
    const { encoder, state, dispose } = setup(tiny);
    const x = images(4, 16);
    const encode = vi.spyOn(encoder, 'encode');
    const { latent, pred, mask, loss, reference } = tf.tidy(() => {
      const f = state.forward(x, 3);
      const target = patchify(x, 4);
      return { latent: f.latent, pred: f.pred, mask: f.mask, loss: state.loss({ images: x }, 3), reference: maeLoss(f.pred, target, f.mask, true) };
    });
    const k = lenKeep(16, 0.75);
    expect(encode.mock.calls[0][0].shape).toEqual([4, k, 32]);
    expect(latent.shape).toEqual([4, k + 1, 32]);
    expect(pred.shape).toEqual([4, 16, 48]);
    expect(mask.shape).toEqual([4, 16]);
    expect(Array.from(mask.sum(1).dataSync())).toEqual([12, 12, 12, 12]);
    expect(loss.shape).toEqual([]);
    const value = loss.dataSync()[0];
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBe(reference.dataSync()[0]);
    encode.mockRestore();
    tf.dispose([latent, pred, mask, loss, reference, x]);
    dispose();
  });

  for (const [name, model, options] of [
    ['cls, standard', tiny, {}],
    ['mean-pooled, tiny decoder, pixel loss', { ...tiny, pool: 'mean' as const }, { decoder: 'tiny' as const, normPixLoss: false, maskRatio: 0.55 }],
  ] as const) {
    it(`every trainable variable gets a finite, non-zero gradient; no tensor leaks (${name})`, () => {
      const { encoder, state, dispose } = setup(model, options);
      const x = images(4, 16);
      const grads = () => tf.variableGrads(() => state.loss({ images: x }, 0), state.trainable);
      const first = grads();
      expect(state.trainable.length).toBe(encoder.variables.length + state.decoder.variables.length);
      for (const v of state.trainable) {
        const g = first.grads[v.name];
        expect(g, v.name).toBeDefined();
        expect(g.shape).toEqual(v.shape);
        const data = g.dataSync();
        expect(data.every(Number.isFinite), v.name).toBe(true);
        expect(
          data.some((d) => d !== 0),
          `${v.name} gradient is all zero`,
        ).toBe(true);
      }
      tf.dispose([first.value, first.grads]);
      const before = tf.memory().numTensors;
      for (let s = 1; s <= 3; s++) {
        const { value, grads: g } = grads();
        tf.dispose([value, g]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(x);
      dispose();
    });
  }

  it('reconstruct pastes visible patches, hides the rest, and undoes the per-patch normalisation', () => {
    const { state, dispose } = setup(tiny);
    const x = images(2, 16, 4);
    const { masked, reconstruction } = maeReconstruct(state, x, 7);
    expect(masked.shape).toEqual([2, 16, 16, 3]);
    expect(reconstruction.shape).toEqual([2, 16, 16, 3]);
    const plan = randomMasking(new Rng(0).split('init', 'method').split('mask', 7), 2, 16, 0.75);
    // `+ 0` turns the -0 of (negative pixel) * 0 into 0.
    const [px, pm, pr] = [x, masked, reconstruction].map((t) =>
      patchify(t, 4)
        .arraySync()
        .map((im) => im.map((p) => p.map((v) => v + 0))),
    );
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 16; i++) {
        const hidden = plan.mask[b * 16 + i] === 1;
        expect(pm[b][i]).toEqual(hidden ? Array(48).fill(0) : px[b][i]);
        if (!hidden) expect(pr[b][i]).toEqual(px[b][i]);
        else expect(pr[b][i].every(Number.isFinite)).toBe(true);
      }
    // A decoder that predicts the normalised target exactly reconstructs the image.
    const perfect = vi.spyOn(state.decoder, 'apply').mockImplementation(() => {
      const t = patchify(x, 4);
      const mean = tf.mean(t, -1, true);
      const variance = tf.div(tf.sum(tf.square(tf.sub(t, mean)), -1, true), 47);
      return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor3D;
    });
    const exact = tf.tidy(() => tf.max(tf.abs(tf.sub(state.reconstruct(x, 7).reconstruction, x))).dataSync()[0]);
    expect(exact).toBeLessThan(1e-5);
    perfect.mockRestore();
    expect(unpatchify(patchify(x, 4), 4).arraySync()).toEqual(x.arraySync());
    tf.dispose([x, masked, reconstruction]);
    dispose();
  });
});

describe('MAE FLOPs', () => {
  /** Counted forward FLOPs of one loss call, by component. */
  function countedForward(model: VitConfig, options: Partial<MaeOptions>, batch: number) {
    const counter = new FlopCounter();
    const { state, dispose } = setup(model, options, counter);
    const x = images(batch, model.imageSize);
    counter.begin('forward');
    tf.tidy(() => state.loss({ images: x }, 0));
    const counts = counter.end();
    tf.dispose(x);
    dispose();
    return counts;
  }

  for (const [name, model, options, batch] of [
    ['tiny, standard, 0.75', tiny, {}, 4],
    ['toy-B, tiny decoder, 0.55', toyB, { decoder: 'tiny' as const, maskRatio: 0.55 }, 2],
    ['mean-pooled, pixel loss, 0.85', { ...tiny, pool: 'mean' as const }, { normPixLoss: false, maskRatio: 0.85 }, 3],
  ] as const) {
    it(`counted forward FLOPs equal the analytic formulas per component (${name})`, () => {
      const o = { ...defaultOptions('mae'), ...options };
      const counts = countedForward(model, options, batch);
      const n = (model.imageSize / model.patchSize) ** 2;
      const tokensKept = lenKeep(n, o.maskRatio);
      const dec = maeDecoderConfig(model, o.decoder);
      expect(counts.uncounted).toEqual({});
      // vitFlops also prices mean pooling (t*D), which `encode` does not run.
      const pooling = model.pool === 'mean' ? batch * tokensKept * model.dim : 0;
      expect(counts.byComponent.encoder).toBe(vitFlops(model, batch, { tokensKept }).forward - pooling);
      expect(counts.byComponent.decoder).toBe(maeDecoderFlops(model, dec, batch, { tokensKept }).forward);
      expect(counts.byComponent.loss).toBe(maeLossFlops(model, batch, o.normPixLoss));
      expect(counts.total).toBe(maeForwardFlops(model, dec, batch, o.maskRatio, o.normPixLoss).forward);
      expect(Object.keys(counts.byComponent).sort()).toEqual(['decoder', 'encoder', 'loss']);
    });
  }

  it('forward + backward: each component costs about 3x its forward, as vitFlops models it (within 2%)', () => {
    const counter = new FlopCounter();
    const { state, dispose } = setup(tiny, {}, counter);
    const x = images(4, 16);
    counter.begin('forward');
    const { value, grads } = tf.variableGrads(() => {
      const loss = state.loss({ images: x }, 0);
      counter.phase = 'backward';
      return loss;
    }, state.trainable);
    const counts = counter.end();
    tf.dispose([value, grads, x]);
    dispose();
    const tokensKept = lenKeep(16, 0.75);
    const analytic = maeForwardFlops(tiny, maeDecoderConfig(tiny, 'standard'), 4, 0.75);
    const close = (counted: number, expected: number) => expect(Math.abs(counted - expected) / expected).toBeLessThan(0.02);
    close(counts.byComponent.encoder, vitFlops(tiny, 4, { tokensKept }).total);
    close(counts.byComponent.decoder, 3 * analytic.decoder);
    close(counts.total, 3 * analytic.forward);
  });

  it('decoder parameter count matches the formula', () => {
    const { state, dispose } = setup(toyB);
    const counted = state.decoder.variables.reduce((s, v) => s + v.size, 0);
    expect(counted).toBe(maeDecoderFlops(toyB, maeDecoderConfig(toyB, 'standard'), 1).params);
    dispose();
  });

  it("toy-B's standard decoder takes about the share of forward FLOPs MAE's ViT-B decoder does; tiny far less", () => {
    const vitB: VitConfig = { imageSize: 224, patchSize: 16, dim: 768, depth: 12, heads: 12, mlpDim: 3072, pool: 'cls' };
    const original = { dim: 512, depth: 8, heads: 16, mlpDim: 2048 };
    const std = maeDecoderConfig(toyB, 'standard');
    const tinyDec = maeDecoderConfig(toyB, 'tiny');
    for (const r of RATIOS) {
      const ours = maeForwardFlops(toyB, std, 32, r).decoderShare;
      const theirs = maeForwardFlops(vitB, original, 1, r).decoderShare;
      // toy-B has 16 patches, so int(N (1 - r)) rounds the kept share (0.85 keeps 2 of 16, 12.5 %, where
      // ViT-B keeps 29 of 196, 14.8 %): the shares agree within 0.09 (0.002-0.085 measured).
      expect(Math.abs(ours - theirs), `mask ${r}: toy-B ${ours.toFixed(3)} vs ViT-B ${theirs.toFixed(3)}`).toBeLessThan(0.09);
      expect(maeForwardFlops(toyB, tinyDec, 32, r).decoderShare).toBeLessThan(ours - 0.1);
    }
    // The share grows with the mask ratio: the encoder shrinks, the decoder always sees N tokens.
    const shares = RATIOS.map((r) => maeForwardFlops(toyB, std, 32, r).decoderShare);
    expect([...shares].sort((a, b) => a - b)).toEqual(shares);
  });

  it('a higher mask ratio costs fewer encoder FLOPs (counted)', () => {
    const at = (maskRatio: number) => countedForward(tiny, { maskRatio }, 2).byComponent.encoder;
    expect(at(0.75)).toBeLessThan(at(0.55));
  });
});

describe('MAE training', () => {
  it('reconstruction loss falls over 25 steps on procedural scenes, below the predict-zero level', async () => {
    const model: VitConfig = { ...tiny };
    const { state, dispose } = setup(model, {}, undefined, 5);
    const data = new SceneDataset({ preset: 'shapes', size: 64, numClasses: 10, maxObjects: 1 }, 16, 5);
    const opt = new AdamW(withDecayRule(state.trainable), { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.05, clipNorm: 1 });
    const losses: number[] = [];
    for (let step = 0; step < 25; step++) {
      const host = data.batch(data.stepIndices(step, 8));
      const x = tf.tensor4d(host.images, [8, 16, 16, 3]);
      const { value, grads } = tf.variableGrads(() => state.loss({ images: x }, step), state.trainable);
      opt
        .step(
          state.trainable.map((v) => grads[v.name]),
          3e-3,
        )
        .dispose();
      losses.push((await value.data())[0]);
      tf.dispose([value, grads, x]);
    }
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
    // Predicting 0 for a per-patch-normalised target scores (P-1)/P = 0.98: the model does better.
    expect(mean(losses.slice(-5))).toBeLessThan(0.95);
    opt.dispose();
    dispose();
  });
});
