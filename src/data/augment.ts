/**
 * Seeded image augmentations in plain TypeScript (no tfjs): random resized crop,
 * horizontal flip, colour jitter, grayscale, Gaussian blur and solarisation, as
 * torchvision implements them, and the lab-scale colour constants the two-view
 * methods share. Each method's view recipe lives in its own file
 * (src/methods/{simclr,byol,dino,supervised}/method.ts).
 *
 * Pipeline per view (the order of SimCLR, BYOL and DINO):
 *   crop + resize (+ flip) -> colour jitter -> grayscale -> blur -> solarize -> ImageNet normalise.
 * Pixels are worked on as float64 in [0, 1] and rounded to float32 once, at the
 * end; colour operations clamp to [0, 1] like torchvision's tensor ops.
 *
 * Determinism: `augmentView` draws exactly one number from the caller's `rng`
 * and derives independent streams from it for the crop, the five coin flips,
 * the jitter parameters and the blur sigma. So a view's crop does not depend on
 * whether colour jitter or blur is enabled, and the caller's stream advances by
 * one draw per view whatever the spec. Only + - * /, Math.exp/log/sqrt/floor and
 * comparisons are used; no Math.random or Date.
 */
import { Rng, hashSeed } from '../engine/rng';
import { IMAGENET_MEAN as MEAN, IMAGENET_STD as STD } from './normalize';
import type { ViewSpec } from './viewSpec';
import { colorJitter, gaussianBlur, grayscale, solarize } from './colorOps';

export type { ViewSpec };

// Normalised with the same arithmetic as normalisePixels in scenes.ts ((x - mean) / std
// on x = p / 255 in float64), so an identity view equals it bit for bit (tests/augment.test.ts).
const BYTE_TO_UNIT = new Float64Array(256);
for (let p = 0; p < 256; p++) BYTE_TO_UNIT[p] = p / 255;

/** Gaussian blur sigma range of SimCLR / BYOL / DINO, in pixels of a 224 px view. */
const BLUR_SIGMA_224: readonly [number, number] = [0.1, 2.0];

// ---------------------------------------------------------------------------
// Random resized crop
// ---------------------------------------------------------------------------

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Python's round(): half to even (torchvision's int(round(...)) uses it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision RandomResizedCrop.get_params: up to 10 tries of area fraction
 * ~ U(scale) and log aspect ratio ~ U(log ratio); the first box that fits wins,
 * else a centre crop clamped to the ratio range.
 */
export function randomResizedCropBox(height: number, width: number, scale: readonly [number, number], ratio: readonly [number, number], rng: Rng): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = roundHalfEven(w / ratio[0]);
  else if (inRatio > ratio[1]) w = roundHalfEven(h * ratio[1]);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

// ---------------------------------------------------------------------------
// Bilinear resampling (PIL's antialiased bilinear, as torchvision uses on PIL
// images and with antialias=true on tensors): a triangle filter whose support
// widens by the downscale factor, so shrinking (DINO locals) does not alias.
// Upscaling reduces to ordinary half-pixel-centred bilinear interpolation, and
// a same-size resize copies pixels exactly (weights 1 and 0).
// ---------------------------------------------------------------------------

interface Coeffs {
  /** First input index for each output index. */
  start: Int32Array;
  /** Number of taps for each output index. */
  count: Int32Array;
  /** Normalised weights, `taps` per output index. */
  weights: Float64Array;
  taps: number;
}

function resampleCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter's support is 1
  const ss = 1 / filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - lo;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const t = Math.abs((k + lo - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      weights[o * taps + k] = w;
      total += w;
    }
    // Drop zero-weight taps at either end (they add exact zeros), then normalise.
    let first = 0;
    let last = n - 1;
    while (first < last && weights[o * taps + first] === 0) first++;
    while (last > first && weights[o * taps + last] === 0) last--;
    for (let k = first; k <= last; k++) weights[o * taps + k - first] = total !== 0 ? weights[o * taps + k] / total : weights[o * taps + k];
    start[o] = lo + first;
    count[o] = last - first + 1;
  }
  return { start, count, weights, taps };
}

// Scratch buffers, grown on demand (one module instance per worker/thread).
let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);
function scratch(n: number): [Float64Array, Float64Array] {
  if (scratchA.length < n) {
    scratchA = new Float64Array(n);
    scratchB = new Float64Array(n);
  }
  return [scratchA, scratchB];
}

/**
 * Crops `box` out of `pixels` (side srcSize) and resizes it to size x size into
 * dst (float64 RGB HWC in [0, 1]); mirrors columns when `flip`. tmp holds the
 * horizontal pass (box.height x size x 3).
 */
function cropResize(pixels: Uint8ClampedArray, srcSize: number, box: CropBox, size: number, flip: boolean, dst: Float64Array, tmp: Float64Array): void {
  const cx = resampleCoeffs(box.width, size);
  const cy = resampleCoeffs(box.height, size);
  // Horizontal pass over the crop's rows. Flipping reads output column ox with
  // the coefficients of column size-1-ox: an exact mirror of the unflipped view.
  for (let y = 0; y < box.height; y++) {
    const rowBase = ((box.top + y) * srcSize + box.left) * 3;
    const tRow = y * size * 3;
    for (let ox = 0; ox < size; ox++) {
      const c = flip ? size - 1 - ox : ox;
      const n = cx.count[c];
      const wBase = c * cx.taps;
      let p = rowBase + cx.start[c] * 3;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++, p += 3) {
        const w = cx.weights[wBase + k];
        r += w * BYTE_TO_UNIT[pixels[p]];
        g += w * BYTE_TO_UNIT[pixels[p + 1]];
        b += w * BYTE_TO_UNIT[pixels[p + 2]];
      }
      const t = tRow + ox * 3;
      tmp[t] = r;
      tmp[t + 1] = g;
      tmp[t + 2] = b;
    }
  }
  // Vertical pass, a whole output row at a time (weight-major, so each inner loop is contiguous).
  const rowLen = size * 3;
  for (let oy = 0; oy < size; oy++) {
    const n = cy.count[oy];
    const wBase = oy * cy.taps;
    const dRow = oy * rowLen;
    let s = cy.start[oy] * rowLen;
    const w0 = cy.weights[wBase];
    for (let i = 0; i < rowLen; i++) dst[dRow + i] = w0 * tmp[s + i];
    for (let k = 1; k < n; k++) {
      s += rowLen;
      const w = cy.weights[wBase + k];
      if (w === 0) continue;
      for (let i = 0; i < rowLen; i++) dst[dRow + i] += w * tmp[s + i];
    }
  }
}

// ---------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------

function checkProb(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`ViewSpec.${name} must be a probability in [0, 1], got ${p}`);
}

function checkRange(name: string, r: readonly [number, number]): void {
  if (!Array.isArray(r) || r.length !== 2 || !(r[0] > 0) || !(r[1] >= r[0]) || !Number.isFinite(r[1]))
    throw new Error(`ViewSpec.${name} must be [lo, hi] with 0 < lo <= hi, got ${JSON.stringify(r)}`);
}

/** Throws a message naming the field if `spec` is not a usable view spec. */
export function validateViewSpec(spec: ViewSpec): void {
  if (!Number.isInteger(spec.size) || spec.size < 1) throw new Error(`ViewSpec.size must be a positive integer, got ${spec.size}`);
  checkRange('scale', spec.scale);
  checkRange('ratio', spec.ratio);
  checkProb('flipP', spec.flipP);
  checkProb('grayscaleP', spec.grayscaleP);
  checkProb('blurP', spec.blurP);
  checkProb('solarizeP', spec.solarizeP);
  const j = spec.jitter;
  if (j !== null) {
    checkProb('jitter.p', j.p);
    for (const k of ['brightness', 'contrast', 'saturation'] as const)
      if (!(j[k] >= 0) || !Number.isFinite(j[k])) throw new Error(`ViewSpec.jitter.${k} must be >= 0, got ${j[k]}`);
    if (!(j.hue >= 0 && j.hue <= 0.5)) throw new Error(`ViewSpec.jitter.hue must be in [0, 0.5], got ${j.hue}`);
  }
}

/**
 * Writes one augmented view of `pixels` (square RGB uint8, side srcSize) as
 * ImageNet-normalised float32 HWC of side spec.size into out[offset...]. All
 * randomness from rng (exactly one draw; see the file comment).
 *
 * Blur sigma is U(0.1, 2.0) * srcSize / 224 view pixels: the 224 px recipe's
 * blur relative to the image, and, as DINO does for its 96 px locals, the same
 * pixel sigma on small local views as on global ones. At 32 px that is at most
 * 0.29 px: faithful to the recipes' relative blur, but visually almost nothing.
 */
export function augmentView(pixels: Uint8ClampedArray, srcSize: number, spec: ViewSpec, rng: Rng, out: Float32Array, offset: number): void {
  if (!Number.isInteger(srcSize) || srcSize < 1 || pixels.length !== srcSize * srcSize * 3)
    throw new Error(`augmentView: pixels length ${pixels.length} is not srcSize ${srcSize} squared x 3 (RGB)`);
  validateViewSpec(spec);
  const size = spec.size;
  const n = size * size;
  if (!Number.isInteger(offset) || offset < 0 || offset + n * 3 > out.length)
    throw new Error(`augmentView: offset ${offset} + ${n * 3} values does not fit in out (length ${out.length})`);

  const viewSeed = Math.floor(rng.next() * 4294967296);
  const coins = new Rng(hashSeed(viewSeed, 'coins'));
  // All five coins are drawn every time, so probabilities never shift other draws.
  const doFlip = coins.next() < spec.flipP;
  const doJitter = coins.next() < (spec.jitter?.p ?? 0);
  const doGray = coins.next() < spec.grayscaleP;
  const doBlur = coins.next() < spec.blurP;
  const doSolarize = coins.next() < spec.solarizeP;

  const box = randomResizedCropBox(srcSize, srcSize, spec.scale, spec.ratio, new Rng(hashSeed(viewSeed, 'crop')));
  const [img, tmp] = scratch(Math.max(srcSize, size) * size * 3);
  cropResize(pixels, srcSize, box, size, doFlip, img, tmp);

  if (doJitter && spec.jitter) colorJitter(img, n, spec.jitter, new Rng(hashSeed(viewSeed, 'jitter')));
  if (doGray) grayscale(img, n);
  if (doBlur) {
    const sigma = new Rng(hashSeed(viewSeed, 'blur')).uniform(BLUR_SIGMA_224[0], BLUR_SIGMA_224[1]) * (srcSize / 224);
    gaussianBlur(img, tmp, size, sigma);
  }
  if (doSolarize) solarize(img, n);

  for (let p = 0, o = offset; p < n * 3; p += 3, o += 3) {
    out[o] = (img[p] - MEAN[0]) / STD[0];
    out[o + 1] = (img[p + 1] - MEAN[1]) / STD[1];
    out[o + 2] = (img[p + 2] - MEAN[2]) / STD[2];
  }
}

// ---------------------------------------------------------------------------
// Shared by the recipes (in the method files)
// ---------------------------------------------------------------------------

/** Inception-style crop aspect range, log-uniform (SimCLR app. A, BYOL Table 6, torchvision default). */
export const inceptionRatio = (): [number, number] => [3 / 4, 4 / 3];

/**
 * Colour distortion at lab scale. The recipes' jitter rotates hue by at most
 * 0.1 turn and drops colour with p=0.2: on photographs that is enough, but a toy
 * scene is one flat-coloured object on a flat or gradient background, and two
 * crops of it can be matched by their colours alone. The two-view methods then
 * learn colour detectors and the shape probe stays at its random-init level
 * (SimCLR, toy-B, default budget: 15.2 % vs 14.8 % random init). Rotating hue
 * over the full circle (0.5 turn either way) and dropping colour with p=0.5
 * removes that shortcut (SimCLR 25.8 %); docs/recipes.md has the sweep.
 */
export const TOY_HUE = 0.5;
export const TOY_GRAYSCALE_P = 0.5;

/**
 * The global views' crop area at lab scale: none ([1, 1], the whole image), where the recipes
 * crop U(0.08, 1) (SimCLR, BYOL) or U(0.4, 1) (DINO). Measured on the off-centre probe (kNN,
 * seed 0, docs/recipes.md): SimCLR without a crop 20.4 % at the default budget and 22.6 % at 3x,
 * with crop U(0.25, 1) 16.8 % at 3x (13.4 % random init). Rendering the scene at 2x and cropping
 * down, as photo pipelines do, did not rescue the crop (16.0 % at 3x); nor did shifting views by
 * up to 4 or 8 px (16.0 / 16.2 %). At 32 px a crop rescales a centred object that a model seeing
 * each image about twice has not learnt to recognise at other scales (supervised: 86.6 % without,
 * 33 % with a crop on the centred probe). DINO keeps its small local crops.
 */
export const TOY_GLOBAL_CROP = (): [number, number] => [1, 1];
