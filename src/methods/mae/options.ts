/**
 * MAE's options: one strict schema with defaults, ranges, help and the paper's value
 * beside each (the spec, the form, `floplab.methods()` and the docs all read it). Free of tfjs.
 */
import { z } from 'zod';
import { option } from '../spec';

export const maeOptions = z.strictObject({
  maskRatio: option(z.number().gt(0).lt(1).default(0.75), {
    label: 'Mask ratio',
    help: 'Fraction of patches hidden from the encoder (it must keep one patch and hide one).',
    paper: '0.75; A.5 sweeps 0.55 / 0.65 / 0.75 / 0.85',
    step: 0.05,
    sweep: [0.55, 0.65, 0.75, 0.85],
  }),
  decoder: option(z.enum(['standard', 'tiny']).default('standard'), {
    label: 'Decoder',
    help: "standard: the toy analogue of MAE's decoder (2/3 of the encoder's width and depth, at least 2 layers); tiny: one layer.",
    paper: '8 layers x 512 wide; tiny: 1 layer (A.5)',
    sweep: ['standard', 'tiny'],
  }),
  normPixLoss: option(z.boolean().default(true), {
    label: 'Normalised pixel targets',
    help: 'Reconstruct each patch normalised by its own mean and variance (norm_pix_loss).',
    paper: "true (MAE's best results)",
  }),
});

export type MaeOptions = z.output<typeof maeOptions>;

/** Patches the encoder sees: MAE's len_keep = int(N * (1 - mask_ratio)). */
export const lenKeep = (numPatches: number, maskRatio: number): number => Math.trunc(numPatches * (1 - maskRatio));
