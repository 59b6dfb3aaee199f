/**
 * Steady-state step timing for the benchmark script: warm-up steps first (GPU
 * pipelines compile then), then `steps` timed steps with one readback at the end.
 */
import type { ExperimentConfig } from './config';
import { createTrainer } from './trainer';

export interface BenchOptions {
  steps: number;
  warmup: number;
}

export interface BenchResult {
  msPerStep: number;
  flopsPerStep: number;
  steps: number;
}

export async function benchSteps(config: ExperimentConfig, opts: BenchOptions): Promise<BenchResult> {
  const trainer = await createTrainer(config);
  try {
    const run = async (from: number, n: number) => {
      let flops = 0;
      for (let s = from; s < from + n; s++) {
        const { loss, counts } = trainer.step(s);
        flops = counts.total;
        if (s === from + n - 1) await loss.data(); // one sync: every queued kernel has finished
        loss.dispose();
      }
      return flops;
    };
    await run(0, opts.warmup);
    const t0 = performance.now();
    const flopsPerStep = await run(opts.warmup, opts.steps);
    return { msPerStep: (performance.now() - t0) / opts.steps, flopsPerStep, steps: opts.steps };
  } finally {
    trainer.dispose();
  }
}
