/**
 * The options of a procedural scene (src/data/scenes.ts), their types and their checked,
 * defaulted form: what a dataset preset or a caller may ask of the generator.
 */
import type { Rng } from '../engine/rng';
import { SHAPE_CLASSES } from './shapes';

/** An object's class, and optionally its colour (index into COLOURS), chosen by a ClassSampler. */
export interface ClassChoice {
  cls: number;
  colour?: number;
}

/**
 * Draws one object's class (and colour) from `rng`, the scene's own 'class'
 * stream: a preset's class distribution (e.g. long-tailed) without touching
 * the layout or style streams, so geometry stays what the uniform draw gives.
 */
export type ClassSampler = (rng: Rng) => ClassChoice;

export interface SceneOptions {
  imageSize: number;
  numClasses: number;
  maxObjects: number;
  minObjects?: number;
  centred?: boolean;
  /** 'clean' is plain or gradient, never noise (curated, well-lit photos). */
  background?: 'plain' | 'gradient' | 'noise' | 'mixed' | 'clean';
  /** Replaces the uniform class draw (default: uniform over numClasses, colour uniform). */
  classSampler?: ClassSampler;
  /** 'inside' (default): objects lie in the frame. 'crop': centres may fall outside it, like a random crop of a larger photo. */
  placement?: 'inside' | 'crop';
  /** [min, max] small objects drawn first, behind the rest: in the mask, but not in objects, labels or caption. Default [0, 0]. */
  distractors?: readonly [number, number];
  /**
   * [min, max] object size as a fraction of the side, replacing the layout's
   * default range (see sizeRange: 0.2 to 0.5 - 0.04 * count with several objects).
   * Optional; scenes made without it keep their exact bytes (the same draws are made).
   * The ADE-like segmentation set uses it for objects large against the patch grid.
   */
  objectSize?: readonly [number, number];
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
  /** Classes of the visible `objects` (distractors excluded), first-seen order. */
  labels: number[];
  objects: SceneObject[];
  /** Visible distractors (in the mask only). */
  distractors: SceneObject[];
  caption: string;
}

export type ResolvedSceneOptions = Required<Omit<SceneOptions, 'classSampler' | 'objectSize'>> & {
  classSampler: ClassSampler | null;
  /** null: the layout's default range (sizeRange). */
  objectSize: readonly [number, number] | null;
};

const BACKGROUNDS = ['plain', 'gradient', 'noise', 'mixed', 'clean'] as const;
const PLACEMENTS = ['inside', 'crop'] as const;
/** Distractor size range, as a fraction of the side: small next to real objects (0.2 and up). */
export const DISTRACTOR_SIZE: readonly [number, number] = [0.08, 0.16];

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
  if (opts.centred !== undefined && typeof opts.centred !== 'boolean') throw new Error(`SceneOptions.centred must be a boolean, got ${String(opts.centred)}`);
  const centred = opts.centred ?? maxObjects === 1;
  // Several objects cannot all sit in the centre; refuse rather than silently ignore.
  if (centred && maxObjects > 1) throw new Error(`SceneOptions.centred needs maxObjects 1 (one centred object), got maxObjects ${maxObjects}`);
  const background = opts.background ?? 'mixed';
  if (!(BACKGROUNDS as readonly string[]).includes(background))
    throw new Error(`SceneOptions.background must be one of ${BACKGROUNDS.join(', ')}, got ${String(background)}`);
  const placement = opts.placement ?? 'inside';
  if (!(PLACEMENTS as readonly string[]).includes(placement))
    throw new Error(`SceneOptions.placement must be one of ${PLACEMENTS.join(', ')}, got ${String(placement)}`);
  if (centred && placement === 'crop') throw new Error(`SceneOptions.placement 'crop' cannot be combined with centred objects`);
  const d = opts.distractors ?? ([0, 0] as const);
  if (!Array.isArray(d) || d.length !== 2) throw new Error(`SceneOptions.distractors must be [min, max], got ${String(d)}`);
  const dMax = checkInt('distractors[1]', d[1], 0, 3);
  const distractors = [checkInt('distractors[0]', d[0], 0, dMax), dMax] as const;
  const classSampler = opts.classSampler ?? null;
  if (classSampler !== null && typeof classSampler !== 'function') throw new Error(`SceneOptions.classSampler must be a function, got ${typeof classSampler}`);
  let objectSize: readonly [number, number] | null = null;
  if (opts.objectSize !== undefined) {
    const z = opts.objectSize;
    if (!Array.isArray(z) || z.length !== 2 || !z.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(z[0] > 0 && z[0] <= z[1] && z[1] <= 1))
      throw new Error(`SceneOptions.objectSize must be [min, max] with 0 < min <= max <= 1, got ${JSON.stringify(z)}`);
    objectSize = [z[0], z[1]] as const;
  }
  return { imageSize, numClasses, maxObjects, minObjects, centred, background, placement, distractors, classSampler, objectSize };
}
