/**
 * Fine-tuning augmentation for segmentation (paper A.4), in plain TypeScript:
 * - photometric: SimCLR's colour jitter with brightness, contrast, saturation and
 *   hue 0.1, applied with probability 0.5 (the paper's settings), reusing
 *   augmentView with an identity crop (it also ImageNet-normalises);
 * - random rescale-crop: a scale factor from 0.5 to 2.0 in steps of 0.25, the
 *   image resized by it (bilinear) and the mask too (nearest neighbour), then a
 *   random imageSize crop of the result; where the rescaled image is smaller
 *   than imageSize it is padded at the bottom and right (as mmsegmentation's Pad)
 *   with 0 in normalised space (the mean colour) and label 255 (ignored).
 * Image and mask go through the same geometry, so they stay aligned.
 */
import { augmentView } from '../data/augment';
import type { ViewSpec } from '../data/viewSpec';
import type { Rng } from '../engine/rng';
import { IGNORE_INDEX } from './ade';

/** The paper's scale factors: minimum 0.5, maximum 2.0, step 0.25. */
export const RESCALE_FACTORS: readonly number[] = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** Paper A.4: "brightness=0.1, contrast=0.1, saturation=0.1, hue=0.1, apply_prob=0.5". */
function photometricSpec(imageSize: number): ViewSpec {
  return {
    size: imageSize,
    scale: [1, 1],
    ratio: [1, 1],
    flipP: 0,
    jitter: { p: 0.5, brightness: 0.1, contrast: 0.1, saturation: 0.1, hue: 0.1 },
    grayscaleP: 0,
    blurP: 0,
    solarizeP: 0,
  };
}

export interface RescaleCrop {
  scale: number;
  /** Offset of the crop in the rescaled image (0 when that is smaller than the output). */
  top: number;
  left: number;
}

const rescaledSize = (imageSize: number, scale: number): number => Math.max(1, Math.round(imageSize * scale));

export function sampleRescaleCrop(imageSize: number, rng: Rng): RescaleCrop {
  const scale = RESCALE_FACTORS[rng.int(RESCALE_FACTORS.length)];
  const slack = Math.max(0, rescaledSize(imageSize, scale) - imageSize);
  return { scale, top: rng.int(slack + 1), left: rng.int(slack + 1) };
}

/**
 * Rescales one square image (float HWC, side `size`) and its mask by rc.scale
 * and takes the size x size window at (rc.top, rc.left), written as sample
 * `outIndex` of outImage / outMask. Bilinear sampling uses half-pixel centres
 * clamped to the edge; the mask takes the nearest source pixel.
 */
export function rescaleCrop(
  image: Float32Array,
  mask: Uint8Array,
  size: number,
  rc: RescaleCrop,
  outImage: Float32Array,
  outMask: Uint8Array,
  outIndex = 0,
): void {
  if (image.length !== size * size * 3 || mask.length !== size * size)
    throw new Error(
      `rescaleCrop: image has ${image.length} values and mask ${mask.length} pixels, expected ${size * size * 3} and ${size * size} for size ${size}`,
    );
  if (!(rc.scale > 0)) throw new Error(`rescaleCrop: scale must be > 0, got ${rc.scale}`);
  const scaled = rescaledSize(size, rc.scale);
  if (
    !Number.isInteger(rc.top) ||
    !Number.isInteger(rc.left) ||
    rc.top < 0 ||
    rc.left < 0 ||
    rc.top > Math.max(0, scaled - size) ||
    rc.left > Math.max(0, scaled - size)
  )
    throw new Error(`rescaleCrop: offset (${rc.top}, ${rc.left}) outside 0..${Math.max(0, scaled - size)} for a ${scaled}px rescaled image`);
  const ratio = size / scaled;
  const inside = (i: number, offset: number) => i + offset < scaled;
  // Source coordinates of each output row (or column): bilinear taps, weight, nearest pixel.
  const coords = (offset: number) => {
    const lo = new Int32Array(size);
    const hi = new Int32Array(size);
    const frac = new Float64Array(size);
    const near = new Int32Array(size);
    for (let o = 0; o < size; o++) {
      const r = o + offset;
      const src = Math.min(size - 1, Math.max(0, (r + 0.5) * ratio - 0.5));
      lo[o] = Math.floor(src);
      hi[o] = Math.min(size - 1, lo[o] + 1);
      frac[o] = src - lo[o];
      near[o] = Math.min(size - 1, Math.floor((r + 0.5) * ratio));
    }
    return { lo, hi, frac, near };
  };
  const ys = coords(rc.top);
  const xs = coords(rc.left);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (outIndex * size * size + y * size + x) * 3;
      const m = outIndex * size * size + y * size + x;
      if (!inside(y, rc.top) || !inside(x, rc.left)) {
        outImage[o] = outImage[o + 1] = outImage[o + 2] = 0;
        outMask[m] = IGNORE_INDEX;
        continue;
      }
      const fy = ys.frac[y];
      const fx = xs.frac[x];
      const r0 = ys.lo[y] * size * 3;
      const r1 = ys.hi[y] * size * 3;
      const c0 = xs.lo[x] * 3;
      const c1 = xs.hi[x] * 3;
      for (let c = 0; c < 3; c++) {
        const top = image[r0 + c0 + c] * (1 - fx) + image[r0 + c1 + c] * fx;
        const bottom = image[r1 + c0 + c] * (1 - fx) + image[r1 + c1 + c] * fx;
        outImage[o + c] = top * (1 - fy) + bottom * fy;
      }
      outMask[m] = mask[ys.near[y] * size + xs.near[x]];
    }
  }
}

/**
 * One augmented training sample: photometric jitter (one draw from `rng`), then
 * a rescale-crop (further draws from `rng`), written as sample `index` of the out buffers.
 */
export function augmentSegSample(
  pixels: Uint8ClampedArray,
  mask: Uint8Array,
  size: number,
  rng: Rng,
  outImages: Float32Array,
  outMasks: Uint8Array,
  index: number,
): void {
  const jittered = new Float32Array(size * size * 3);
  augmentView(pixels, size, photometricSpec(size), rng, jittered, 0);
  rescaleCrop(jittered, mask, size, sampleRescaleCrop(size, rng), outImages, outMasks, index);
}
