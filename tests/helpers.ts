import * as tf from '@tensorflow/tfjs';
import { installKernelHooks } from '../src/engine/flops/counter';

/** tfjs cpu backend with the FLOP hooks installed, quiet about tfjs-node. */
export async function useCpuBackend(): Promise<void> {
  tf.env().set('IS_TEST', true);
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
  installKernelHooks('cpu');
}
