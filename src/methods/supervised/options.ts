/**
 * Supervised's options: one strict schema with defaults, ranges, help and the paper's value
 * beside each (the spec, the form, `floplab.methods()` and the docs all read it). Free of tfjs.
 */
import { z } from 'zod';
import { option } from '../spec';

export const supervisedOptions = z.strictObject({
  labelSmoothing: option(z.number().min(0).lt(1).default(0.1), {
    label: 'Label smoothing',
    help: 'Applied after averaging multi-label targets.',
    paper: '0.1 (A.3)',
    step: 0.05,
  }),
  // A run of the default budget sees each image of the pool about twice: nothing to regularise
  // against, and a crop only slows learning. Measured (toy-B, 1,000 steps, wasm, kNN probe on
  // 1,000/500 images): area U(0.35, 1) 33.4 %, no crop 81.8 % (docs/recipes.md).
  cropScale: option(z.number().gt(0).max(1).default(1), {
    label: 'Min crop area',
    help: 'Smallest area of the random resized crop; 1 = flip only (the toy default: a short run sees each image about twice).',
    paper: 'crop-resize, area U(0.08, 1) (I1K)',
    step: 0.05,
  }),
});

export type SupervisedOptions = z.output<typeof supervisedOptions>;
