/**
 * SimCLR's options: one strict schema with defaults, ranges, help and the paper's value
 * beside each (the spec, the form, `floplab.methods()` and the docs all read it). Free of tfjs.
 */
import { z } from 'zod';
import { option } from '../spec';
import { int, widthMult, temperature } from '../optionKinds';

export const simclrOptions = z.strictObject({
  // Batch 32 has few negatives, and 0.1 or 0.2 reached the same probe with a curve that fell
  // after its first point (docs/recipes.md).
  temperature: option(temperature().default(0.5), {
    label: 'Temperature',
    help: "NT-Xent temperature; 0.5 (CIFAR-10's value) suits the toy batch of 32.",
    paper: '0.1 (ImageNet; 0.5 on CIFAR-10)',
    step: 0.05,
  }),
  projLayers: option(int(1, 4).default(2), {
    label: 'Projection layers',
    help: 'Linear layers of the projection head.',
    paper: '2 (v1); 3 (v2)',
    advanced: true,
  }),
  projHiddenMult: option(widthMult().default(2), {
    label: 'Projection hidden (x D)',
    help: 'Hidden width as a multiple of the encoder width D (ViT SSL heads are wider than ResNet ones).',
    paper: 'x1 (2048 on ResNet-50)',
    advanced: true,
  }),
  projDim: option(int(1, 4096).default(64), { label: 'Projection output', help: 'Toy widths are 32-192.', paper: '128', advanced: true }),
});

export type SimclrOptions = z.output<typeof simclrOptions>;
