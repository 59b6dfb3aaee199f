/**
 * How the lab puts its own kernel in front of one a tfjs backend registers (wasm's Slice,
 * Transpose, Identity, BatchMatMul and Sum; WebGPU's Sum): once, marked, so that a second call
 * (another trainer, a test) leaves the replacement as it is. The replacement keeps the original's
 * config (its setup function included) and gets the original kernel function to fall back on.
 * Called before the FLOP hooks wrap the backend's kernels, so the replacement is counted like
 * any other kernel, under the same name.
 */
import * as tf from '@tensorflow/tfjs';

export function replaceKernel(kernelName: string, backendName: string, marker: string, wrap: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(kernelName, backendName);
  if (!original || (original as unknown as Record<string, unknown>)[marker]) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...original, kernelFunc: wrap(original.kernelFunc), [marker]: true } as tf.KernelConfig);
}
