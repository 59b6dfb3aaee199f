/**
 * The fused kernels' registration (issue 10): the WebGPU kernels (./webgpu/) are registered for
 * the webgpu backend before the FLOP hooks wrap its kernels, so each is counted like any tfjs kernel through its formula.
 * Add a module to MODULES and its kernels, gradients and formulas are in. WebGPU's own Sum gets
 * a faster path for leading axes (./webgpu/columnSum.ts) under its own name.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFormula } from '../flops/formulas';
import { attentionModule } from './webgpu/attention';
import { layerNormModule } from './webgpu/layerNorm';
import type { FusedModule } from './module';
import { geluModule } from './webgpu/gelu';
import { crossEntropyModule } from './webgpu/crossEntropy';
import { adamwModule } from './webgpu/adamw';
import { sumSquaresModule } from './webgpu/sumSquares';
import { emaModule } from './webgpu/ema';
import { linearModule } from './webgpu/linear';
import { tokensModule } from './webgpu/tokens';
import { batchNormModule } from './webgpu/batchNorm';
import { registerWebgpuColumnSum } from './webgpu/columnSum';

const MODULES: FusedModule[] = [
  layerNormModule,
  attentionModule,
  adamwModule,
  sumSquaresModule,
  emaModule,
  geluModule,
  crossEntropyModule,
  linearModule,
  tokensModule,
  batchNormModule,
];

let registered = false;

/** Registers every fused kernel for 'webgpu' and its gradient, once. */
export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  registerWebgpuColumnSum();
  for (const m of MODULES) {
    for (const k of m.kernels) if (!tf.getKernel(k.kernelName, 'webgpu')) tf.registerKernel({ ...k, backendName: 'webgpu' });
    for (const g of m.gradients) if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
    for (const [name, formula] of m.formulas) registerFormula(name, formula);
  }
}
