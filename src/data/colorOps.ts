/**
 * The colour operations of the view pipeline (src/data/augment.ts), as torchvision's functional
 * tensor ops compute them: on float64 RGB HWC in [0, 1], `n` pixels, blends clamped to [0, 1].
 */
import { Rng } from '../engine/rng';
import type { ColorJitter } from './viewSpec';

/** torchvision's rgb_to_grayscale weights (ITU-R 601-2 luma, as torchvision rounds them). */
const LUMA_R = 0.2989;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

/** BYOL's solarisation threshold on [0, 1] pixels: x < 0.5 ? x : 1 - x. */
const SOLARIZE_THRESHOLD = 0.5;

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

function adjustBrightness(img: Float64Array, n: number, factor: number): void {
  for (let i = 0; i < n * 3; i++) img[i] = clamp01(img[i] * factor);
}

/** Blends towards the mean luma of the whole image. */
function adjustContrast(img: Float64Array, n: number, factor: number): void {
  let sum = 0;
  for (let p = 0; p < n * 3; p += 3) sum += LUMA_R * img[p] + LUMA_G * img[p + 1] + LUMA_B * img[p + 2];
  const base = (1 - factor) * (sum / n);
  for (let i = 0; i < n * 3; i++) img[i] = clamp01(factor * img[i] + base);
}

/** Blends towards each pixel's own luma. */
function adjustSaturation(img: Float64Array, n: number, factor: number): void {
  for (let p = 0; p < n * 3; p += 3) {
    const base = (1 - factor) * (LUMA_R * img[p] + LUMA_G * img[p + 1] + LUMA_B * img[p + 2]);
    img[p] = clamp01(factor * img[p] + base);
    img[p + 1] = clamp01(factor * img[p + 1] + base);
    img[p + 2] = clamp01(factor * img[p + 2] + base);
  }
}

/** Rotates hue by `shift` turns via RGB -> HSV -> RGB (torchvision's _rgb2hsv / _hsv2rgb). */
function adjustHue(img: Float64Array, n: number, shift: number): void {
  for (let p = 0; p < n * 3; p += 3) {
    const r = img[p];
    const g = img[p + 1];
    const b = img[p + 2];
    const maxc = r > g ? (r > b ? r : b) : g > b ? g : b;
    const minc = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (maxc === minc) continue; // grey: hue undefined, rotation is the identity
    const cr = maxc - minc;
    const s = cr / maxc;
    const rc = (maxc - r) / cr;
    const gc = (maxc - g) / cr;
    const bc = (maxc - b) / cr;
    let h: number;
    if (maxc === r) h = bc - gc;
    else if (maxc === g) h = 2 + rc - bc;
    else h = 4 + gc - rc;
    h = h / 6 + shift; // in [-2/3, 3/2): wrap into [0, 1)
    h -= Math.floor(h);
    const v = maxc;
    const h6 = h * 6;
    const i = Math.floor(h6); // 0..5, or 6 if h6 rounds up to 6 (then f = 0: same as sector 0)
    const f = h6 - i;
    const pp = clamp01(v * (1 - s));
    const q = clamp01(v * (1 - s * f));
    const t = clamp01(v * (1 - s * (1 - f)));
    switch (i) {
      case 0:
      case 6:
        img[p] = v;
        img[p + 1] = t;
        img[p + 2] = pp;
        break;
      case 1:
        img[p] = q;
        img[p + 1] = v;
        img[p + 2] = pp;
        break;
      case 2:
        img[p] = pp;
        img[p + 1] = v;
        img[p + 2] = t;
        break;
      case 3:
        img[p] = pp;
        img[p + 1] = q;
        img[p + 2] = v;
        break;
      case 4:
        img[p] = t;
        img[p + 1] = pp;
        img[p + 2] = v;
        break;
      default:
        img[p] = v;
        img[p + 1] = pp;
        img[p + 2] = q;
        break;
    }
  }
}

/**
 * torchvision ColorJitter: factors brightness/contrast/saturation ~ U(max(0, 1-x), 1+x),
 * hue shift ~ U(-hue, hue), applied in a random order (a permutation of the four).
 * A zero strength leaves that operation out, as torchvision does.
 */
export function colorJitter(img: Float64Array, n: number, j: ColorJitter, rng: Rng): void {
  const order = rng.permutation(4);
  const bf = rng.uniform(Math.max(0, 1 - j.brightness), 1 + j.brightness);
  const cf = rng.uniform(Math.max(0, 1 - j.contrast), 1 + j.contrast);
  const sf = rng.uniform(Math.max(0, 1 - j.saturation), 1 + j.saturation);
  const hf = rng.uniform(-j.hue, j.hue);
  for (const op of order) {
    if (op === 0 && j.brightness > 0) adjustBrightness(img, n, bf);
    else if (op === 1 && j.contrast > 0) adjustContrast(img, n, cf);
    else if (op === 2 && j.saturation > 0) adjustSaturation(img, n, sf);
    else if (op === 3 && j.hue > 0) adjustHue(img, n, hf);
  }
}

export function grayscale(img: Float64Array, n: number): void {
  for (let p = 0; p < n * 3; p += 3) {
    const l = LUMA_R * img[p] + LUMA_G * img[p + 1] + LUMA_B * img[p + 2];
    img[p] = l;
    img[p + 1] = l;
    img[p + 2] = l;
  }
}

/** Separable Gaussian blur, radius ceil(3 sigma) (at least 1, at most size-1), reflect padding as torchvision. */
export function gaussianBlur(img: Float64Array, tmp: Float64Array, size: number, sigma: number): void {
  const radius = Math.min(Math.max(1, Math.ceil(3 * sigma)), size - 1);
  if (radius < 1) return;
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += kernel[k + radius] = Math.exp(-0.5 * (k / sigma) * (k / sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  const taps = 2 * radius + 1;
  // Reflect padding (torchvision's default): index -i for i < 0, 2(size-1) - i past the end.
  const src = new Int32Array(size * taps);
  for (let x = 0; x < size; x++)
    for (let k = 0; k < taps; k++) {
      const i = x + k - radius;
      src[x * taps + k] = i < 0 ? -i : i >= size ? 2 * size - 2 - i : i;
    }
  const rowLen = size * 3;
  // Rows into tmp.
  for (let y = 0; y < size; y++) {
    const row = y * rowLen;
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < taps; k++) {
        const w = kernel[k];
        const p = row + src[x * taps + k] * 3;
        r += w * img[p];
        g += w * img[p + 1];
        b += w * img[p + 2];
      }
      const d = row + x * 3;
      tmp[d] = r;
      tmp[d + 1] = g;
      tmp[d + 2] = b;
    }
  }
  // Columns back into img, a whole row at a time.
  for (let y = 0; y < size; y++) {
    const dRow = y * rowLen;
    let s = src[y * taps] * rowLen;
    const w0 = kernel[0];
    for (let i = 0; i < rowLen; i++) img[dRow + i] = w0 * tmp[s + i];
    for (let k = 1; k < taps; k++) {
      s = src[y * taps + k] * rowLen;
      const w = kernel[k];
      for (let i = 0; i < rowLen; i++) img[dRow + i] += w * tmp[s + i];
    }
  }
}

export function solarize(img: Float64Array, n: number): void {
  for (let i = 0; i < n * 3; i++) if (img[i] >= SOLARIZE_THRESHOLD) img[i] = 1 - img[i];
}
