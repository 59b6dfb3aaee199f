/**
 * The colour operations of the view pipeline (src/data/augment.ts) but the blur (blur.ts), as
 * torchvision's functional tensor ops compute them: on float64 RGB in [0, 1], blends clamped to
 * [0, 1]. They work on an image's colours (Colours): its pixels, or a same-size crop's distinct
 * colours (palette.ts), which gives each pixel the same values to the bit, in a fraction of the time.
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

/**
 * What the operations work on: `count` RGB colours (float64, in [0, 1]) in `colours`, and the
 * image's n pixels made of them: one each, in order, when `index` is null; else pixel p has
 * colour index[p] (a view's distinct colours, src/data/palette.ts). Every operation but contrast
 * is pointwise and only changes the colours; contrast averages over the pixels.
 */
export interface Colours {
  colours: Float64Array;
  count: number;
  index: Int32Array | null;
  n: number;
}

/** An image's own pixels as Colours: n colours, one per pixel. */
export const pixelColours = (img: Float64Array, n: number): Colours => ({ colours: img, count: n, index: null, n });

function adjustBrightness(img: Float64Array, n: number, factor: number): void {
  for (let i = 0; i < n * 3; i++) img[i] = clamp01(img[i] * factor);
}

/** Blends towards the mean luma of the whole image: of its n pixels, each colour as often as pixels have it. */
function adjustContrast({ colours, count, index, n }: Colours, factor: number): void {
  let sum = 0;
  if (index === null) for (let p = 0; p < n * 3; p += 3) sum += LUMA_R * colours[p] + LUMA_G * colours[p + 1] + LUMA_B * colours[p + 2];
  else {
    // The same luma of each colour, added up pixel by pixel in the same order: the same sum.
    const luma = lumaScratch(count);
    for (let k = 0; k < count; k++) luma[k] = LUMA_R * colours[k * 3] + LUMA_G * colours[k * 3 + 1] + LUMA_B * colours[k * 3 + 2];
    for (let p = 0; p < n; p++) sum += luma[index[p]];
  }
  const base = (1 - factor) * (sum / n);
  for (let i = 0; i < count * 3; i++) colours[i] = clamp01(factor * colours[i] + base);
}

let lumaOfColour = new Float64Array(0);
function lumaScratch(n: number): Float64Array {
  if (lumaOfColour.length < n) lumaOfColour = new Float64Array(n);
  return lumaOfColour;
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

/**
 * Rotates hue by `shift` turns via RGB -> HSV -> RGB (torchvision's _rgb2hsv / _hsv2rgb).
 * A coloured pixel equal to the one before it gets that one's result again, without the
 * divisions: toy scenes are flat, so about half the pixels repeat their left neighbour. (Equal
 * means ===, which takes -0 for 0; no step below tells them apart in a coloured pixel.)
 */
function adjustHue(img: Float64Array, n: number, shift: number): void {
  // The previous pixel as it was, when it was coloured (its result is at img[p - 3...]); else NaN.
  let lastR = NaN;
  let lastG = NaN;
  let lastB = NaN;
  for (let p = 0; p < n * 3; p += 3) {
    const r = img[p];
    const g = img[p + 1];
    const b = img[p + 2];
    if (r === lastR && g === lastG && b === lastB) {
      img[p] = img[p - 3];
      img[p + 1] = img[p - 2];
      img[p + 2] = img[p - 1];
      continue;
    }
    const maxc = r > g ? (r > b ? r : b) : g > b ? g : b;
    const minc = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (maxc === minc) {
      lastR = NaN; // grey: hue undefined, rotation is the identity
      continue;
    }
    lastR = r;
    lastG = g;
    lastB = b;
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
export function colorJitter(image: Colours, j: ColorJitter, rng: Rng): void {
  const { colours: img, count: n } = image;
  const order = rng.permutation(4);
  const bf = rng.uniform(Math.max(0, 1 - j.brightness), 1 + j.brightness);
  const cf = rng.uniform(Math.max(0, 1 - j.contrast), 1 + j.contrast);
  const sf = rng.uniform(Math.max(0, 1 - j.saturation), 1 + j.saturation);
  const hf = rng.uniform(-j.hue, j.hue);
  for (const op of order) {
    if (op === 0 && j.brightness > 0) adjustBrightness(img, n, bf);
    else if (op === 1 && j.contrast > 0) adjustContrast(image, cf);
    else if (op === 2 && j.saturation > 0) adjustSaturation(img, n, sf);
    else if (op === 3 && j.hue > 0) adjustHue(img, n, hf);
  }
}

export function grayscale({ colours: img, count: n }: Colours): void {
  for (let p = 0; p < n * 3; p += 3) {
    const l = LUMA_R * img[p] + LUMA_G * img[p + 1] + LUMA_B * img[p + 2];
    img[p] = l;
    img[p + 1] = l;
    img[p + 2] = l;
  }
}

export function solarize({ colours: img, count: n }: Colours): void {
  for (let i = 0; i < n * 3; i++) if (img[i] >= SOLARIZE_THRESHOLD) img[i] = 1 - img[i];
}
