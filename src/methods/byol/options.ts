/**
 * BYOL's options: one strict schema with defaults, ranges, help and the paper's value
 * beside each (the spec, the form, `floplab.methods()` and the docs all read it). Free of tfjs.
 */
import { z } from 'zod';
import { option } from '../spec';
import { int, unit, widthMult } from '../optionKinds';

export const byolOptions = z.strictObject({
  // BYOL's code: 0.97 for 40 epochs, 0.99 for 100-300, 0.996 for 1000. Toy runs are a few hundred steps.
  baseMomentum: option(unit().default(0.99), {
    label: 'Target EMA (base)',
    help: 'Target momentum at step 0, rising to 1 by cosine.',
    paper: '0.99 (JFT/ALIGN), 0.996 (I1K), 0.97 (COCO)',
    step: 0.001,
  }),
  projHiddenMult: option(widthMult().default(2), {
    label: 'Projector hidden (x D)',
    help: 'Projector hidden width as a multiple of D.',
    paper: '4096 (2 x 2048)',
    advanced: true,
  }),
  projDim: option(int(1, 4096).default(64), { label: 'Projection output', help: 'Projector and predictor output width.', paper: '256', advanced: true }),
  predHiddenMult: option(widthMult().default(2), {
    label: 'Predictor hidden (x D)',
    help: 'Predictor hidden width as a multiple of D.',
    paper: '4096',
    advanced: true,
  }),
});

export type ByolOptions = z.output<typeof byolOptions>;
