/**
 * Running forward work that no gradient flows through (an EMA teacher's forward) without the
 * gradient tape. tfjs has no stop-gradient op: inside `tf.variableGrads` every kernel is
 * recorded and each input a gradient rule saves is cloned (an Identity call) and held until the
 * backward ends. A teacher's outputs are constants to the loss, so nothing of that is ever used.
 * With the tape paused the same kernels run with the same values, and the teacher's
 * activations are freed at once instead of living through the backward pass.
 */
import * as tf from '@tensorflow/tfjs';

type EngineState = { gradientDepth: number };

/** Runs `f` with the gradient tape paused: its results are constants to any gradient being taken. */
export function withoutTape<T>(f: () => T): T {
  // tfjs records a kernel when gradientDepth > 0 (engine.isTapeOn); depth 0 for the call, restored after.
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  try {
    return f();
  } finally {
    state.gradientDepth = depth;
  }
}
