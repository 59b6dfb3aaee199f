/** What each fused-kernel file exports: its WebGPU kernels, their gradients and FLOP formulas. */
import type * as tf from '@tensorflow/tfjs';
import type { Formula } from '../flops/formulas';

export interface FusedModule {
  /** Kernel configs without `backendName`: they are registered for 'webgpu' only. */
  kernels: Omit<tf.KernelConfig, 'backendName'>[];
  gradients: tf.GradConfig[];
  formulas: ReadonlyMap<string, Formula>;
}
