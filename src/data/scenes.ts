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
 *
 * The dataset presets (src/data/presets.ts) shape scenes through a few more
 * options: a class sampler (long tails, colour-and-shape classes), 'crop'
 * placement (objects cut off by the frame) and distractors. Each draws from its
 * own stream, so scenes made without them keep their exact bytes.
 */
import { Rng, hashSeed } from '../engine/rng';
import { SHAPE_CLASSES, TEXTURE_PLAIN, type DrawSpec } from './shapes';
import type { BackgroundSpec } from './background';
import { renderCanvas } from './canvas';
import { COLOURS, TEXTURES, CAPTION_VOCAB, captionFor } from './captions';
import { NORMALISED_BYTE } from './normalize';

export { SHAPE_CLASSES, COLOURS, TEXTURES, CAPTION_VOCAB };
// The options live in sceneOptions.ts; callers keep importing them from here.
export * from './sceneOptions';
import {
  DISTRACTOR_SIZE,
  resolveSceneOptions,
  type ClassChoice,
  type ClassSampler,
  type ResolvedSceneOptions,
  type Scene,
  type SceneObject,
  type SceneOptions,
} from './sceneOptions';

/** RGB per entry of COLOURS; saturated so objects stand apart from the muted backgrounds. */
const COLOUR_RGB: readonly (readonly number[])[] = [
  [215, 40, 40],
  [245, 140, 25],
  [240, 215, 40],
  [45, 165, 70],
  [45, 95, 220],
  [145, 65, 195],
  [245, 245, 245],
  [25, 25, 25],
];

/** The sampler's choice, checked: a bad class or colour would draw garbage or index out of range. */
function sampleClass(sampler: ClassSampler, rng: Rng, numClasses: number): ClassChoice {
  const c = sampler(rng);
  if (!Number.isInteger(c.cls) || c.cls < 0 || c.cls >= numClasses)
    throw new Error(`SceneOptions.classSampler returned class ${c.cls}, outside 0..${numClasses - 1}`);
  if (c.colour !== undefined && (!Number.isInteger(c.colour) || c.colour < 0 || c.colour >= COLOURS.length))
    throw new Error(`SceneOptions.classSampler returned colour ${c.colour}, outside 0..${COLOURS.length - 1}`);
  return c;
}

/**
 * The classes a ClassSampler picks for the objects of scene (seed, index), in
 * drawing order, without rendering: the label distribution at a fraction of
 * the cost. Objects later hidden by occlusion are still listed.
 */
export function sampledClasses(seed: number, index: number, opts: SceneOptions): ClassChoice[] {
  const o = resolveSceneOptions(opts);
  if (o.classSampler === null) throw new Error('sampledClasses needs SceneOptions.classSampler');
  const root = new Rng(hashSeed(seed, 'scene', index));
  // The object count is the layout stream's first draw, as in generateScene.
  const count = o.minObjects + root.split('layout').int(o.maxObjects - o.minObjects + 1);
  const classRng = root.split('class');
  return Array.from({ length: count }, () => sampleClass(o.classSampler!, classRng, o.numClasses));
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
  const kind =
    choice === 'mixed' ? (['plain', 'gradient', 'noise'] as const)[rng.int(3)] : choice === 'clean' ? (['plain', 'gradient'] as const)[rng.int(2)] : choice;
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
    spec.grid = Array.from({ length: (g + 1) * (g + 1) }, () => rng.next());
    spec.grain = grainScratch(size * size);
    for (let i = 0; i < spec.grain.length; i++) spec.grain[i] = rng.int(25) - 12;
  }
  return spec;
}

/**
 * The grain of a noise background, reused from scene to scene: generateScene paints it before it
 * returns, and a typed array of this size is a separate allocation in V8, costly a scene at a time.
 */
let grain = new Int8Array(0);
function grainScratch(n: number): Int8Array {
  if (grain.length !== n) grain = new Int8Array(n);
  return grain;
}

/** Size range (fraction of the side) by layout: big and framed alone, smaller when sharing. */
function sizeRange(count: number, centred: boolean): [number, number] {
  if (centred) return [0.4, 0.7];
  if (count === 1) return [0.3, 0.6];
  return [0.2, 0.5 - 0.04 * count];
}

/** Orientation, texture and colour of one object from `style`; `colour` overrides the colour draw (still made, so later draws do not shift). */
function styleOf(style: Rng, colour?: number): Pick<DrawSpec, 'orient' | 'texture' | 'stripeDir' | 'rgb' | 'rgb2'> & { colour: number } {
  const orient = style.int(4);
  const texture = style.int(TEXTURES.length);
  const stripeDir = style.int(4);
  const drawn = style.int(COLOURS.length);
  const c = colour ?? drawn;
  const rgb = COLOUR_RGB[c].map((v) => clampByte(v + style.int(31) - 15));
  return { orient, texture, stripeDir, colour: c, rgb, rgb2: shadeOf(rgb) };
}

/**
 * Lowest centre coordinate (the highest is 1 minus it) for half extent `e`:
 * 'inside' keeps the object in frame; 'crop' lets the centre lie outside by
 * half the half extent, so at least a quarter of the box's width stays in view.
 */
const margin = (e: number, placement: ResolvedSceneOptions['placement']): number => (placement === 'crop' ? -e / 2 : e);

export function generateScene(seed: number, index: number, opts: SceneOptions): Scene {
  const o = resolveSceneOptions(opts);
  if (!Number.isInteger(seed)) throw new Error(`generateScene seed must be an integer, got ${seed}`);
  if (!Number.isInteger(index) || index < 0) throw new Error(`generateScene index must be a non-negative integer, got ${index}`);
  const S = o.imageSize;
  // Separate streams, so e.g. the background option never changes which class or colour an index has.
  const root = new Rng(hashSeed(seed, 'scene', index));
  const layout = root.split('layout');
  const style = root.split('style');
  const classRng = o.classSampler === null ? null : root.split('class');

  // Distractors come first in drawing order (behind everything) from their own stream.
  const extra = root.split('distractors');
  const nd = o.distractors[0] + extra.int(o.distractors[1] - o.distractors[0] + 1);
  const shown: SceneObject[] = [];
  const specs: DrawSpec[] = [];
  for (let k = 0; k < nd; k++) {
    const cls = extra.int(o.numClasses);
    const size = extra.uniform(DISTRACTOR_SIZE[0], DISTRACTOR_SIZE[1]);
    const aspect = extra.uniform(0.9, 1.1);
    const ex = (size / 2) * aspect;
    const ey = size / 2 / aspect;
    const mx = margin(ex, o.placement);
    const my = margin(ey, o.placement);
    const x = extra.uniform(mx, 1 - mx);
    const y = extra.uniform(my, 1 - my);
    const st = styleOf(extra);
    specs.push({ cls, cx: x * S, cy: y * S, hx: ex * S, hy: ey * S, ...st });
    shown.push({ cls, colour: st.colour, texture: st.texture, size, x, y });
  }

  const count = o.minObjects + layout.int(o.maxObjects - o.minObjects + 1);
  const [lo, hi] = o.objectSize ?? sizeRange(count, o.centred);
  const placed: SceneObject[] = [];
  for (let k = 0; k < count; k++) {
    // The uniform draw is made even when a sampler decides, so the layout stays the same.
    const uniformCls = layout.int(o.numClasses);
    const choice = classRng === null ? null : sampleClass(o.classSampler!, classRng, o.numClasses);
    const cls = choice === null ? uniformCls : choice.cls;
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
      const mx = margin(ex, o.placement);
      const my = margin(ey, o.placement);
      // A few tries to keep objects from piling up; keep the least-overlapping one.
      let best = -1;
      for (let attempt = 0; attempt < 20 && best < 1; attempt++) {
        const tx = layout.uniform(mx, 1 - mx);
        const ty = layout.uniform(my, 1 - my);
        let score = Infinity;
        for (const p of placed) {
          // sqrt, unlike Math.hypot, is correctly rounded in every engine.
          const d = Math.sqrt((tx - p.x) * (tx - p.x) + (ty - p.y) * (ty - p.y));
          score = Math.min(score, d / ((p.size + size) / 2));
        }
        if (score > best) [best, x, y] = [score, tx, ty];
      }
    }
    const st = styleOf(style, choice?.colour);
    specs.push({ cls, cx: x * S, cy: y * S, hx: ex * S, hy: ey * S, ...st });
    placed.push({ cls, colour: st.colour, texture: st.texture, size, x, y });
  }

  const pixels = new Uint8ClampedArray(S * S * 3);
  const mask = new Uint8Array(S * S);
  const covered = renderCanvas(S, chooseBackground(root.split('background'), o.background, S, specs), specs, pixels, mask);

  // Objects hidden entirely (occluded, out of frame, or too small to cover a pixel
  // centre) are dropped from objects, labels and caption, so all agree with the mask.
  const distractors = shown.filter((_, k) => covered[k] > 0);
  const objects = placed.filter((_, k) => covered[nd + k] > 0);
  const labels: number[] = [];
  for (const ob of objects) if (!labels.includes(ob.cls)) labels.push(ob.cls);
  return { pixels, mask, labels, objects, distractors, caption: captionFor(objects) };
}

/** ImageNet-normalised float32 HWC copy: (p/255 - mean[c]) / std[c] (src/data/normalize.ts). Writes into `out` at `offset` if given. */
export function normalisePixels(pixels: Uint8ClampedArray, out?: Float32Array, offset = 0): Float32Array {
  if (pixels.length % 3 !== 0) throw new Error(`normalisePixels: pixels length ${pixels.length} is not a multiple of 3 (RGB)`);
  const dst = out ?? new Float32Array(pixels.length);
  if (!Number.isInteger(offset) || offset < 0 || offset + pixels.length > dst.length)
    throw new Error(`normalisePixels: offset ${offset} + ${pixels.length} values does not fit in out (length ${dst.length})`);
  for (let i = 0; i < pixels.length; i += 3) {
    dst[offset + i] = NORMALISED_BYTE[pixels[i]];
    dst[offset + i + 1] = NORMALISED_BYTE[256 + pixels[i + 1]];
    dst[offset + i + 2] = NORMALISED_BYTE[512 + pixels[i + 2]];
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
