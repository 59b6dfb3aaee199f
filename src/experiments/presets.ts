/**
 * Named experiments, each a toy-scale mirror of one of the paper's figures or
 * tables: the sweep it runs (src/experiments/sweep.ts), the measure it plots, the
 * view that shows it, and how long it took where it was measured. Free of tfjs:
 * the page, the talk mode and `npm run reproduce` read the same list.
 *
 * Budgets are pre-training FLOPs as counted by the lab. The reference is the
 * default experiment (supervised, toy-B, batch 32, 1,000 steps): about 3.3e11 FLOPs,
 * a minute or two on wasm on one core of a 2-core x86-64 CPU.
 */
import type { SweepSpec } from './sweep';
import type { ExperimentInput } from '../train/config';
import { METHOD_IDS } from '../methods/catalog';

/** The y of a preset's curves: the kNN probe on the class token, or the dense patch probe's mIoU (the segmentation proxy). */
type PresetMeasure = 'probe' | 'patchMiou';

export interface ExperimentPreset {
  id: string;
  title: string;
  /** What of the paper it mirrors, in a line. */
  mirrors: string;
  /** What to look for in the result. */
  question: string;
  /** 'sweep': train the runs of `spec`; 'profile': FLOPs per step of every method for `profile` (no training). */
  kind: 'sweep' | 'profile';
  spec?: SweepSpec;
  profile?: ExperimentInput;
  /** The measure the paper plots (both are always recorded). */
  measure: PresetMeasure;
  /** 'curves': accuracy vs compute; 'grid': method x dataset table; 'bars': FLOPs per step. */
  view: 'curves' | 'grid' | 'bars';
  /** Wall time where measured (device, backend, date), or how it was estimated. */
  wallTime: { here: string; laptopGpu: string };
}

/**
 * What every preset run shares: the default probe (1,000 / 500 kNN, dense patch
 * probe on), probed only at the budget's end (the curve's points are runs at
 * different budgets, each with its own schedule), no mid-run checkpoints
 * beyond the default.
 */
const SWEEP_BASE = { evalEvery: 1_000_000, logEvery: 5 } as const;

/** Four budgets, a doubling apart, up to about 2/3 of the default run (about 3.3e11 FLOPs). */
const CURVE_BUDGETS = [2.5e10, 5e10, 1e11, 2e11];
const ALL_METHODS = [...METHOD_IDS];
const SSL_METHODS = ['byol', 'simclr', 'mae', 'dino'];

export const EXPERIMENT_PRESETS: readonly ExperimentPreset[] = [
  {
    id: 'smoke',
    title: 'Smoke',
    mirrors: 'A check that the whole pipeline runs (CI)',
    question: 'Two methods, two tiny budgets on the tiny model: every run ends with a probe, FLOPs and a frontier.',
    kind: 'sweep',
    spec: {
      base: { ...SWEEP_BASE, batchSize: 8, probe: { trainSize: 64, testSize: 32, dense: false }, checkpointEvery: 0 },
      methods: ['supervised', 'mae'],
      datasets: ['imagenet-1k'],
      models: ['tiny'],
      budgets: [2e8, 4e8],
    },
    measure: 'probe',
    view: 'curves',
    wallTime: {
      here: '12 s of training (69 steps) on wasm; about 1 min for `npm run reproduce` with the server and Chromium starting (2-core x86-64, 2026-11-30)',
      laptopGpu: 'not measured (no GPU at hand)',
    },
  },
  {
    id: 'figure1',
    title: 'Figure 1: accuracy vs compute, every method',
    mirrors: 'Figure 1: ViT-B segmentation mIoU against pre-training FLOPs, hours and kg CO2, on JFT and ALIGN',
    question: 'For each budget, which method gives the best transfer, and which runs form the Pareto frontier?',
    kind: 'sweep',
    spec: { base: SWEEP_BASE, methods: ALL_METHODS, datasets: ['jft', 'align'], models: ['toy-B'], budgets: CURVE_BUDGETS },
    measure: 'patchMiou',
    view: 'curves',
    wallTime: {
      here: '82 min of runs (48 runs, wasm, headless Chromium; 49 min as two shards side by side) on a shared, loaded 2-core x86-64 CPU, 2026-11-30',
      laptopGpu: 'not measured (no GPU at hand)',
    },
  },
  {
    id: 'figure2',
    title: 'Figure 2: toy-B vs toy-L',
    mirrors: 'Figure 2: ViT-B (solid) vs ViT-L (dashed) on JFT, accuracy against FLOPs',
    question: 'At a fixed budget, is the bigger model worth its cost, and where do the two curves cross?',
    kind: 'sweep',
    spec: { base: SWEEP_BASE, methods: ALL_METHODS, datasets: ['jft'], models: ['toy-B', 'toy-L'], budgets: CURVE_BUDGETS },
    measure: 'patchMiou',
    view: 'curves',
    wallTime: {
      here: 'not measured: the same budgets and run count as Figure 1, so about as long (toy-L steps are fewer but bigger)',
      laptopGpu: 'not measured (no GPU at hand)',
    },
  },
  {
    id: 'table1',
    title: 'Table 1: methods x datasets',
    mirrors: 'Table 1: ADE20K mIoU of BYOL, SimCLR, MAE and DINO pre-trained on five datasets',
    question: 'Which dataset is best for each method: does curation (ImageNet-1K) beat size (JFT, ALIGN)?',
    kind: 'sweep',
    spec: { base: SWEEP_BASE, methods: SSL_METHODS, datasets: ['imagenet-1k', 'coco', 'imagenet-21k', 'jft', 'align'], models: ['toy-B'], budgets: [1e11] },
    measure: 'patchMiou',
    view: 'grid',
    wallTime: {
      here: '32.5 min of runs (20 runs, wasm, headless Chromium) on a shared, loaded 2-core x86-64 CPU, 2026-11-30',
      laptopGpu: 'not measured (no GPU at hand)',
    },
  },
  {
    id: 'figure3',
    title: 'Figure 3: FLOPs per step',
    mirrors: 'Figure 3: per-step FLOP count of each pre-training method',
    question: 'What does one training step of each method cost, and where in the step does it go?',
    kind: 'profile',
    profile: { model: 'toy-B', batchSize: 32 },
    measure: 'probe',
    view: 'bars',
    wallTime: { here: '34 s for the 13 profiles (wasm, headless Chromium, 2-core x86-64, 2026-11-30)', laptopGpu: 'not measured (no GPU at hand)' },
  },
  {
    id: 'a5',
    title: 'A.5: MAE mask ratio x decoder',
    mirrors: 'Appendix A.5: MAE at 55-85 % masking with the standard and the one-layer decoder',
    question: 'How much does masking save once the decoder is counted, and which ratio transfers best?',
    kind: 'sweep',
    spec: {
      base: SWEEP_BASE,
      methods: ['mae'],
      datasets: ['imagenet-1k'],
      models: ['toy-B'],
      budgets: [1e11],
      variants: {
        mae: [0.55, 0.65, 0.75, 0.85].flatMap((maskRatio) => [
          { maskRatio, decoder: 'standard' },
          { maskRatio, decoder: 'tiny' },
        ]),
      },
    },
    measure: 'patchMiou',
    view: 'curves',
    wallTime: {
      here: '14.8 min of runs (8 runs, 3,845 steps, wasm, headless Chromium) on a shared, loaded 2-core x86-64 CPU, 2026-11-30',
      laptopGpu: 'not measured (no GPU at hand)',
    },
  },
  {
    id: 'talk',
    title: 'Talk demo: four methods, two budgets',
    mirrors: 'Figure 1 in miniature, for a live demo',
    question: 'Watch supervised and CLIP pull away from the self-supervised methods as FLOPs grow.',
    kind: 'sweep',
    spec: { base: SWEEP_BASE, methods: ['supervised', 'clip', 'simclr', 'mae'], datasets: ['imagenet-1k'], models: ['toy-B'], budgets: [2.5e10, 1e11] },
    measure: 'probe',
    view: 'curves',
    wallTime: {
      here: '15.4 min (8 runs, 1,478 steps, wasm, headless Chromium) on a shared 2-core x86-64 CPU under load (load average 5-12), 2026-11-30',
      laptopGpu: 'not measured (no GPU at hand): 1,478 steps, so about 3 min if a step takes 0.1 s',
    },
  },
];

export const PRESET_IDS = EXPERIMENT_PRESETS.map((p) => p.id);

/** The preset called `id`; throws listing the presets for an unknown one. */
export function experimentPreset(id: string): ExperimentPreset {
  const p = EXPERIMENT_PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`'${id}' is not an experiment preset (presets: ${PRESET_IDS.join(', ')})`);
  return p;
}

export interface PresetOverrides {
  /** Seeds 0..seeds-1 instead of the preset's. */
  seeds?: number;
  /** Backend for every run ('webgpu', 'wasm', 'cpu', 'auto'). */
  backend?: string;
}

/** A sweep preset's spec with the reviewer's overrides applied (the preset list itself never changes). */
export function presetSpec(preset: ExperimentPreset, o: PresetOverrides = {}): SweepSpec {
  if (!preset.spec) throw new Error(`preset '${preset.id}' profiles FLOPs per step and runs no sweep`);
  if (o.seeds !== undefined && !(Number.isInteger(o.seeds) && o.seeds >= 1 && o.seeds <= 64))
    throw new Error(`seeds must be a whole number from 1 to 64, got ${o.seeds}`);
  return {
    ...preset.spec,
    base: { ...preset.spec.base, ...(o.backend ? { backend: o.backend } : {}) },
    ...(o.seeds ? { seeds: Array.from({ length: o.seeds }, (_, i) => i) } : {}),
  };
}
