/**
 * Training parity with PyTorch: the lab's per-step losses follow an independent
 * float64 PyTorch re-implementation (scripts/parity/reference.py) of the same
 * ViT, heads, losses, AdamW, warm-up cosine schedule and global-norm clipping,
 * trained from the same initial weights on the same batches (and MAE masks),
 * for 25 steps of supervised, SimCLR and MAE. This checks init loading, forward,
 * backward, the optimiser, the schedule and the clip end to end.
 *
 * Fixtures: tests/fixtures/parity_<method>.json (reference losses, lrs, grad
 * norms, config and digests), made from tests/fixtures/parity_inputs/<method>.json.gz
 * (exported by scripts/parity/export.ts). Regenerate both with `npm run parity`.
 *
 * Before any loss is compared, the initial weights and every step's batch (and
 * MAE mask) are hashed and compared with the digests the reference trained on:
 * a change in the data generator, augmentations, init or masking stream is then
 * reported as "regenerate the fixtures", not as a loss mismatch.
 *
 * Tolerance: relative, 2e-5 at step 0 growing linearly to 1e-4 at step 24.
 * The lab runs float32, the reference float64; the deviation is float32
 * round-off (~1e-7 relative on the loss at step 0) that grows as the two
 * trajectories drift apart under training: measured at most 5e-7
 * (supervised), 3.6e-6 (SimCLR), 1.5e-7 (MAE) over the 25 steps. The bound
 * leaves >= 25x headroom (e.g. for another V8's Math.exp) and stays below what
 * real mistakes cause. Each of these deliberate breaks failed the test (max
 * relative deviation of the most affected method): beta2 0.999 (2e-1), beta1
 * 0.8 (3e-1), clip off (4e-1), clip threshold x1.25 (2e-2 supervised, 1.5e-1
 * SimCLR), weight decay on every param (1e-3) or on none (3e-2), decay not
 * scaled by the lr (7e-3), Adam eps inside the sqrt (7e-3), tanh-approximate
 * GELU (3e-4, over tolerance from step 0), LayerNorm eps 1e-5 (3e-1), warm-up
 * off by one step (9e-1) and cosine over total - 1 (5e-2); the schedule breaks
 * are caught first, exactly, by the per-step learning-rate check.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/train/config';
import { createTrainer } from '../src/train/trainer';
import { batchDigest, maeMaskPlan, maskDigest, PARITY_METHODS, parityConfig, REGENERATE, weightsDigest } from '../scripts/parity/common';
import { useCpuBackend } from './helpers';

beforeAll(useCpuBackend);

interface StepRecord {
  step: number;
  lr: number;
  loss: number;
  gradNorm: number | null;
  clipped: boolean;
  batchDigest: string;
  maskDigest?: string;
}

interface Fixture {
  method: string;
  input: Record<string, unknown>;
  config: Record<string, unknown>;
  weightsDigest: string;
  steps: StepRecord[];
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const load = (method: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, `parity_${method}.json`), 'utf8')) as Fixture;

/** Relative tolerance on the loss of step `step` (see the file comment). */
const parityTolerance = (step: number): number => 2e-5 + (8e-5 * Math.min(step, 24)) / 24;

const STALE = `regenerate the parity fixtures with \`${REGENERATE}\` (a generator, init or masking change is not a training bug)`;

describe('training parity with a float64 PyTorch reference', () => {
  for (const method of PARITY_METHODS) {
    it(`${method}: losses follow the reference at every step`, async () => {
      const fx = load(method);
      expect(fx.input, `the parity config in scripts/parity/common.ts changed: ${STALE}`).toEqual(parityConfig(method));
      const config = resolveConfig(fx.input);
      for (const key of ['model', 'optim', 'methodOptions', 'batchSize', 'steps', 'seed', 'dataset'] as const)
        expect(config[key], `resolved ${key} differs from the fixture's: ${STALE}`).toEqual(fx.config[key]);
      expect(fx.steps.length).toBeGreaterThanOrEqual(20);
      // The fixture exercises both branches of the clip.
      expect(fx.steps.some((s) => s.clipped) && fx.steps.some((s) => !s.clipped), 'clip threshold should fire on some steps only').toBe(true);

      const trainer = await createTrainer(config);
      try {
        expect(weightsDigest(trainer), `initial weights differ: ${STALE}`).toBe(fx.weightsDigest);
        const rows: string[] = [];
        let worst = 0;
        // Hash the very batch (and MAE mask) each training step uses, before its loss is compared.
        let digest = '';
        let mask: string | undefined;
        const makeBatch = trainer.makeBatch.bind(trainer);
        trainer.makeBatch = (s: number) => {
          const batch = makeBatch(s);
          digest = batchDigest(batch);
          if (method === 'mae') mask = maskDigest(maeMaskPlan(trainer, batch.images, s));
          return batch;
        };
        for (const ref of fx.steps) {
          const s = ref.step;
          expect(Math.abs(trainer.lrAt(s) - ref.lr), `step ${s}: learning rate ${trainer.lrAt(s)} vs reference ${ref.lr}`).toBeLessThan(1e-12);
          const { loss } = trainer.step(s);
          const lab = (await loss.data())[0];
          loss.dispose();
          expect(digest, `step ${s}: the batch differs from the exported one: ${STALE}`).toBe(ref.batchDigest);
          expect(mask, `step ${s}: the MAE mask differs from the exported one: ${STALE}`).toBe(ref.maskDigest);
          const rel = Math.abs(lab - ref.loss) / Math.abs(ref.loss);
          worst = Math.max(worst, rel);
          const ok = rel <= parityTolerance(s);
          rows.push(`step ${String(s).padStart(2)}  lab ${lab.toFixed(7)}  ref ${ref.loss.toFixed(7)}  rel ${rel.toExponential(1)}  tol ${parityTolerance(s).toExponential(1)}${ok ? '' : '  <-- off'}`);
          if (!ok) throw new Error(`${method}: loss of step ${s} is off the PyTorch reference (first bad step):\n${rows.join('\n')}`);
        }
        console.log(`parity ${method}: ${fx.steps.length} steps, max rel deviation ${worst.toExponential(2)}`);
      } finally {
        trainer.dispose();
      }
    });
  }
});
