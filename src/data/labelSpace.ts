/**
 * Label spaces finer than the 10 shapes. A fine class is a colour and a shape,
 * "red circle" (8 x 10 = 80 classes, all caption-vocabulary words, so
 * pseudo-captions tokenize without unknowns). The JFT-like preset adds the 10
 * shapes as parent classes after the fine ones (90 in all), draws its classes
 * from a Zipf law over a fixed shuffle of the fine classes, and corrupts some
 * annotations. Everything here is integer or IEEE + - * / arithmetic.
 */
import { Rng, hashSeed } from '../engine/rng';
import { COLOURS } from './captions';
import { SHAPE_CLASSES } from './shapes';

const NUM_SHAPES = SHAPE_CLASSES.length;

/** Fine class index = colour * 10 + shape, so "red circle", "red square", ..., "black crescent". */
export const FINE_CLASSES: readonly string[] = COLOURS.flatMap((c) => SHAPE_CLASSES.map((s) => `${c} ${s}`));
export const NUM_FINE = FINE_CLASSES.length;

export const fineClass = (shape: number, colour: number): number => colour * NUM_SHAPES + shape;
export const shapeOfFine = (fine: number): number => fine % NUM_SHAPES;
export const colourOfFine = (fine: number): number => Math.floor(fine / NUM_SHAPES);

/** JFT-like label space: 80 fine classes, then their 10 parent shapes. */
export const JFT_CLASS_NAMES: readonly string[] = [...FINE_CLASSES, ...SHAPE_CLASSES];
/** The label of a fine class's parent shape in the JFT-like label space. */
export const parentOf = (fine: number): number => NUM_FINE + shapeOfFine(fine);

/**
 * Fine classes by frequency rank: a fixed shuffle (the same for every
 * experiment seed, so the documented head classes never change) that spreads
 * the head over colours and shapes instead of making it "all circles".
 */
export const JFT_RANKED: readonly number[] = Array.from(new Rng(hashSeed(2024, 'jft-class-ranks')).permutation(NUM_FINE));

/** Zipf exponent 1 with an offset of one: p(rank r) = (1 / (r + 1)) / H(80). */
export function zipfWeights(n: number): number[] {
  return Array.from({ length: n }, (_, r) => 1 / (r + 1));
}

const RANK_WEIGHTS = zipfWeights(NUM_FINE);
const WEIGHT_SUM = RANK_WEIGHTS.reduce((a, b) => a + b, 0);
/** Cumulative probability by rank, the last entry forced to 1 so every draw lands. */
const RANK_CDF: readonly number[] = (() => {
  let acc = 0;
  const cdf = RANK_WEIGHTS.map((w) => (acc += w / WEIGHT_SUM));
  cdf[cdf.length - 1] = 1;
  return cdf;
})();

/** Probability of each fine class (by class index, not rank) under the JFT-like draw. */
export const JFT_CLASS_PROBS: readonly number[] = (() => {
  const p = new Array<number>(NUM_FINE).fill(0);
  JFT_RANKED.forEach((cls, rank) => (p[cls] = RANK_WEIGHTS[rank] / WEIGHT_SUM));
  return p;
})();

/** Most over least frequent class: 80 for Zipf 1/(r+1) over 80 ranks. */
export const JFT_HEAD_TO_TAIL = RANK_WEIGHTS[0] / RANK_WEIGHTS[NUM_FINE - 1];

/** Share of all draws that go to the `k` most frequent classes (H(k) / H(n)). */
export function zipfTopShare(k: number, n = NUM_FINE): number {
  const w = zipfWeights(n);
  return w.slice(0, k).reduce((a, b) => a + b, 0) / w.reduce((a, b) => a + b, 0);
}

/** One fine class from the JFT-like long tail. */
export function sampleJftFine(rng: Rng): number {
  const u = rng.next();
  let rank = 0;
  while (RANK_CDF[rank] <= u) rank++;
  return JFT_RANKED[rank];
}

export interface NoisyLabels {
  labels: number[];
  /** The clean annotation, for inspection and tests. */
  clean: number[];
  noisy: boolean;
}

/**
 * JFT-like annotation of the fine classes visible in an image: with
 * probability `noiseRate` one fine label is swapped for a uniformly drawn fine
 * class the image does not have (its parent follows), as automatic labelling
 * pipelines err; then the parents of all fine labels are appended (hierarchy).
 * Labels are fine classes in first-seen order, then parents in first-seen order.
 */
export function jftAnnotation(fine: readonly number[], rng: Rng, noiseRate: number): NoisyLabels {
  const withParents = (f: readonly number[]): number[] => {
    const out = [...f];
    for (const c of f) if (!out.includes(parentOf(c))) out.push(parentOf(c));
    return out;
  };
  const clean = withParents(fine);
  if (fine.length === 0 || !(rng.next() < noiseRate)) return { labels: clean, clean, noisy: false };
  const at = rng.int(fine.length);
  // Uniform over the fine classes absent from the image, so the swap always changes the annotation.
  let pick = rng.int(NUM_FINE - fine.length);
  let wrong = 0;
  for (; ; wrong++) if (!fine.includes(wrong) && pick-- === 0) break;
  const noisyFine = [...fine];
  noisyFine[at] = wrong;
  return { labels: withParents(noisyFine), clean, noisy: true };
}
