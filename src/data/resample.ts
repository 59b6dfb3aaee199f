/**
 * The crop-and-resize of the view pipeline (src/data/augment.ts): bilinear resampling as PIL's
 * antialiased bilinear (what torchvision uses on PIL images, and with antialias=true on
 * tensors): a triangle filter whose support widens by the downscale factor, so shrinking (DINO
 * locals) does not alias. Upscaling reduces to ordinary half-pixel-centred bilinear
 * interpolation, and a same-size resize copies pixels exactly (weights 1 and 0).
 */
import { BYTE_TO_UNIT } from './normalize';

/** A crop of an image, in its pixels. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

interface Coeffs {
  /** First input index for each output index. */
  start: Int32Array;
  /** Number of taps for each output index. */
  count: Int32Array;
  /** Normalised weights, `taps` per output index. */
  weights: Float64Array;
  taps: number;
  /** Output index o is input index o with weight 1 (a same-size resize): a copy. */
  identity: boolean;
}

/**
 * The coefficients of each (input size, output size) pair, computed once: they depend on nothing
 * else, and a batch resizes the same few pairs hundreds of times (at most one per crop side and
 * view size: a few thousand at 512 px).
 */
const coeffCache = new Map<string, Coeffs>();

function resampleCoeffs(inSize: number, outSize: number): Coeffs {
  const key = `${inSize}>${outSize}`;
  let coeffs = coeffCache.get(key);
  if (!coeffs) coeffCache.set(key, (coeffs = computeCoeffs(inSize, outSize)));
  return coeffs;
}

function computeCoeffs(inSize: number, outSize: number): Coeffs {
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
  let identity = inSize === outSize;
  for (let o = 0; o < outSize && identity; o++) identity = start[o] === o && count[o] === 1 && weights[o * taps] === 1;
  return { start, count, weights, taps, identity };
}

/**
 * Whether resizing `box` to size x size copies its pixels (same size: weights 1, one tap each):
 * the view pipeline then takes the crop's bytes as they are (palette.ts) instead of resizing.
 */
export function isCopy(box: CropBox, size: number): boolean {
  return resampleCoeffs(box.width, size).identity && resampleCoeffs(box.height, size).identity;
}

/**
 * Crops `box` out of `pixels` (side srcSize) and resizes it to size x size into
 * dst (float64 RGB HWC in [0, 1]); mirrors columns when `flip`. tmp holds the
 * horizontal pass (box.height x size x 3).
 */
export function cropResize(pixels: Uint8ClampedArray, srcSize: number, box: CropBox, size: number, flip: boolean, dst: Float64Array, tmp: Float64Array): void {
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
