/**
 * Procedural scenes: shapes with colour, texture, size and position variation on
 * plain, gradient or noise backgrounds, generated on the fly from (seed, index),
 * so dataset size is a number, not a download. Shape identity is the class;
 * everything else is nuisance variation a pre-training method must see through.
 *
 * Output is byte-identical in Node and the browser: the RNG is integer
 * arithmetic, geometry uses only + - * / and constants, colours are integers,
 * and no Date, Math.random or transcendental Math function is involved.
 * Each image is rendered at 2x2 samples per pixel (anti-aliasing); the mask
 * takes the pixel-centre sample.
 */
import { Rng, hashSeed } from '../engine/rng';
import { SHAPE_CLASSES, TEXTURE_PLAIN, drawObject, paintBackground, type BackgroundSpec, type DrawSpec } from './shapes';
import { COLOURS, TEXTURES, CAPTION_VOCAB, captionFor } from './captions';

export { SHAPE_CLASSES, COLOURS, TEXTURES, CAPTION_VOCAB };

export interface SceneOptions {
  imageSize: number;
  numClasses: number;
  maxObjects: number;
  minObjects?: number;
  centred?: boolean;
  background?: 'plain' | 'gradient' | 'noise' | 'mixed';
}

export interface SceneObject {
  cls: number;
  colour: number;
  texture: number;
  /** Fraction of the image side (before the +-10% aspect jitter). */
  size: number;
  /** Centre, as fractions of the side. */
  x: number;
  y: number;
}

export interface Scene {
  pixels: Uint8ClampedArray;
  mask: Uint8Array;
  labels: number[];
  objects: SceneObject[];
  caption: string;
}

export type ResolvedSceneOptions = Required<SceneOptions>;

const BACKGROUNDS = ['plain', 'gradient', 'noise', 'mixed'] as const;

/** RGB per entry of COLOURS; saturated so objects stand apart from the muted backgrounds. */
const COLOUR_RGB: readonly (readonly number[])[] = [
  [215, 40, 40], [245, 140, 25], [240, 215, 40], [45, 165, 70],
  [45, 95, 220], [145, 65, 195], [245, 245, 245], [25, 25, 25],
];

function checkInt(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi)
    throw new Error(`SceneOptions.${name} must be an integer in ${lo}..${hi}, got ${String(value)}`);
  return value;
}

/** Validates options and fills defaults; errors name the option and the reason. */
export function resolveSceneOptions(opts: SceneOptions): ResolvedSceneOptions {
  if (typeof opts !== 'object' || opts === null) throw new Error('SceneOptions must be an object');
  const imageSize = checkInt('imageSize', opts.imageSize, 8, 512);
  const numClasses = checkInt('numClasses', opts.numClasses, 2, SHAPE_CLASSES.length);
  const maxObjects = checkInt('maxObjects', opts.maxObjects, 1, 6);
  const minObjects = opts.minObjects === undefined ? 1 : checkInt('minObjects', opts.minObjects, 1, maxObjects);
  if (opts.centred !== undefined && typeof opts.centred !== 'boolean')
    throw new Error(`SceneOptions.centred must be a boolean, got ${String(opts.centred)}`);
  const centred = opts.centred ?? maxObjects === 1;
  // Several objects cannot all sit in the centre; refuse rather than silently ignore.
  if (centred && maxObjects > 1)
    throw new Error(`SceneOptions.centred needs maxObjects 1 (one centred object), got maxObjects ${maxObjects}`);
  const background = opts.background ?? 'mixed';
  if (!(BACKGROUNDS as readonly string[]).includes(background))
    throw new Error(`SceneOptions.background must be one of ${BACKGROUNDS.join(', ')}, got ${String(background)}`);
  return { imageSize, numClasses, maxObjects, minObjects, centred, background };
}

const clampByte = (x: number): number => (x < 0 ? 0 : x > 255 ? 255 : Math.round(x));

/** Colour distance weighted roughly by the eye's sensitivity (green most). Squared. */
function dist2(a: readonly number[], b: readonly number[]): number {
  const dr = a[0] - b[0];
  const dg = a[1] - b[1];
  const db = a[2] - b[2];
  return 2 * dr * dr + 4 * dg * dg + 3 * db * db;
}

/** The secondary colour of a texture: darker for light colours, lighter for dark ones. */
function shadeOf(rgb: readonly number[]): number[] {
  const lum = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  return rgb.map((c) => clampByte(lum > 110 ? c * 0.62 : c + (255 - c) * 0.4));
}

/** An object's colour must differ this much from the background, and its texture shade this much. */
const MIN_CONTRAST2 = 200 * 200;
const MIN_SHADE_CONTRAST2 = 170 * 170;

/** A muted background colour: a grey level with a tint of up to +-40 per channel. */
function mutedColour(rng: Rng): number[] {
  const g = 30 + rng.int(196);
  return [0, 1, 2].map(() => clampByte(g + rng.int(81) - 40));
}

/**
 * Draws a background for objects whose colours are already chosen. Object
 * colours are uniform (so captions name every colour equally often) and the
 * background is fitted to them instead: up to 64 candidate colour pairs, the
 * first that every object (and its texture shade) stands out against wins,
 * else the most contrasting one. Gradients and noise are checked at both ends
 * and the middle of their colour range.
 */
function chooseBackground(rng: Rng, choice: ResolvedSceneOptions['background'], size: number, objects: DrawSpec[]): BackgroundSpec {
  const kind = choice === 'mixed' ? (['plain', 'gradient', 'noise'] as const)[rng.int(3)] : choice;
  let best: number[][] = [];
  let bestScore = -1;
  for (let attempt = 0; attempt < 64 && bestScore < 1; attempt++) {
    const c0 = mutedColour(rng);
    const c1 = kind === 'plain' ? c0 : mutedColour(rng);
    const refs = [c0, c1, [0, 1, 2].map((c) => (c0[c] + c1[c]) / 2)];
    let score = Infinity;
    for (const ob of objects)
      for (const r of refs) {
        score = Math.min(score, dist2(ob.rgb, r) / MIN_CONTRAST2);
        if (ob.texture !== TEXTURE_PLAIN) score = Math.min(score, dist2(ob.rgb2, r) / MIN_SHADE_CONTRAST2);
      }
    if (score > bestScore) [best, bestScore] = [[c0, c1], score];
  }
  const spec: BackgroundSpec = { c0: best[0], c1: best[1], dir: 0, grid: null, grain: null };
  if (kind === 'gradient') spec.dir = 1 + rng.int(4);
  if (kind === 'noise') {
    const g = 2 + rng.int(4);
    spec.grid = new Float64Array((g + 1) * (g + 1));
    for (let i = 0; i < spec.grid.length; i++) spec.grid[i] = rng.next();
    spec.grain = new Int8Array(size * size);
    for (let i = 0; i < spec.grain.length; i++) spec.grain[i] = rng.int(25) - 12;
  }
  return spec;
}

/** Size range (fraction of the side) by layout: big and framed alone, smaller when sharing. */
function sizeRange(count: number, centred: boolean): [number, number] {
  if (centred) return [0.4, 0.7];
  if (count === 1) return [0.3, 0.6];
  return [0.2, 0.5 - 0.04 * count];
}

export function generateScene(seed: number, index: number, opts: SceneOptions): Scene {
  const o = resolveSceneOptions(opts);
  if (!Number.isInteger(seed)) throw new Error(`generateScene seed must be an integer, got ${seed}`);
  if (!Number.isInteger(index) || index < 0) throw new Error(`generateScene index must be a non-negative integer, got ${index}`);
  const S = o.imageSize;
  // Separate streams, so e.g. the background option never changes which class or colour an index has.
  const root = new Rng(hashSeed(seed, 'scene', index));
  const layout = root.split('layout');
  const style = root.split('style');

  const count = o.minObjects + layout.int(o.maxObjects - o.minObjects + 1);
  const [lo, hi] = sizeRange(count, o.centred);
  const placed: SceneObject[] = [];
  const specs: DrawSpec[] = [];
  for (let k = 0; k < count; k++) {
    const cls = layout.int(o.numClasses);
    const size = layout.uniform(lo, hi);
    const aspect = layout.uniform(0.9, 1.1);
    const ex = (size / 2) * aspect;
    const ey = size / 2 / aspect;
    let x = 0.5;
    let y = 0.5;
    if (o.centred) {
      x += layout.uniform(-0.04, 0.04);
      y += layout.uniform(-0.04, 0.04);
    } else {
      // A few tries to keep objects from piling up; keep the least-overlapping one.
      let best = -1;
      for (let attempt = 0; attempt < 20 && best < 1; attempt++) {
        const tx = layout.uniform(ex, 1 - ex);
        const ty = layout.uniform(ey, 1 - ey);
        let score = Infinity;
        for (const p of placed) {
          // sqrt, unlike Math.hypot, is correctly rounded in every engine.
          const d = Math.sqrt((tx - p.x) * (tx - p.x) + (ty - p.y) * (ty - p.y));
          score = Math.min(score, d / ((p.size + size) / 2));
        }
        if (score > best) [best, x, y] = [score, tx, ty];
      }
    }
    const orient = style.int(4);
    const texture = style.int(TEXTURES.length);
    const stripeDir = style.int(4);
    const colour = style.int(COLOURS.length);
    const rgb = COLOUR_RGB[colour].map((c) => clampByte(c + style.int(31) - 15));
    const rgb2 = shadeOf(rgb);
    specs.push({ cls, cx: x * S, cy: y * S, hx: ex * S, hy: ey * S, orient, texture, stripeDir, rgb, rgb2 });
    placed.push({ cls, colour, texture, size, x, y });
  }

  const samples = new Uint8Array(S * S * 12);
  paintBackground(samples, S, chooseBackground(root.split('background'), o.background, S, specs));
  const ids = new Uint8Array(S * S);
  specs.forEach((sp, k) => drawObject(samples, ids, S, sp, k + 1));

  // Downsample 2x2 -> 1 with rounding, all in integers.
  const pixels = new Uint8ClampedArray(S * S * 3);
  const row = S * 6;
  for (let py = 0; py < S; py++) {
    for (let px = 0; px < S; px++) {
      const a = (py * 2 * S * 2 + px * 2) * 3;
      const p = (py * S + px) * 3;
      for (let c = 0; c < 3; c++)
        pixels[p + c] = (samples[a + c] + samples[a + 3 + c] + samples[a + row + c] + samples[a + row + 3 + c] + 2) >> 2;
    }
  }

  // Objects hidden entirely (occluded, or too small to cover a pixel centre) are
  // dropped from objects, labels and caption, so all three agree with the mask.
  const visible = new Uint32Array(count + 1);
  for (let i = 0; i < ids.length; i++) visible[ids[i]]++;
  const objects = placed.filter((_, k) => visible[k + 1] > 0);
  const mask = new Uint8Array(S * S);
  for (let i = 0; i < ids.length; i++) if (ids[i] > 0) mask[i] = placed[ids[i] - 1].cls + 1;
  const labels: number[] = [];
  for (const ob of objects) if (!labels.includes(ob.cls)) labels.push(ob.cls);
  return { pixels, mask, labels, objects, caption: captionFor(objects) };
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
/** (p/255 - mean[c]) / std[c] for every byte and channel, rounded to float32 once. */
const NORM_LUT = new Float32Array(768);
for (let c = 0; c < 3; c++) for (let p = 0; p < 256; p++) NORM_LUT[c * 256 + p] = (p / 255 - MEAN[c]) / STD[c];

/** ImageNet-normalised float32 HWC copy: (p/255 - mean[c]) / std[c], mean=[0.485,0.456,0.406], std=[0.229,0.224,0.225]. Writes into `out` at `offset` if given. */
export function normalisePixels(pixels: Uint8ClampedArray, out?: Float32Array, offset = 0): Float32Array {
  if (pixels.length % 3 !== 0) throw new Error(`normalisePixels: pixels length ${pixels.length} is not a multiple of 3 (RGB)`);
  const dst = out ?? new Float32Array(pixels.length);
  if (!Number.isInteger(offset) || offset < 0 || offset + pixels.length > dst.length)
    throw new Error(`normalisePixels: offset ${offset} + ${pixels.length} values does not fit in out (length ${dst.length})`);
  for (let i = 0; i < pixels.length; i += 3) {
    dst[offset + i] = NORM_LUT[pixels[i]];
    dst[offset + i + 1] = NORM_LUT[256 + pixels[i + 1]];
    dst[offset + i + 2] = NORM_LUT[512 + pixels[i + 2]];
  }
  return dst;
}

/** FNV-1a 32-bit hex digest over pixels, mask and caption (UTF-8), to compare Node vs browser output. */
export function sceneDigest(scene: Scene): string {
  let h = 0x811c9dc5;
  const feed = (bytes: ArrayLike<number>): void => {
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  };
  feed(scene.pixels);
  feed(scene.mask);
  feed(new TextEncoder().encode(scene.caption));
  return (h >>> 0).toString(16).padStart(8, '0');
}
