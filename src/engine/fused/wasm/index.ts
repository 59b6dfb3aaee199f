/**
 * The fused kernels on wasm: the optimiser (AdamW, the global norm, EMA) and LayerNorm, as
 * loops over the wasm heap under the WebGPU kernels' names, and Linear, one call of wasm's own
 * matmul per product (the values bit for bit those of the composed path). Registered with the backend's
 * missing kernels (src/engine/wasmKernels.ts), before the FLOP hooks wrap the backend, so each
 * is counted through the formula its WebGPU module gives; the gradients are the WebGPU
 * modules' own (tfjs keys gradients by kernel name, for every backend), registered here too in
 * case the WebGPU backend never loads. Which model ops take them: WASM_FUSED_OPS in ../enabled.ts.
 *
 * Only kernels that are cheap per element belong here: a TypeScript loop multiplies and adds, and
 * takes exp, several times slower than tfjs-wasm's C++ kernels, so LayerNorm written this way saves
 * calls and time, while GELU and the attention core written the same way made the step slower and
 * were dropped (docs/results.md, "wasm: fused kernels as TypeScript loops"); they need compiled wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFormula } from '../../flops/formulas';
import { adamwModule } from '../webgpu/adamw';
import { sumSquaresModule } from '../webgpu/sumSquares';
import { emaModule } from '../webgpu/ema';
import { layerNormModule } from '../webgpu/layerNorm';
import { linearKernels, linearModule } from '../webgpu/linear';
import { WASM_OPTIMIZER_KERNELS } from './optimizer';
import { WASM_LAYER_NORM_KERNELS } from './layerNorm';

/** Registers the wasm fused kernels, their gradients and FLOP formulas, once. */
export function registerWasmFusedKernels(): void {
  for (const [kernelName, kernelFunc] of [...WASM_OPTIMIZER_KERNELS, ...WASM_LAYER_NORM_KERNELS]) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
  // Linear: wasm's own (fast) matmul kernels on 2-D views, as on WebGPU: the same products, without the reshapes and clones around them.
  for (const k of linearKernels('wasm')) if (!tf.getKernel(k.kernelName, 'wasm')) tf.registerKernel({ ...k, backendName: 'wasm' });
  for (const m of [adamwModule, sumSquaresModule, emaModule, layerNormModule, linearModule]) {
    for (const g of m.gradients) if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
    for (const [name, formula] of m.formulas) registerFormula(name, formula);
  }
}
