/**
 * What a method declares about itself besides its implementation: label, paper,
 * and its options as one strict zod schema with defaults, ranges and help (the
 * paper's value beside the lab's). Config validation, the option controls in the
 * page, `floplab.methods()` and the docs all read this one declaration.
 * Free of tfjs (type imports only), so the page can hold it.
 */
import { z } from 'zod';
import type { Readout, VitConfig } from '../models/vit';
import type { Method } from './types';

/** A method's options: a strict object whose every field has a default. */
export type OptionsSchema = z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;

/** What the page and the docs show about one option; stored as the field's zod metadata. */
export interface OptionMeta {
  label: string;
  /** What the option does and why the lab's default is what it is. */
  help: string;
  /** The paper's (or the original code's) value. */
  paper: string;
  /** Shown under "more options" rather than up front. */
  advanced?: boolean;
  /** Step of the number control. */
  step?: number;
  /** Values a sweep or comparison tries (MAE's mask ratios); any value in range is still accepted. */
  sweep?: readonly (number | string)[];
}

/** Attaches the option's metadata to its schema. */
export function option<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
  return schema.meta({ ...meta });
}

export interface MethodSpec<S extends OptionsSchema = OptionsSchema> {
  label: string;
  /** Link to the original paper. */
  paper: string;
  /** One line, shown as a tooltip. */
  summary: string;
  /** What the method reaches at the lab's default experiment (measured by `npm run signal`; docs/recipes.md). */
  atLabScale: string;
  /**
   * What the probes read from the encoder, as the method's own paper evaluates it: the class
   * token (default), or the mean of the patch tokens (MAE, whose loss never reaches the class token).
   */
  readout?: Readout;
  options: S;
  /**
   * Whether a logged step shows the representation collapsed, from the loss and the monitors the
   * method reports: a sentence naming the sign, or null. Pure (no tfjs); src/train/collapse.ts applies it.
   */
  collapse?(point: { loss: number; monitors: Record<string, number> }, options: z.output<S>): string | null;
  /** Rules that also need the model (MAE must keep a patch; DINO's local crop fits the patch grid): problems by option key. */
  checkWithModel?(options: z.output<S>, model: VitConfig): { key: string; message: string }[];
  /**
   * The encoder passes one image costs per step (views, crops, teacher passes), for the memory
   * estimate (src/train/memoryEstimate.ts); default one full-size pass with gradient.
   */
  encoderPasses?(options: z.output<S>, model: VitConfig): EncoderPass[];
  /** The implementation (worker side: it imports tfjs, so the page never calls this). */
  load(): Promise<Method<z.output<S>>>;
}

/**
 * One pass of a training step as the memory estimate prices it (src/train/memoryEstimate.ts).
 * Rough by design: the encoder's own blocks are priced there from the model; the fields
 * below only say what differs per method.
 */
export interface EncoderPass {
  /** Side of this pass's images, px (DINO's local crops are smaller than the image). */
  imageSize: number;
  /**
   * Images per batch image in this pass. Views of one size go through the encoder as one
   * concatenated call (SimCLR's two views are one call over 2B images), so they are one
   * entry with count 2: count x batch sizes that call's tensors.
   */
  count: number;
  /**
   * Differentiated (the student). false: a frozen EMA copy (BYOL's target, DINO's teacher),
   * whose weights are a second copy of the encoder without gradients or Adam state. It still
   * runs inside the gradient tape, so its saved activations live until the backward ends.
   */
  grad: boolean;
  /** Fraction of the patch tokens the blocks see (MAE's kept patches); default 1. */
  tokenFraction?: number;
  /**
   * A transformer other than the encoder runs this pass (MAE's decoder, CLIP's text tower):
   * its width, depth, heads, MLP width, and its sequence length when that is not the image's
   * token grid (plus the class token). Its block weights count as the method's; such a pass
   * reads no images.
   */
  blocks?: { dim: number; depth: number; heads: number; mlpDim: number; tokens?: number };
  /** Weights the method adds on this pass besides blocks (heads, projectors, embeddings): trainable when `grad`, else a frozen copy. Give each module once. */
  extraParams?: number;
  /** Forward activation floats per image of the method's own layers on this pass (heads, losses), about the sum of their outputs. */
  extraFloats?: number;
  /** Forward floats per pair of images the loss compares ((count x batch)^2 pairs: SimCLR's and CLIP's similarity matrices). */
  pairFloats?: number;
}

/** Typed identity: infers the options schema so `load` must return a method over exactly those options. */
export const defineMethod = <S extends OptionsSchema>(spec: MethodSpec<S>): MethodSpec<S> => spec;

/** One option as the page shows it: derived from the schema (JSON Schema form) and its metadata. */
export interface OptionControl extends OptionMeta {
  key: string;
  kind: 'number' | 'integer' | 'choice' | 'boolean';
  default: unknown;
  choices?: readonly (string | number)[];
  min?: number;
  max?: number;
  advanced: boolean;
}

interface JsonField {
  type?: string;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** The controls for a method's options, in declaration order. */
export function optionControls(schema: OptionsSchema): OptionControl[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, JsonField> };
  return Object.entries(json.properties ?? {}).map(([key, field]) => {
    const meta = (schema.shape[key].meta() ?? {}) as unknown as OptionMeta;
    const kind = field.enum ? 'choice' : field.type === 'boolean' ? 'boolean' : field.type === 'integer' ? 'integer' : 'number';
    return {
      ...meta,
      key,
      kind,
      default: field.default,
      choices: field.enum,
      min: field.minimum ?? field.exclusiveMinimum,
      max: field.maximum ?? field.exclusiveMaximum,
      step: meta.step ?? (kind === 'integer' ? 1 : undefined),
      advanced: meta.advanced === true,
    };
  });
}

/** Why `value` is not a valid `key` for this schema, in the schema's own words, or null. */
export function optionProblem(schema: OptionsSchema, key: string, value: unknown): string | null {
  const field = schema.shape[key];
  if (!field) return `not an option (options: ${Object.keys(schema.shape).join(', ')})`;
  const r = field.safeParse(value);
  return r.success ? null : r.error.issues.map((i) => i.message).join('; ');
}
