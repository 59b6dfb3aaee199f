/**
 * DINO's options: one strict schema with defaults, ranges, help and the paper's value
 * beside each (the spec, the form, `floplab.methods()` and the docs all read it). Free of tfjs.
 */
import { z } from 'zod';
import type { VitConfig } from '../../models/vit';
import { option } from '../spec';
import { int, unit, widthMult, temperature } from '../optionKinds';

export const dinoOptions = z.strictObject({
  // 2 rather than 10, so that the default budget buys about 290 steps rather than 200 (docs/recipes.md).
  localCrops: option(int(0, 16).default(2), { label: 'Local crops', help: 'Small crops only the student sees.', paper: '10 (A.3)', step: 1 }),
  localSize: option(int(0, 512).default(0), {
    label: 'Local crop side (px)',
    help: '0 = half the image on the patch grid (16 px at 32 px); otherwise a multiple of the patch size.',
    paper: '96 px of 224',
    advanced: true,
  }),
  prototypes: option(int(2, 65536).default(256), {
    label: 'Prototypes K',
    help: 'Head output width; a few hundred is plenty for the toy classes.',
    paper: '65536',
    advanced: true,
  }),
  headHiddenMult: option(widthMult().default(4), {
    label: 'Head hidden (x D)',
    help: 'Head MLP hidden width as a multiple of D.',
    paper: '2048 (2.7 x D for ViT-B)',
    advanced: true,
  }),
  bottleneckDim: option(int(1, 4096).default(64), { label: 'Bottleneck', help: 'l2-normalised before the prototypes.', paper: '256', advanced: true }),
  studentTemp: option(temperature().default(0.1), {
    label: 'Student temperature',
    help: 'Sharpness of the student softmax.',
    paper: '0.1',
    advanced: true,
    step: 0.01,
  }),
  warmupTeacherTemp: option(temperature().default(0.04), {
    label: 'Teacher temp. at start',
    help: 'Teacher temperature at step 0.',
    paper: '0.04',
    advanced: true,
    step: 0.01,
  }),
  teacherTemp: option(temperature().default(0.04), {
    label: 'Teacher temperature',
    help: 'After the warm-up ("above 0.07 is unstable").',
    paper: '0.04 (0.07 in long runs)',
    step: 0.01,
  }),
  teacherTempWarmup: option(unit().default(0.3), {
    label: 'Teacher temp. warm-up',
    help: 'Fraction of the steps over which the teacher temperature rises.',
    paper: '30 epochs of 100-300',
    advanced: true,
    step: 0.05,
  }),
  // 0.95 rather than 0.996: a default run is a few hundred steps and the teacher must move within
  // it (as BYOL's code lowers its momentum for short schedules).
  baseMomentum: option(unit().default(0.95), {
    label: 'Teacher EMA (base)',
    help: 'Teacher momentum at step 0, rising to 1 by cosine.',
    paper: '0.996',
    advanced: true,
    step: 0.001,
  }),
  centerMomentum: option(unit().default(0.9), { label: 'Centre momentum', help: 'EMA of the mean teacher logit.', paper: '0.9', advanced: true, step: 0.01 }),
});

export type DinoOptions = z.output<typeof dinoOptions>;

/** DINO's local crop side: the option, or (0) half the image rounded to the patch grid, at least one patch. */
export function dinoLocalSide(localSize: number, model: VitConfig): number {
  if (localSize !== 0) return localSize;
  return Math.max(model.patchSize, Math.round(model.imageSize / 2 / model.patchSize) * model.patchSize);
}
