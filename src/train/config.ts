/**
 * Experiment configs: one zod schema is the single source of truth for defaults,
 * validation messages (naming the field and the reason) and the TypeScript type.
 * Configs are plain JSON so they can live in URLs, files and `window.floplab` calls.
 */
import { z } from 'zod';
import { MODEL_PRESETS, type ModelPresetId } from '../models/presets';
import type { VitConfig } from '../models/vit';
import { DATASET_IDS } from '../data/source';
import { BACKEND_IDS } from '../engine/backendIds';

export const METHOD_IDS = ['supervised', 'mae', 'simclr', 'byol', 'dino', 'clip'] as const;
export type MethodId = (typeof METHOD_IDS)[number];

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const explicitModel = z
  .object({
    imageSize: int(8, 512),
    patchSize: int(1, 64),
    dim: int(4, 2048),
    depth: int(1, 48),
    heads: int(1, 32),
    mlpDim: int(4, 8192),
    pool: z.enum(['cls', 'mean']).default('cls'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.imageSize % m.patchSize !== 0)
      ctx.addIssue({ code: 'custom', path: ['patchSize'], message: `patchSize ${m.patchSize} must divide imageSize ${m.imageSize}` });
    if (m.dim % m.heads !== 0)
      ctx.addIssue({ code: 'custom', path: ['heads'], message: `heads ${m.heads} must divide dim ${m.dim}` });
    if (m.dim % 4 !== 0)
      ctx.addIssue({ code: 'custom', path: ['dim'], message: `dim ${m.dim} must be a multiple of 4 for the 2-D sin-cos position embedding` });
  });

const presetNames = Object.keys(MODEL_PRESETS) as [ModelPresetId, ...ModelPresetId[]];
const modelField = z.union([z.enum(presetNames), explicitModel]);

/** Options that only the free-form 'shapes' family takes; each preset fixes its own. */
const SHAPES_ONLY = ['numClasses', 'maxObjects'] as const;

export const datasetSchema = z
  .object({
    /** Which dataset character to pre-train on (see src/data/presets.ts and the README table). */
    preset: z.enum(DATASET_IDS).default('imagenet-1k'),
    /** Unique images in the pre-training pool (generated on the fly by index); each preset has its own default. Ignored for 'imported' (all images). */
    size: int(16, 10_000_000).optional(),
    /** 'shapes' only: classes (2-10) and objects per scene (1 = one centred object). */
    numClasses: int(2, 10).optional(),
    maxObjects: int(1, 6).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.preset === 'shapes') return;
    for (const key of SHAPES_ONLY)
      if (d[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} is fixed by the ${d.preset} preset (only the 'shapes' preset takes it)` });
  });

export const optimSchema = z
  .object({
    /** Toy: 2e-3 (1e-3 reached 81.8 % supervised probe at 1,000 steps, 2e-3 86.6 %; docs/recipes.md). */
    lr: z.number().positive().max(1).default(2e-3),
    minLr: z.number().min(0).max(1).default(1e-6),
    warmupSteps: int(0, 10_000_000).default(20),
    weightDecay: z.number().min(0).max(10).default(0.05),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.95),
    eps: z.number().positive().max(1).default(1e-8),
    /** Global-norm gradient clipping threshold; 0 disables clipping. */
    clipNorm: z.number().min(0).default(1),
  })
  .strict();

export const probeSchema = z
  .object({
    /** 'knn': weighted kNN on frozen features (free of training); 'linear': logistic regression on frozen features. */
    kind: z.enum(['knn', 'linear', 'none']).default('knn'),
    /** Labelled images the probe learns from (a fixed held-out task, the same for every pre-training dataset). */
    trainSize: int(8, 100_000).default(1000),
    /** Images the probe is scored on: at 500 the 95% interval of an accuracy near 50% is about ±4.4 points. */
    testSize: int(8, 100_000).default(500),
    k: int(1, 200).default(10),
    /**
     * Also run the dense patch probe at every probe step (src/eval/densePatchProbe.ts): a linear
     * classifier on frozen patch tokens predicting each patch's ADE-like class, reported as patch
     * mIoU, the fast proxy for segmentation fine-tuning.
     */
    dense: z.boolean().default(true),
  })
  .strict();

/**
 * Transfer by segmentation fine-tuning (paper A.4, scaled down; the defaults
 * mirror src/transfer's SEG_DEFAULTS, which a test holds equal).
 */
export const transferSchema = z
  .object({
    /** 'segmentation': fine-tune on the ADE-like set after the run (and at `at` steps) and report mIoU. */
    kind: z.enum(['none', 'segmentation']).default('none'),
    /** Extra pre-training steps (checkpoints) at which to fine-tune, besides the end of the run. */
    at: z.array(int(1, 10_000_000)).max(20).default([]),
    steps: int(1, 100_000).default(300),
    batchSize: int(1, 1024).default(16),
    lr: z.number().positive().max(1).default(3e-3),
    warmupSteps: int(0, 100_000).default(30),
    /** Polynomial decay power (1 = linear decay to 0, as the paper's poly schedule). */
    power: z.number().positive().max(10).default(1),
    weightDecay: z.number().min(0).max(10).default(0.05),
    clipNorm: z.number().min(0).default(1),
    /** Channel width of the head's two 3x3 convs. */
    headWidth: int(1, 1024).default(32),
    trainSize: int(8, 100_000).default(128),
    valSize: int(8, 100_000).default(128),
    /** Fine-tuning repeats (seeds); the median mIoU is reported (the paper uses five). */
    seeds: int(1, 9).default(1),
    /** Also fine-tune a randomly initialised encoder: the from-scratch baseline. */
    scratch: z.boolean().default(true),
  })
  .strict();

export const carbonSchema = z
  .object({
    deviceName: z.string().min(1).max(80).default('NVIDIA A100 (FP32, 19.5 TFLOP/s peak)'),
    peakTflops: z.number().positive().max(1e5).default(19.5),
    /** Fraction of peak a training job typically sustains (model FLOP utilisation). */
    utilization: z.number().gt(0).max(1).default(0.4),
    watts: z.number().positive().max(1e5).default(400),
    pue: z.number().min(1).max(5).default(1.1),
    gridGCo2PerKwh: z.number().min(0).max(2000).default(400),
  })
  .strict();

export const configSchema = z
  .object({
    method: z.enum(METHOD_IDS).default('supervised'),
    dataset: datasetSchema.default(datasetSchema.parse({})),
    model: modelField.default('toy-B'),
    batchSize: int(1, 4096).default(32),
    /** The default budget: about 2 minutes on wasm on a 2-core CPU (supervised, toy-B); other methods run its FLOPs in `npm run signal`. */
    steps: int(1, 10_000_000).default(1000),
    seed: int(0, 2 ** 31 - 1).default(0),
    backend: z.enum(BACKEND_IDS).default('auto'),
    optim: optimSchema.default(optimSchema.parse({})),
    /** Method hyper-parameters; each method validates its own (see its `defaults`). */
    methodOptions: z.record(z.string(), z.unknown()).default({}),
    logEvery: int(1, 1_000_000).default(5),
    evalEvery: int(1, 1_000_000).default(125),
    probe: probeSchema.default(probeSchema.parse({})),
    transfer: transferSchema.default(transferSchema.parse({})),
    carbon: carbonSchema.default(carbonSchema.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    c.transfer.at.forEach((step, i) => {
      if (step > c.steps)
        ctx.addIssue({ code: 'custom', path: ['transfer', 'at', i], message: `checkpoint step ${step} is after the run's last step (${c.steps})` });
    });
  });

export type ExperimentInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;
/** A validated config whose `model` is always explicit. */
export type ExperimentConfig = Omit<Parsed, 'model'> & { model: VitConfig };

export class ConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path || '(config)'}: ${i.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

function formatIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** Validates and fills defaults; throws ConfigError naming every bad field. */
export function resolveConfig(input: unknown = {}): ExperimentConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new ConfigError([{ path: '', message: 'config must be a JSON object' }]);
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error));
  const cfg = parsed.data;
  const model: VitConfig = typeof cfg.model === 'string' ? { ...MODEL_PRESETS[cfg.model] } : cfg.model;
  return { ...cfg, model };
}

/** A complete default config with overrides applied (validated). */
export function defaultConfig(overrides: unknown = {}): ExperimentConfig {
  return resolveConfig(overrides);
}

/** Same as resolveConfig but reports instead of throwing. */
export function validateConfig(input: unknown): { ok: true; config: ExperimentConfig } | { ok: false; error: ConfigError } {
  try {
    return { ok: true, config: resolveConfig(input) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e };
    throw e;
  }
}
