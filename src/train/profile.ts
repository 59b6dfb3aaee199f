/** One instrumented training step of a fresh model: the figures `profileStep` reports. */
import type { ExperimentConfig } from './config';
import type { StepProfile } from './records';
import { createTrainer } from './trainer';

export async function profileStep(config: ExperimentConfig): Promise<StepProfile> {
  const trainer = await createTrainer(config);
  try {
    const { loss, counts } = trainer.step(0);
    // Wait for the step to finish on the device: on a software adapter the queued step otherwise
    // runs on for seconds after this returns (measured: Chromium's GPU process at one full core of
    // two for about 11 s after a toy-B step on SwiftShader), slowing whatever the page runs next.
    await loss.data();
    loss.dispose();
    return trainer.profile(counts);
  } finally {
    trainer.dispose();
  }
}
