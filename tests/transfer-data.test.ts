import { describe, expect, it } from 'vitest';
import { hashSeed, Rng } from '../src/engine/rng';
import { warmupPoly } from '../src/engine/schedule';
import { generateScene, normalisePixels } from '../src/data/scenes';
import { ADE_LIKE_INFO, ADE_LIKE_STATS, ADE_OBJECT_SIZE, adeData, adeSceneOptions, adeSplit, NUM_SEG_CLASSES, SEG_CLASSES } from '../src/transfer/ade';
import { majorityPatchLabels } from '../src/eval/densePatchProbe';
import { augmentSegSample, RESCALE_FACTORS, rescaleCrop, sampleRescaleCrop } from '../src/transfer/segAugment';
import { segStepIndices } from '../src/transfer/finetune';
import { median } from '../src/lib/stats';
import { SEG_DEFAULTS, validateSegSettings } from '../src/transfer/settings';

/** Binomial standard deviation of a rate p measured over n trials. */
const sd = (p: number, n: number): number => Math.sqrt((p * (1 - p)) / n);

/** A [S, S, 3] image whose channel 0 is the row index and channel 1 the column index. */
function ramps(size: number): Float32Array {
  const img = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      img[(y * size + x) * 3] = y;
      img[(y * size + x) * 3 + 1] = x;
      img[(y * size + x) * 3 + 2] = 7;
    }
  return img;
}

describe('random rescale-crop', () => {
  const S = 16;
  const mask = Uint8Array.from({ length: S * S }, (_, i) => (i * 7) % 11);

  it('is the identity at scale 1 and offset 0', () => {
    const img = Float32Array.from({ length: S * S * 3 }, (_, i) => Math.sin(i));
    const outImg = new Float32Array(img.length);
    const outMask = new Uint8Array(mask.length);
    rescaleCrop(img, mask, S, { scale: 1, top: 0, left: 0 }, outImg, outMask);
    expect(outImg).toEqual(img);
    expect(outMask).toEqual(mask);
  });

  it('pads a shrunk image at the bottom-right with 0 and label 255; the kept part averages 2x2 blocks', () => {
    const img = ramps(S);
    const outImg = new Float32Array(img.length);
    const outMask = new Uint8Array(mask.length);
    rescaleCrop(img, mask, S, { scale: 0.5, top: 0, left: 0 }, outImg, outMask);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const o = (y * S + x) * 3;
        if (y >= 8 || x >= 8) {
          expect(outMask[y * S + x]).toBe(255);
          expect([outImg[o], outImg[o + 1], outImg[o + 2]]).toEqual([0, 0, 0]);
        } else {
          // Half-pixel centres at scale 0.5: output y samples input 2y + 0.5, the mean of rows 2y and 2y+1.
          expect(outImg[o]).toBeCloseTo(2 * y + 0.5, 5);
          expect(outImg[o + 1]).toBeCloseTo(2 * x + 0.5, 5);
          // Nearest: input pixel floor((y + 0.5) * 2) = 2y + 1.
          expect(outMask[y * S + x]).toBe(mask[(2 * y + 1) * S + 2 * x + 1]);
        }
      }
  });

  it('keeps image and mask aligned at every scale and offset', () => {
    // Mask = source row: after the transform, the nearest-neighbour label of each
    // pixel must be within half a pixel of the bilinear row coordinate of the image.
    const img = ramps(S);
    const rowMask = Uint8Array.from({ length: S * S }, (_, i) => Math.floor(i / S));
    const colMask = Uint8Array.from({ length: S * S }, (_, i) => i % S);
    const rng = new Rng(3);
    for (let trial = 0; trial < 40; trial++) {
      const rc = sampleRescaleCrop(S, rng);
      const outImg = new Float32Array(img.length);
      const rows = new Uint8Array(S * S);
      const cols = new Uint8Array(S * S);
      rescaleCrop(img, rowMask, S, rc, outImg, rows);
      rescaleCrop(img, colMask, S, rc, outImg, cols);
      let worst = 0;
      let labelled = 0;
      for (let i = 0; i < S * S; i++) {
        if (rows[i] === 255) continue;
        labelled++;
        worst = Math.max(worst, Math.abs(outImg[i * 3] - rows[i]), Math.abs(outImg[i * 3 + 1] - cols[i]));
      }
      expect(worst, `scale ${rc.scale} at (${rc.top}, ${rc.left})`).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(labelled).toBe(Math.min(S, Math.round(S * rc.scale)) ** 2);
    }
  });

  it('draws the paper scale factors (0.5..2.0 step 0.25) and offsets inside the rescaled image', () => {
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const rc = sampleRescaleCrop(S, rng);
      seen.add(rc.scale);
      const slack = Math.max(0, Math.round(S * rc.scale) - S);
      expect(rc.top).toBeGreaterThanOrEqual(0);
      expect(rc.top).toBeLessThanOrEqual(slack);
      expect(rc.left).toBeLessThanOrEqual(slack);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([...RESCALE_FACTORS]);
    expect(() => rescaleCrop(ramps(S), mask, S, { scale: 1, top: 1, left: 0 }, new Float32Array(S * S * 3), new Uint8Array(S * S))).toThrow(/offset \(1, 0\)/);
  });

  it('augmented samples are deterministic given the seed, with labels from the mask or 255', () => {
    const scene = generateScene(5, 0, adeSceneOptions(S));
    const run = (seed: number) => {
      const img = new Float32Array(2 * S * S * 3);
      const m = new Uint8Array(2 * S * S);
      augmentSegSample(scene.pixels, scene.mask, S, new Rng(seed), img, m, 1);
      return { img, m };
    };
    const a = run(9);
    expect(run(9)).toEqual(a);
    expect(run(10).img).not.toEqual(a.img);
    expect(a.m.subarray(0, S * S).every((v) => v === 0)).toBe(true); // sample 0 untouched
    const allowed = new Set([...scene.mask, 255]);
    expect(a.m.subarray(S * S).every((v) => allowed.has(v))).toBe(true);
  });
});

describe('warm-up + polynomial decay', () => {
  it('ramps linearly then decays as (1 - step/total)^power over the whole run', () => {
    // total 100, lr 1e-3, warm-up 10, power 1
    expect(warmupPoly(0, 100, 1e-3, 10)).toBeCloseTo(1e-3 * 1 * (1 / 10), 15); // poly(0) = 1e-3, x 1/10
    expect(warmupPoly(9, 100, 1e-3, 10)).toBeCloseTo(1e-3 * 0.91, 15); // poly(9) = 0.91e-3, x 10/10
    expect(warmupPoly(10, 100, 1e-3, 10)).toBeCloseTo(9e-4, 15);
    expect(warmupPoly(50, 100, 1e-3, 10)).toBeCloseTo(5e-4, 15);
    expect(warmupPoly(99, 100, 1e-3, 10)).toBeCloseTo(1e-5, 15); // last step still trains
    expect(warmupPoly(100, 100, 1e-3, 10)).toBe(0);
    expect(warmupPoly(50, 100, 1e-3, 0, 2)).toBeCloseTo(2.5e-4, 15); // power 2: 0.5^2
    expect(warmupPoly(0, 100, 1e-3, 0)).toBe(1e-3);
    expect(warmupPoly(50, 100, 1e-3, 0, 1, 1e-4)).toBeCloseTo(1e-4 + 0.5 * 9e-4, 15); // minLr floor
  });
});

describe('ADE-like set', () => {
  it('is deterministic, with its own stream per split, 2 visible objects and masks in 0..5', () => {
    const a = adeSplit(7, 'train', 12, 16);
    expect(adeSplit(7, 'train', 12, 16)).toEqual(a);
    const val = adeSplit(7, 'val', 12, 16);
    expect(val.masks).not.toEqual(a.masks);
    expect(adeSplit(8, 'train', 12, 16).masks).not.toEqual(a.masks);
    for (let i = 0; i < 12; i++) {
      const scene = generateScene(hashSeed(7, 'ade', 'train'), i, adeSceneOptions(16));
      expect(a.pixels[i]).toEqual(scene.pixels);
      expect(scene.objects).toHaveLength(2);
      for (const ob of scene.objects) {
        expect(ob.size).toBeGreaterThanOrEqual(ADE_OBJECT_SIZE[0]);
        expect(ob.size).toBeLessThanOrEqual(ADE_OBJECT_SIZE[1]);
      }
      expect(a.images.subarray(i * 768, (i + 1) * 768)).toEqual(normalisePixels(scene.pixels));
    }
    expect(Math.max(...a.masks)).toBe(5);
    // SceneOptions.objectSize (added for this set) is checked; scenes made without it keep their old layout.
    expect(() => generateScene(0, 0, { ...adeSceneOptions(16), objectSize: [0.5, 0.4] })).toThrow(/SceneOptions.objectSize must be \[min, max\]/);
    const { objectSize: _size, ...plain } = adeSceneOptions(16);
    expect(generateScene(0, 0, plain).objects.every((ob) => ob.size < 0.42)).toBe(true);
    expect(NUM_SEG_CLASSES).toBe(6);
    expect(ADE_LIKE_INFO.classNames).toEqual(['background', 'circle', 'square', 'triangle', 'cross', 'ring']);
    // Two objects of 5 classes: background plus 1 or 2 classes per image (same-class pairs 1/5 of the time).
    const big = adeData(1, 64, 8, 16).train;
    let present = 0;
    for (let i = 0; i < 64; i++) present += new Set(big.masks.subarray(i * 256, (i + 1) * 256)).size;
    expect(present / 64).toBeGreaterThan(2.6);
    expect(present / 64).toBeLessThanOrEqual(3);
  });

  it('has the documented statistics at 32 px: background share, class balance, object size, background patches', () => {
    // A sample of its own (seed 1's train split) against ADE_LIKE_STATS (2,000 scenes of another stream).
    const st = ADE_LIKE_STATS;
    const S = st.imageSize;
    const n = 400;
    const split = adeSplit(1, 'train', n, S);
    const per = S * S;
    const share = Array.from({ length: NUM_SEG_CLASSES }, () => new Float64Array(n)); // per image, per class
    let objects = 0;
    const objectClass = new Float64Array(NUM_SEG_CLASSES - 1);
    for (let i = 0; i < n; i++) {
      const mask = split.masks.subarray(i * per, (i + 1) * per);
      for (const m of mask) share[m][i] += 1 / per;
      const scene = generateScene(hashSeed(1, 'ade', 'train'), i, adeSceneOptions(S));
      objects += scene.objects.length;
      for (const ob of scene.objects) objectClass[ob.cls]++;
    }
    const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const se = (xs: Float64Array) => {
      const m = mean(xs);
      return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
    };
    // Background: 60% of pixels (was 86%); per-image sd 0.08, so the standard error of 400 images is 0.004.
    expect(Math.abs(mean(share[0]) - st.backgroundShare)).toBeLessThan(4 * (st.backgroundShareSd / Math.sqrt(n)));
    expect(Math.abs(se(share[0]) * Math.sqrt(n) - st.backgroundShareSd)).toBeLessThan(0.015);
    // Each class's pixel share (shape area decides it: circles and squares fill more of their box).
    st.classShare.forEach((p, c) => expect(Math.abs(mean(share[c + 1]) - p), SEG_CLASSES[c + 1]).toBeLessThan(4 * se(share[c + 1])));
    // Objects: always 2 visible, classes uniform (binomial over objects).
    expect(objects / n).toBe(st.visibleObjects);
    for (const count of objectClass) expect(Math.abs(count / objects - st.objectClassShare)).toBeLessThan(4 * sd(st.objectClassShare, objects));
    // Object area: a visible object covers about (1 - 0.60) / 2 = 20% of the image, about 3 of the 16 patches.
    expect((1 - mean(share[0])) / st.visibleObjects).toBeGreaterThan(0.18);
    // Patches whose majority class is background (binomial over patches is too narrow: count per image).
    const patches = majorityPatchLabels(split.masks, n, S, 8, NUM_SEG_CLASSES);
    const bgPatches = Float64Array.from({ length: n }, (_, i) => patches.subarray(i * 16, (i + 1) * 16).filter((l) => l === 0).length / 16);
    expect(Math.abs(mean(bgPatches) - st.backgroundPatchShare)).toBeLessThan(4 * se(bgPatches));
    // Background-only prediction scores backgroundShare / 6: about 10 mIoU, the floor fine-tuning must clear.
    expect(st.backgroundShare / NUM_SEG_CLASSES).toBeCloseTo(0.1, 2);
  });
});

describe('segmentation settings', () => {
  it('fills defaults and names the bad field', () => {
    expect(validateSegSettings({})).toEqual(SEG_DEFAULTS);
    expect(validateSegSettings({ steps: 5 }).steps).toBe(5);
    expect(() => validateSegSettings({ batchSize: 0 })).toThrow('SegSettings.batchSize: Too small: expected number to be >=1, got 0');
    expect(() => validateSegSettings({ lr: -1 })).toThrow(/SegSettings.lr/);
    expect(() => validateSegSettings({ scratch: 'yes' })).toThrow(/SegSettings.scratch: Invalid input: expected boolean/);
    expect(() => validateSegSettings({ stepz: 3 })).toThrow(/SegSettings.stepz is not a setting/);
    expect(() => validateSegSettings(null)).toThrow(/SegSettings must be an object/);
  });

  it('batches walk a fresh permutation per epoch; median takes the middle', () => {
    const epoch0 = [0, 1, 2].flatMap((s) => segStepIndices(s, 4, 12, 3));
    expect([...epoch0].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(segStepIndices(3, 4, 12, 3)).not.toEqual(segStepIndices(0, 4, 12, 3));
    expect(median([0.3, 0.1, 0.2])).toBe(0.2);
    expect(median([0.4, 0.1, 0.2, 0.3])).toBeCloseTo(0.25, 12);
  });
});
