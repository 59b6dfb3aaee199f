import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlopCounter } from '../src/engine/flops/counter';
import { AdamW, withDecayRule } from '../src/engine/optimizer';
import { Rng } from '../src/engine/rng';
import { SceneDataset } from '../src/data/dataset';
import { EOS, PAD, pseudoCaption, tokenizeBatch, VOCAB } from '../src/data/tokenize';
import { VitEncoder, type VitConfig } from '../src/models/vit';
import { vitFlops } from '../src/models/vitFlops';
import {
  CaptionEncoder,
  captionEncoderConfig,
  EOS_ID,
  eosIndices,
  PAD_ID,
  textEncoderFlops,
  TEXT_SIZES,
  type CaptionEncoderConfig,
} from '../src/models/textEncoder';
import { clip, initClip, LOGIT_SCALE_INIT, LOGIT_SCALE_MAX } from '../src/methods/clip/method';
import { defaultOptions, type ClipOptions } from '../src/methods/catalog';
import { clipLoss } from '../src/methods/clip/loss';
import type { Batch, ScopeFn } from '../src/methods/types';
import { useCpuBackend } from '../tooling/tfjsBackends';

beforeAll(useCpuBackend);

const tiny: VitConfig = { imageSize: 16, patchSize: 4, dim: 32, depth: 2, heads: 2, mlpDim: 64, pool: 'cls' };

const VOCAB_SIZE = VOCAB.length;
/** [B, maxLen] int32 ids of captions, through the lab's tokenizer. */
function tokenize(captions: readonly string[], maxLen: number): tf.Tensor2D {
  return tf.tensor2d(tokenizeBatch(captions, maxLen), [captions.length, maxLen], 'int32');
}
/** The id of a vocabulary word. */
const id = (word: string) => {
  const i = VOCAB.indexOf(word);
  if (i < 0) throw new Error(`no word ${word}`);
  return i;
};

function randomImages(b: number, size: number, seed = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: b * size * size * 3 }, () => rng.normal()),
    [b, size, size, 3],
  );
}

const dataset = (size = 512) => new SceneDataset({ preset: 'shapes', size, numClasses: 10, maxObjects: 1 }, 16, 0);

/** A batch of scenes with pseudo-caption tokens. */
function sceneBatch(ds: SceneDataset, step: number, b: number, maxLen: number): Batch {
  const host = ds.batch(ds.stepIndices(step, b));
  return {
    images: tf.tensor4d(host.images, [b, 16, 16, 3]),
    tokens: tokenize(
      host.labels.map((l) => pseudoCaption(l)),
      maxLen,
    ),
  };
}

/** A CLIP method state on the tiny encoder; kernels are attributed through `counter`. */
function setup(options: Partial<ClipOptions> = {}, seed = 0) {
  const rng = new Rng(seed);
  const encoder = new VitEncoder(tiny, rng.split('init', 'encoder'));
  const counter = new FlopCounter();
  const scope: ScopeFn = (c, f) => counter.scope(c, f);
  const opts = { ...defaultOptions('clip'), ...options };
  const state = initClip({ encoder, model: tiny, numClasses: 10, steps: 30, options: opts, rng: rng.split('init', 'method'), scope });
  return { encoder, counter, state, opts, dispose: () => (state.dispose(), encoder.dispose()) };
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('caption encoder', () => {
  const cfg: CaptionEncoderConfig = { vocabSize: VOCAB_SIZE, maxLen: 8, width: 16, layers: 2, heads: 2, mlpDim: 32 };

  it('maps [B, T] ids to hidden states [B, T, width] and features [B, width] for both sizes', () => {
    const tokens = tokenize(['this is a photo of a circle', 'this is a photo of a square and a star', 'a'], 16);
    for (const size of ['mini', 'medium'] as const) {
      const enc = new CaptionEncoder(captionEncoderConfig(size, VOCAB_SIZE, 16), new Rng(0));
      const w = TEXT_SIZES[size].width;
      const h = enc.hidden(tokens);
      const f = enc.features(tokens);
      expect(h.shape).toEqual([3, 16, w]);
      expect(f.shape).toEqual([3, w]);
      expect(Array.from(f.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([h, f]);
      enc.dispose();
    }
    expect(TEXT_SIZES.medium.width).toBe(2 * TEXT_SIZES.mini.width);
    expect(TEXT_SIZES.medium.layers).toBe(2 * TEXT_SIZES.mini.layers);
    tokens.dispose();
  });

  it('finds the first EOS per row as a flat index; truncated rows use their last word', () => {
    expect([PAD_ID, EOS_ID]).toEqual([PAD, EOS]);
    const ids = [1, 5, 6, 2, 0, 0, /**/ 1, 5, 2, 0, 2, 0, /**/ 1, 5, 6, 7, 8, 9, /**/ 0, 0, 0, 0, 0, 0];
    expect(Array.from(eosIndices(ids, 4, 6))).toEqual([3, 6 + 2, 12 + 5, 18]);
  });

  it('is causal: the feature at EOS ignores every later token, and position t ignores tokens after t', () => {
    const enc = new CaptionEncoder(cfg, new Rng(3));
    // Row 0 and row 1 agree up to the EOS at position 4; row 1 has words (not padding) after it.
    const [w1, w2, w3, w4, w5, w6] = ['this', 'is', 'a', 'circle', 'square', 'star'].map(id);
    const a = tf.tensor2d(
      [
        [1, w1, w2, w3, 2, 0, 0, 0],
        [1, w1, w2, w3, 2, w4, w5, w6],
      ],
      [2, 8],
      'int32',
    );
    const fa = enc.features(a);
    expect(maxAbsDiff(fa.slice([0, 0], [1, 16]), fa.slice([1, 0], [1, 16]))).toBeLessThan(1e-6);
    // Changing the token at position 3 changes hidden states from 3 on, none before.
    const b = tf.tensor2d(
      [
        [1, w1, w2, w3, 2, 0, 0, 0],
        [1, w1, w2, w4, 2, 0, 0, 0],
      ],
      [2, 8],
      'int32',
    );
    const hb = enc.hidden(b);
    const row = (r: number, t0: number, n: number) => hb.slice([r, t0, 0], [1, n, 16]);
    expect(maxAbsDiff(row(0, 0, 3), row(1, 0, 3))).toBeLessThan(1e-6);
    expect(maxAbsDiff(row(0, 3, 1), row(1, 3, 1))).toBeGreaterThan(1e-4);
    // ... and so the EOS feature sees it.
    const fb = enc.features(b);
    expect(maxAbsDiff(fb.slice([0, 0], [1, 16]), fb.slice([1, 0], [1, 16]))).toBeGreaterThan(1e-4);
    tf.dispose([a, fa, b, hb, fb]);
    enc.dispose();
  });

  it('rejects ids outside the vocabulary and captions longer than maxLen', () => {
    const enc = new CaptionEncoder(cfg, new Rng(0));
    const bad = tf.tensor2d([[1, VOCAB_SIZE, 2, 0, 0, 0, 0, 0]], [1, 8], 'int32');
    expect(() => enc.features(bad)).toThrow(/outside the vocabulary/);
    const long = tf.zeros([1, 9], 'int32') as tf.Tensor2D;
    expect(() => enc.hidden(long)).toThrow(/exceed maxLen 8/);
    tf.dispose([bad, long]);
    enc.dispose();
  });

  it('counts exactly its analytic forward FLOPs', () => {
    for (const [b, t] of [
      [3, 8],
      [2, 5],
    ]) {
      const enc = new CaptionEncoder(cfg, new Rng(0));
      const tokens = tf.tensor2d(
        Int32Array.from({ length: b * t }, (_, i) => (i % t === t - 2 ? 2 : 4 + (i % 13))),
        [b, t],
        'int32',
      );
      const counter = new FlopCounter();
      counter.begin('forward');
      const f = enc.features(tokens);
      const counts = counter.end();
      expect(counts.total).toBe(textEncoderFlops(cfg, b, t).forward);
      expect(counts.uncounted).toEqual({});
      tf.dispose([f, tokens]);
      enc.dispose();
    }
    const enc = new CaptionEncoder(cfg, new Rng(0));
    const params = enc.variables.reduce((s, v) => s + v.size, 0);
    expect(textEncoderFlops(cfg, 1, 8).params).toBe(params);
    enc.dispose();
  });
});

describe('CLIP method', () => {
  it('asks for tokens only', () => {
    expect(clip.requires(defaultOptions('clip'), tiny)).toEqual({ views: [], targets: false, tokens: { maxLen: 16, source: 'auto' } });
    expect(clip.requires({ ...defaultOptions('clip'), maxLen: 24, captionSource: 'scene' }, tiny).tokens).toEqual({ maxLen: 24, source: 'scene' });
  });

  it('loss is a finite scalar equal to clipLoss of its embeddings; logit scale starts at ln(1/0.07)', () => {
    const { state, dispose } = setup();
    const batch: Batch = {
      images: randomImages(4, 16),
      tokens: tokenize(
        ['a circle', 'a square', 'a star', 'a ring'].map((c) => `this is a photo of ${c}`),
        16,
      ),
    };
    const loss = state.loss(batch, 0);
    expect(loss.shape).toEqual([]);
    const value = loss.dataSync()[0];
    expect(Number.isFinite(value)).toBe(true);
    const e = state.embed(batch);
    expect(e.image.shape).toEqual([4, 48]);
    expect(e.text.shape).toEqual([4, 48]);
    const ref = clipLoss(e.image, e.text, state.logitScale as tf.Scalar);
    expect(value).toBeCloseTo(ref.dataSync()[0], 5);
    const mon = state.monitors!();
    expect(mon.logitScale.dataSync()[0]).toBeCloseTo(1 / 0.07, 4);
    expect(state.logitScale.dataSync()[0]).toBeCloseTo(LOGIT_SCALE_INIT, 6);
    tf.dispose([loss, e.image, e.text, ref, mon.logitScale, batch.images, batch.tokens!]);
    dispose();
  });

  it('gives every trainable variable (image and text towers, projections, logit scale) a finite gradient', () => {
    const { state, encoder, dispose } = setup({ textSize: 'medium' });
    const batch = sceneBatch(dataset(), 0, 6, 16);
    const names = state.trainable.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(state.trainable).toContain(state.logitScale);
    for (const v of [...encoder.variables, ...state.text.variables]) expect(state.trainable).toContain(v);
    const { value, grads } = tf.variableGrads(() => state.loss(batch, 0), state.trainable);
    for (const v of state.trainable) {
      const g = grads[v.name];
      expect(g, v.name).toBeDefined();
      const data = g.dataSync();
      expect(Array.from(data).every(Number.isFinite), v.name).toBe(true);
    }
    // Each tower learns: some gradient is non-zero in both, and on the scale.
    const norm = (vs: tf.Variable[]) => vs.reduce((s, v) => s + tf.tidy(() => tf.sum(tf.square(grads[v.name])).dataSync()[0]), 0);
    expect(norm(encoder.variables)).toBeGreaterThan(0);
    expect(norm(state.text.variables)).toBeGreaterThan(0);
    expect(norm([state.logitScale])).toBeGreaterThan(0);
    tf.dispose([value, grads, batch.images, batch.tokens!]);
    dispose();
  });

  it('afterStep clamps the logit scale to ln(100) and leaves smaller values alone', () => {
    const { state, dispose } = setup();
    state.logitScale.assign(tf.scalar(6));
    state.afterStep!(0);
    expect(state.logitScale.dataSync()[0]).toBeCloseTo(LOGIT_SCALE_MAX, 6);
    state.logitScale.assign(tf.scalar(3));
    state.afterStep!(1);
    expect(state.logitScale.dataSync()[0]).toBeCloseTo(3, 6);
    dispose();
  });

  it('attributes FLOPs to encoder, text, head and loss; text and encoder forward match their formulas', () => {
    const { state, counter, dispose } = setup({ textSize: 'medium' });
    const b = 4;
    const batch = sceneBatch(dataset(), 1, b, 16);
    // Forward only (no tape): every counted kernel is a forward kernel.
    counter.begin('forward');
    tf.dispose(state.loss(batch, 0));
    const fwd = counter.end();
    expect(Object.keys(fwd.byComponent).sort()).toEqual(['encoder', 'head', 'loss', 'text']);
    expect(fwd.byComponent.text).toBe(textEncoderFlops(state.text.cfg, b, 16).forward);
    expect(fwd.byComponent.encoder).toBe(vitFlops(tiny, b).forward);
    expect(fwd.uncounted).toEqual({});
    // A training step: backward kernels land in the same components.
    counter.begin('forward');
    const { value, grads } = tf.variableGrads(() => {
      const loss = state.loss(batch, 0);
      counter.phase = 'backward';
      return loss;
    }, state.trainable);
    const step = counter.end();
    for (const c of ['encoder', 'text', 'head', 'loss']) expect(step.byComponent[c]).toBeGreaterThan(fwd.byComponent[c]);
    expect(step.uncounted).toEqual({});
    tf.dispose([value, grads, batch.images, batch.tokens!]);
    dispose();
  });

  it('leaks no tensors over several training steps', () => {
    const { state, dispose } = setup();
    const ds = dataset();
    const optimizer = new AdamW(withDecayRule(state.trainable), { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.02, clipNorm: 1 });
    const step = (s: number) => {
      const batch = sceneBatch(ds, s, 4, 16);
      const { value, grads } = tf.variableGrads(() => state.loss(batch, s), state.trainable);
      optimizer
        .step(
          state.trainable.map((v) => grads[v.name]),
          1e-3,
        )
        .dispose();
      state.afterStep!(s);
      const mon = state.monitors!();
      tf.dispose([value, grads, batch.images, batch.tokens!, ...Object.values(mon)]);
    };
    step(0); // the causal mask and optimiser state exist after the first step
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 4; s++) step(s);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    dispose();
  });

  it('loss falls over a short run on pseudo-captioned procedural scenes, to well below chance', () => {
    // A pool of 8 scenes drawn 8 at a time: at this size, fresh scenes every
    // step sit on CLIP's early plateau (loss ~ ln B while the text tower is
    // near-collapsed) for 50+ steps, too long for a unit test.
    const { state, dispose } = setup({}, 1);
    const ds = dataset(8);
    const b = 8;
    const optimizer = new AdamW(withDecayRule(state.trainable), { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.02, clipNorm: 1 });
    const losses: number[] = [];
    for (let s = 0; s < 30; s++) {
      const batch = sceneBatch(ds, s, b, 16);
      const { value, grads } = tf.variableGrads(() => state.loss(batch, s), state.trainable);
      optimizer
        .step(
          state.trainable.map((v) => grads[v.name]),
          1e-3 * Math.min(1, (s + 1) / 5),
        )
        .dispose();
      state.afterStep!(s);
      losses.push(value.dataSync()[0]);
      tf.dispose([value, grads, batch.images, batch.tokens!]);
    }
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.5);
    // Below chance (ln B): not the collapsed solution where every similarity is equal.
    expect(mean(losses.slice(-5))).toBeLessThan(Math.log(b) - 0.5);
    optimizer.dispose();
    dispose();
  });
});
