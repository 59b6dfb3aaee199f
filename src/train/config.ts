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
import { segSettingsSchema } from '../transfer/settings';
import { methodIds, methodSpec, type MethodId } from '../methods/catalog';
import { FIELD_LABELS, issueSentence } from './fieldSentences';

export type { MethodId };

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const presetNames = Object.keys(MODEL_PRESETS) as [ModelPresetId, ...ModelPresetId[]];
const modelHelp = `a preset name (${presetNames.join(', ')}) or explicit sizes { imageSize, patchSize, dim, depth, heads, mlpDim }`;
/** An explicit model size: an integer in range, with "required" for a missing one (a partial model is the common slip). */
const size = (min: number, max: number) =>
  z
    .number({ error: (i) => (i.input === undefined ? `required when the model is given as sizes (or use a preset: ${presetNames.join(', ')})` : undefined) })
    .int()
    .min(min)
    .max(max);

const explicitModel = z
  .object({
    imageSize: size(8, 512),
    patchSize: size(1, 64),
    dim: size(4, 2048).refine((d) => d % 4 === 0, { error: (i) => `dim ${String(i.input)} must be a multiple of 4 for the 2-D sin-cos position embedding` }),
    depth: size(1, 48),
    heads: size(1, 32),
    mlpDim: size(4, 8192),
    pool: z.enum(['cls', 'mean']).default('cls'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.imageSize % m.patchSize !== 0)
      ctx.addIssue({ code: 'custom', path: ['patchSize'], message: `patchSize ${m.patchSize} must divide imageSize ${m.imageSize}` });
    if (m.dim % m.heads !== 0) ctx.addIssue({ code: 'custom', path: ['heads'], message: `heads ${m.heads} must divide dim ${m.dim}` });
  });

const modelField = z.union([z.enum(presetNames, { error: () => `must be ${modelHelp}` }), explicitModel]);

/** Options that only the free-form 'shapes' family takes; each preset fixes its own. */
const SHAPES_ONLY = ['numClasses', 'maxObjects'] as const;

const datasetSchema = z
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

const optimSchema = z
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

const probeSchema = z
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
    /**
     * Probe on a second Web Worker, on a copy of the weights, while the training thread goes on
     * (src/worker/offThreadProber.ts): the same scores. 'auto' does so where training is CPU-bound
     * (wasm, cpu) and the machine has 2 or more logical cores; 'on' also with one. Node, WebGPU and
     * imported datasets probe in the training thread.
     */
    offThread: z.enum(['auto', 'on', 'off']).default('auto'),
  })
  .strict();

/** Transfer by segmentation fine-tuning (paper A.4, scaled down): when, plus the fine-tuning settings of src/transfer/settings.ts. */
const transferSchema = z.strictObject({
  /** 'segmentation': fine-tune on the ADE-like set after the run (and at `at` steps) and report mIoU. */
  kind: z.enum(['none', 'segmentation']).default('none'),
  /** Extra pre-training steps (checkpoints) at which to fine-tune, besides the end of the run. */
  at: z.array(int(1, 10_000_000)).max(20).default([]),
  ...segSettingsSchema.shape,
});

const carbonSchema = z
  .object({
    deviceName: z.string().min(1).max(80).default('NVIDIA A100 (FP32, 19.5 TFLOP/s peak)'),
    peakTflops: z.number().positive().max(1e5).default(19.5),
    /** Fraction of peak a training job typically sustains (model FLOP utilisation). */
    utilization: z.number().gt(0).max(1).default(0.4),
    watts: z.number().positive().max(1e5).default(400),
    pue: z.number().min(1).max(5).default(1.1),
    gridGCo2PerKwh: z.number().min(0).max(2000).default(400),
    /** What this machine draws while it trains (W), for the "this tab" readout: measured wall time x this power. */
    localWatts: z.number().positive().max(1e5).default(45),
  })
  .strict();

/** How steps run, apart from what they compute: results are the same either way (tests hold them to it). */
const engineSchema = z
  .object({
    /** WebGPU only: fused kernels (LayerNorm, attention, GELU, cross-entropy, AdamW, EMA) instead of composed tfjs ops; false keeps the composed reference. */
    fused: z.boolean().default(true),
    /**
     * Make the training batches ahead on a second Web Worker (src/worker/offThreadBatches.ts): the
     * same floats, off the training thread. 'auto' does so where training is CPU-bound (wasm, cpu)
     * and the machine has 2 or more logical cores; 'on' also with one, and on WebGPU. Node and
     * imported datasets make them in the training thread.
     */
    batchWorker: z.enum(['auto', 'on', 'off']).default('auto'),
  })
  .strict();

const configSchema = z
  .object({
    /** A catalogued method's id (src/methods/catalog.ts). */
    method: z.string().default('supervised'),
    dataset: datasetSchema.default(datasetSchema.parse({})),
    model: modelField.default('toy-B'),
    batchSize: int(1, 4096).default(32),
    /** The default budget: about 2 minutes on wasm on a 2-core CPU (supervised, toy-B); other methods run its FLOPs in `npm run signal`. */
    steps: int(1, 10_000_000).default(1000),
    /**
     * Pre-training FLOPs to spend instead of a step count: the run takes
     * round(budget / counted FLOPs per step) steps (at least 1), measured on its
     * first step's kernels, and its warm-up + cosine schedule ends at that budget
     * (paper A.3: each budget has its own schedule, never a truncation).
     */
    budgetFlops: z.number().positive().max(1e24).optional(),
    seed: int(0, 2 ** 31 - 1).default(0),
    backend: z.enum(BACKEND_IDS).default('auto'),
    engine: engineSchema.default(engineSchema.parse({})),
    optim: optimSchema.default(optimSchema.parse({})),
    /** The method's own options, checked against its schema in the catalog; missing ones take its defaults. */
    methodOptions: z.record(z.string(), z.unknown()).default({}),
    logEvery: int(1, 1_000_000).default(5),
    evalEvery: int(1, 1_000_000).default(125),
    /** Steps between checkpoints (weights, optimiser state, records) that a resume continues from; 0: only when stopped. */
    checkpointEvery: int(0, 10_000_000).default(100),
    probe: probeSchema.default(probeSchema.parse({})),
    transfer: transferSchema.default(transferSchema.parse({})),
    carbon: carbonSchema.default(carbonSchema.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    const spec = methodSpec(c.method);
    if (!spec) ctx.addIssue({ code: 'custom', path: ['method'], message: `'${c.method}' is not a method (methods: ${methodIds().join(', ')})` });
    else {
      const parsed = spec.options.safeParse(c.methodOptions);
      if (!parsed.success) for (const issue of methodOptionIssues(parsed.error, c.method, Object.keys(spec.options.shape))) ctx.addIssue(issue);
    }
    c.transfer.at.forEach((step, i) => {
      if (step > c.steps)
        ctx.addIssue({ code: 'custom', path: ['transfer', 'at', i], message: `checkpoint step ${step} is after the run's last step (${c.steps})` });
    });
  });

export type ExperimentInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;
/** A validated config: `model` explicit, `method` a catalogued id and `methodOptions` complete (defaults filled). */
export type ExperimentConfig = Omit<Parsed, 'model' | 'method'> & { model: VitConfig; method: MethodId };

/** The method-options issues of a config, with paths under `methodOptions` and unknown keys named one by one. */
function methodOptionIssues(error: z.ZodError, method: string, known: string[]): z.core.$ZodRawIssue[] {
  return error.issues.flatMap((i): z.core.$ZodRawIssue[] =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({
          code: 'custom' as const,
          input: key,
          path: ['methodOptions', key],
          message: `not a ${method} option (options: ${known.join(', ')})`,
        }))
      : // The issue itself (its code, bounds and message), under methodOptions: the sentence needs its code.
        [{ ...i, path: ['methodOptions', ...i.path] } as z.core.$ZodRawIssue],
  );
}

/** One bad field: its path, the rule it broke (terse, for scripts), and a sentence naming it by its form label. */
export interface ConfigIssue {
  path: string;
  message: string;
  /** E.g. "Batch size must be a whole number of at least 1": what the form shows beside the field. */
  sentence: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.path || '(config)'}: ${i.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

type Issue = z.core.$ZodIssue;

const valueAt = (input: unknown, path: PropertyKey[]): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), input);

/**
 * Each issue as the deepest field and its reason. A union (a model given as a
 * preset name or as explicit sizes) reports the branch the value's type chose,
 * so `{ model: { dim: 7 } }` names the missing and bad fields rather than
 * "Invalid input"; a value of neither type gets both branches' reasons.
 */
function flattenIssue(issue: Issue, prefix: PropertyKey[], input: unknown): ConfigIssue[] {
  const path = [...prefix, ...issue.path];
  const method = typeof (input as { method?: unknown })?.method === 'string' ? (input as { method: string }).method : undefined;
  const sentence = (i: Issue, at: PropertyKey[]) =>
    issueSentence(i, at.map(String), (p) => fieldLabel(p, method), jsonSchemaFor(method), valueAt(input, at) === undefined);
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const value = valueAt(input, path);
    const isObject = value !== null && typeof value === 'object';
    const rejectsType = (i: Issue) => i.path.length === 0 && (i.code === 'invalid_type' || (isObject && i.code === 'invalid_value'));
    const chosen = issue.errors.find((branch) => !branch.some(rejectsType));
    if (chosen) return chosen.flatMap((i) => flattenIssue(i, path, input));
    const where = path.map(String).join('.');
    return [
      {
        path: where,
        message: issue.errors.map((b) => b.map((i) => i.message).join(', ')).join('; or '),
        sentence: `${fieldLabel(where, method)} must be a preset name or explicit sizes`,
      },
    ];
  }
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({
      path: [...path, key].join('.'),
      message: 'unknown field (a typo?)',
      sentence: `${[...path, key].join('.')} is not a setting (a typo?)`,
    }));
  return [{ path: path.map(String).join('.'), message: issue.message, sentence: sentence(issue, path) }];
}

/** The form's label of a config path: the table's, a method option's own, or the path itself. */
function fieldLabel(path: string, method?: string): string {
  const option = /^methodOptions\.(\w+)$/.exec(path)?.[1];
  if (option && method) {
    const meta = methodSpec(method)?.options.shape[option]?.meta() as { label?: string } | undefined;
    if (meta?.label) return meta.label;
  }
  return FIELD_LABELS[path] ?? path;
}

const jsonSchemas = new Map<string, object>();
/** The config's JSON schema with `methodOptions` as the method's own (whole-number options included). */
function jsonSchemaFor(method: string | undefined): object {
  const key = method ?? '';
  let schema = jsonSchemas.get(key);
  if (!schema) {
    const base = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown> };
    const options = method ? methodSpec(method)?.options : undefined;
    schema = options ? { ...base, properties: { ...base.properties, methodOptions: z.toJSONSchema(options, { io: 'input', unrepresentable: 'any' }) } } : base;
    jsonSchemas.set(key, schema);
  }
  return schema;
}

function formatIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  return error.issues.flatMap((i) => flattenIssue(i, [], input));
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first key that could pollute prototypes (JSON.parse keeps `__proto__` as an own key), or null. */
function forbiddenKeyPath(value: unknown, path: string[] = [], depth = 0): string[] | null {
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return [...path, key];
    const inner = forbiddenKeyPath((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    if (inner) return inner;
  }
  return null;
}

/** Validates and fills defaults; throws ConfigError naming every bad field. */
export function resolveConfig(input: unknown = {}): ExperimentConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new ConfigError([{ path: '', message: 'config must be a JSON object', sentence: 'The config must be a JSON object' }]);
  const polluting = forbiddenKeyPath(input);
  if (polluting) {
    const message = 'forbidden key (it could change object prototypes)';
    throw new ConfigError([{ path: polluting.join('.'), message, sentence: `${polluting.join('.')} is a ${message}` }]);
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, input));
  const cfg = parsed.data;
  const model: VitConfig = typeof cfg.model === 'string' ? { ...MODEL_PRESETS[cfg.model] } : cfg.model;
  // Both checked by the schema's refinement above.
  const spec = methodSpec(cfg.method)!;
  const methodOptions = spec.options.parse(cfg.methodOptions);
  const problems = spec.checkWithModel?.(methodOptions, model) ?? [];
  if (problems.length > 0)
    throw new ConfigError(
      problems.map((p) => ({
        path: `methodOptions.${p.key}`,
        message: p.message,
        sentence: `${fieldLabel(`methodOptions.${p.key}`, cfg.method)}: ${p.message}`,
      })),
    );
  return { ...cfg, model, method: cfg.method as MethodId, methodOptions };
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
