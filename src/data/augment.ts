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
 * end; colour operations clamp to [0, 1] like torchvision's tensor ops. Every value is
 * fixed to the bit (tests/augment.test.ts pins them), whatever the shortcuts taken to get
 * there: resize coefficients computed once per size pair (resample.ts), a same-size crop's
 * operations run once per distinct colour up to the blur (palette.ts), and a view with no
 * operation but a same-size crop looked up byte by byte (NORMALISED_BYTE).
 *
 * Determinism: `augmentView` draws exactly one number from the caller's `rng`
 * and derives independent streams from it for the crop, the five coin flips,
 * the jitter parameters and the blur sigma. So a view's crop does not depend on
 * whether colour jitter or blur is enabled, and the caller's stream advances by
 * one draw per view whatever the spec. Only + - * /, Math.exp/log/sqrt/floor and
 * comparisons are used; no Math.random or Date.
 */
import { Rng, hashSeed } from '../engine/rng';
import { IMAGENET_MEAN as MEAN, IMAGENET_STD as STD, NORMALISED_BYTE } from './normalize';
import type { ViewSpec } from './viewSpec';
import { colorJitter, grayscale, pixelColours, solarize, type Colours } from './colorOps';
import { cropPalette, paletteImage } from './palette';
import { gaussianBlur } from './blur';
import { cropResize, isCopy, type CropBox } from './resample';

export type { ViewSpec, CropBox };

/** Gaussian blur sigma range of SimCLR / BYOL / DINO, in pixels of a 224 px view. */
const BLUR_SIGMA_224: readonly [number, number] = [0.1, 2.0];

// ---------------------------------------------------------------------------
// Random resized crop
// ---------------------------------------------------------------------------

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
  const sameSize = isCopy(box, size);
  const changesColours = (doJitter && spec.jitter !== null) || doGray || doBlur || doSolarize;
  if (sameSize && !changesColours) {
    // Only a same-size crop, perhaps flipped (the supervised recipe): every value is a byte's
    // normalisation, so look it up rather than compute it.
    copyNormalised(pixels, srcSize, box, doFlip, out, offset);
    return;
  }
  const [img, tmp] = scratch(Math.max(srcSize, size) * size * 3);
  // A same-size crop keeps the scene's few colours: the colour operations work on those
  // (src/data/palette.ts) up to the blur, which mixes them.
  let image: Colours;
  if (sameSize) image = cropPalette(pixels, srcSize, box, doFlip);
  else {
    cropResize(pixels, srcSize, box, size, doFlip, img, tmp);
    image = pixelColours(img, n);
  }

  if (doJitter && spec.jitter) colorJitter(image, spec.jitter, new Rng(hashSeed(viewSeed, 'jitter')));
  if (doGray) grayscale(image);
  if (doBlur) {
    if (image.index !== null) {
      paletteImage(image, img);
      image = pixelColours(img, n);
    }
    const sigma = new Rng(hashSeed(viewSeed, 'blur')).uniform(BLUR_SIGMA_224[0], BLUR_SIGMA_224[1]) * (srcSize / 224);
    gaussianBlur(img, tmp, size, sigma);
  }
  if (doSolarize) solarize(image);
  writeNormalised(image, out, offset);
}

/** ImageNet-normalises each pixel of `image` into out[offset...] as float32; a palette's colours once each. */
function writeNormalised({ colours, count, index, n }: Colours, out: Float32Array, offset: number): void {
  const [m0, m1, m2] = MEAN;
  const [s0, s1, s2] = STD;
  // The normalised colours; a palette's are then copied to its pixels.
  const dst = index === null ? out : normalisedScratch(count);
  const start = index === null ? offset : 0;
  for (let k = 0, o = start; k < count * 3; k += 3, o += 3) {
    dst[o] = (colours[k] - m0) / s0;
    dst[o + 1] = (colours[k + 1] - m1) / s1;
    dst[o + 2] = (colours[k + 2] - m2) / s2;
  }
  if (index === null) return;
  for (let p = 0, o = offset; p < n; p++, o += 3) {
    const k = index[p] * 3;
    out[o] = dst[k];
    out[o + 1] = dst[k + 1];
    out[o + 2] = dst[k + 2];
  }
}

let normalisedColours = new Float32Array(0);
function normalisedScratch(count: number): Float32Array {
  if (normalisedColours.length < count * 3) normalisedColours = new Float32Array(count * 3);
  return normalisedColours;
}

// Scratch buffers for the float64 view, grown on demand (one module instance per worker/thread).
let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);
function scratch(n: number): [Float64Array, Float64Array] {
  if (scratchA.length < n) {
    scratchA = new Float64Array(n);
    scratchB = new Float64Array(n);
  }
  return [scratchA, scratchB];
}

/** The crop (same size as the view), mirrored when `flip`, normalised: NORMALISED_BYTE of each byte. */
function copyNormalised(pixels: Uint8ClampedArray, srcSize: number, box: CropBox, flip: boolean, out: Float32Array, offset: number): void {
  const size = box.width;
  for (let y = 0, o = offset; y < box.height; y++) {
    const rowBase = ((box.top + y) * srcSize + box.left) * 3;
    for (let x = 0; x < size; x++, o += 3) {
      const p = rowBase + (flip ? size - 1 - x : x) * 3;
      out[o] = NORMALISED_BYTE[pixels[p]];
      out[o + 1] = NORMALISED_BYTE[256 + pixels[p + 1]];
      out[o + 2] = NORMALISED_BYTE[512 + pixels[p + 2]];
    }
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
