/**
 * The Gaussian blur of the view pipeline (src/data/augment.ts), as torchvision's gaussian_blur
 * computes it: on float64 RGB HWC in [0, 1], separable, reflect padding.
 */

/** Separable Gaussian blur, radius ceil(3 sigma) (at least 1, at most size-1), reflect padding as torchvision. */
export function gaussianBlur(img: Float64Array, tmp: Float64Array, size: number, sigma: number): void {
  const radius = Math.min(Math.max(1, Math.ceil(3 * sigma)), size - 1);
  if (radius < 1) return;
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += kernel[k + radius] = Math.exp(-0.5 * (k / sigma) * (k / sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  if (radius === 1) blur3(img, tmp, size, kernel[0], kernel[1], kernel[2]);
  else blurWide(img, tmp, size, kernel);
}

/** Reflect padding (torchvision's default): index -i for i < 0, 2(size-1) - i past the end. */
const reflect = (i: number, size: number): number => (i < 0 ? -i : i >= size ? 2 * size - 2 - i : i);

/** Any radius: rows into tmp, then columns back into img, each tap's products added in tap order. */
function blurWide(img: Float64Array, tmp: Float64Array, size: number, kernel: Float64Array): void {
  const taps = kernel.length;
  const radius = (taps - 1) / 2;
  const src = new Int32Array(size * taps);
  for (let x = 0; x < size; x++) for (let k = 0; k < taps; k++) src[x * taps + k] = reflect(x + k - radius, size);
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

/**
 * Radius 1 (sigma <= 1/3: every blur of an image up to 37 px, whose sigma is at most
 * 2.0 * 37 / 224): the same sums as blurWide, in the same order ((0 + w0 a) + w1 b) + w2 c along
 * rows and (w0 a + w1 b) + w2 c down columns, in one pass each instead of one per tap, without
 * the index table.
 */
function blur3(img: Float64Array, tmp: Float64Array, size: number, w0: number, w1: number, w2: number): void {
  const rowLen = size * 3;
  for (let y = 0; y < size; y++) {
    const row = y * rowLen;
    for (let x = 0; x < size; x++) {
      const l = row + reflect(x - 1, size) * 3;
      const c = row + x * 3;
      const r = row + reflect(x + 1, size) * 3;
      tmp[c] = 0 + w0 * img[l] + w1 * img[c] + w2 * img[r];
      tmp[c + 1] = 0 + w0 * img[l + 1] + w1 * img[c + 1] + w2 * img[r + 1];
      tmp[c + 2] = 0 + w0 * img[l + 2] + w1 * img[c + 2] + w2 * img[r + 2];
    }
  }
  for (let y = 0; y < size; y++) {
    const d = y * rowLen;
    const up = reflect(y - 1, size) * rowLen;
    const down = reflect(y + 1, size) * rowLen;
    for (let i = 0; i < rowLen; i++) img[d + i] = w0 * tmp[up + i] + w1 * tmp[d + i] + w2 * tmp[down + i];
  }
}
