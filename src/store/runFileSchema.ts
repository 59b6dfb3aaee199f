/**
 * Strict zod schemas of a results file's run (src/store/runFile.ts): each
 * mirrors its interface in src/train/records.ts or src/engine/backendIds.ts
 * exactly (checked at compile time below), with ranges, length limits and no
 * HTML in the strings the page shows. `config` (and the profile's) is left
 * unknown here: runFile.ts validates it with the config's own schema
 * (resolveConfig). Free of tfjs.
 */
import { z } from 'zod';
import type { AdapterInfo, BackendInfo } from '../engine/backendIds';
import type { FinetuneRun, Preview, ProbeBaseline, StepProfile, TrainRecord, TransferRecord } from '../train/records';

/** Sane sizes: a file beyond them is refused with a message naming the limit. */
export const RUN_FILE_LIMITS = {
  records: 200_000,
  transfer: 64,
  finetuneRuns: 32,
  classes: 1024,
  /** Kernels, components or calls in a FLOP profile. */
  profileKeys: 4096,
  monitors: 64,
  panels: 8,
  previewSide: 512,
  previewCount: 256,
  /** Values in one preview panel (side * side * 3 * count). */
  previewValues: 4_000_000,
  /** Nesting depth of the whole document. */
  depth: 32,
  nameChars: 200,
  textChars: 4000,
} as const;
const L = RUN_FILE_LIMITS;

/** Text the page shows: bounded, and no '<' or '>' (no HTML, whatever the renderer does). */
const shown = (max: number) =>
  z
    .string()
    .max(max, { error: `longer than ${max} characters` })
    .refine((s) => !/[<>]/.test(s), { error: 'contains "<" or ">": HTML is not allowed in text the page shows' });

/** Names used as keys (kernels, components, monitors): plain identifiers, also safe as CSV headers. */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:/ -]{0,79}$/;
const keyed = <T extends z.ZodType>(value: T, max: number, what: string) =>
  z
    .record(z.string().regex(KEY, { error: `not a valid ${what} name (letters, digits, _ . : / - and spaces, up to 80)` }), value)
    .refine((o) => Object.keys(o).length <= max, { error: (i) => `more than ${max} ${what}s (${Object.keys(i.input as object).length})` });

const num = () => z.number();
const count = () => z.number().int().min(0);
const fraction = () => z.number().min(0).max(1);
const interval = () => z.tuple([fraction(), fraction()]);

const previewSchema = z
  .strictObject({
    size: z.number().int().min(1).max(L.previewSide),
    count: z.number().int().min(1).max(L.previewCount),
    panels: z
      .array(
        z.strictObject({
          label: shown(80),
          pixels: z.array(z.number().int().min(0).max(255)).max(L.previewValues, { error: `more than ${L.previewValues} values` }),
        }),
      )
      .max(L.panels, { error: `more than ${L.panels} panels` }),
  })
  .superRefine((p, ctx) => {
    const want = p.size * p.size * 3 * p.count;
    p.panels.forEach((panel, i) => {
      if (panel.pixels.length !== want)
        ctx.addIssue({
          code: 'custom',
          path: ['panels', i, 'pixels'],
          message: `${panel.pixels.length} values where size x size x 3 x count = ${p.size} x ${p.size} x 3 x ${p.count} = ${want}`,
        });
    });
  });

const trainRecordSchema = z.strictObject({
  step: z.number().int().min(1),
  loss: num(),
  flops: num().min(0),
  wallMs: num().min(0),
  stepMs: num().min(0),
  gpuMs: num().min(0).optional(),
  lr: num().min(0),
  probeAccuracy: fraction().optional(),
  probeInterval: interval().optional(),
  probeCorrect: count().optional(),
  probeTotal: count().optional(),
  patchMiou: fraction().optional(),
  linearAccuracy: fraction().optional(),
  linearInterval: interval().optional(),
  evalFlops: num().min(0),
  evalMs: num().min(0),
  probeWorkerMs: num().min(0).optional(),
  monitors: keyed(num(), L.monitors, 'monitor').optional(),
  collapse: z.string().max(400).optional(),
  preview: previewSchema.optional(),
});

const baselineSchema = z.strictObject({
  step: z.literal(0),
  accuracy: fraction(),
  interval: interval(),
  correct: count(),
  total: count(),
  patchMiou: fraction().optional(),
  rawPixels: z.strictObject({ accuracy: fraction(), interval: interval() }).optional(),
  linear: z.strictObject({ accuracy: fraction(), interval: interval() }).optional(),
  flops: num().min(0),
  ms: num().min(0),
});

const counts = (what: string) => keyed(num().min(0), L.profileKeys, what);

/** A StepProfile without its config (validated by resolveConfig in runFile.ts). */
const profileSchema = z.strictObject({
  totalFlops: num().min(0),
  byKernel: counts('kernel'),
  byPhase: z.strictObject({ forward: num().min(0), backward: num().min(0), optimizer: num().min(0) }),
  byComponent: counts('component'),
  uncounted: counts('kernel'),
  calls: counts('kernel'),
  config: z.unknown(),
});

const finetuneRunSchema = z.strictObject({
  seed: z.number().int().min(0),
  miou: fraction(),
  pixelAccuracy: fraction(),
  perClassIoU: z.array(fraction().nullable()).max(L.classes, { error: `more than ${L.classes} classes` }),
  flops: num().min(0),
});

const transferRecordSchema = z.strictObject({
  init: z.enum(['pretrained', 'scratch']),
  step: z.number().int().min(0),
  pretrainFlops: num().min(0),
  miou: fraction(),
  runs: z.array(finetuneRunSchema).max(L.finetuneRuns, { error: `more than ${L.finetuneRuns} fine-tuning runs` }),
  finetuneFlops: num().min(0),
});

const adapterSchema = z.strictObject({
  vendor: shown(L.nameChars),
  architecture: shown(L.nameChars),
  device: shown(L.nameChars),
  description: shown(L.nameChars),
  isFallbackAdapter: z.boolean(),
  features: z.array(shown(L.nameChars)).max(256, { error: 'more than 256 features' }),
});

const backendSchema = z.strictObject({
  name: z.enum(['webgpu', 'wasm', 'cpu']),
  reason: shown(L.textChars),
  adapter: adapterSchema.optional(),
  isSoftware: z.boolean(),
  timestampQuery: z.boolean(),
  features: z.array(shown(L.nameChars)).max(16, { error: 'more than 16 features' }).optional(),
});

/** The run of a results file (config and profile config unknown; id replaced on import). */
export const storedRunSchema = z.strictObject({
  id: z.string().max(L.nameChars),
  name: shown(L.nameChars),
  createdAt: num().min(0),
  updatedAt: num().min(0),
  status: z.enum(['running', 'paused', 'done', 'stopped', 'error', 'diverged', 'interrupted']),
  reason: shown(L.textChars).optional(),
  config: z.unknown(),
  backend: backendSchema.nullable(),
  records: z
    .array(trainRecordSchema)
    .max(L.records, { error: `more than ${L.records} records` })
    .superRefine((records, ctx) => {
      for (let i = 1; i < records.length; i++)
        if (records[i].step <= records[i - 1].step)
          ctx.addIssue({ code: 'custom', path: [i, 'step'], message: `steps must increase: ${records[i].step} follows ${records[i - 1].step}` });
    }),
  baseline: baselineSchema.nullable(),
  profile: profileSchema.nullable(),
  transfer: z.array(transferRecordSchema).max(L.transfer, { error: `more than ${L.transfer} transfer records` }),
  /** Not exported; accepted from hand-written files and dropped. */
  checkpointStep: z.number().int().min(0).optional(),
  appVersion: shown(40),
});

/** The file around the run. `format` and `formatVersion` are checked first, with their own messages. */
export const envelopeSchema = z.strictObject({
  format: z.string(),
  formatVersion: z.number(),
  appVersion: shown(40),
  exportedAt: z.iso.datetime({ error: 'not an ISO date-time (e.g. 2026-01-31T12:00:00.000Z)' }),
  run: z.unknown(),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;
/**
 * Compile time: each schema's output is exactly the interface it mirrors (a field added to one and not the other fails here).
 * Exported only so that the compiler keeps the check; nothing imports it.
 * @public
 */
export type SchemasMirrorInterfaces = [
  Expect<Same<z.output<typeof trainRecordSchema>, TrainRecord>>,
  Expect<Same<z.output<typeof previewSchema>, Preview>>,
  Expect<Same<z.output<typeof baselineSchema>, ProbeBaseline>>,
  Expect<Same<Omit<z.output<typeof profileSchema>, 'config'>, Omit<StepProfile, 'config'>>>,
  Expect<Same<z.output<typeof finetuneRunSchema>, FinetuneRun>>,
  Expect<Same<z.output<typeof transferRecordSchema>, TransferRecord>>,
  Expect<Same<z.output<typeof adapterSchema>, AdapterInfo>>,
  Expect<Same<z.output<typeof backendSchema>, BackendInfo>>,
];
