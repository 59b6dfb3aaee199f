/** One instrumented training step of a fresh model: the figures `profileStep` reports. */
import type { ExperimentConfig } from './config';
import type { StepProfile } from './records';
import { Trainer } from './trainer';

export function profileStep(config: ExperimentConfig): StepProfile {
  const trainer = new Trainer(config);
  try {
    const { loss, counts } = trainer.step(0);
    loss.dispose();
    return trainer.profile(counts);
  } finally {
    trainer.dispose();
  }
}
