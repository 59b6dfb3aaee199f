/** One instrumented training step of a fresh model: the figures `profileStep` reports. */
import type { ExperimentConfig } from './config';
import type { StepProfile } from './records';
import { createTrainer } from './trainer';

export async function profileStep(config: ExperimentConfig): Promise<StepProfile> {
  const trainer = await createTrainer(config);
  try {
    const { loss, counts } = trainer.step(0);
    loss.dispose();
    return trainer.profile(counts);
  } finally {
    trainer.dispose();
  }
}
