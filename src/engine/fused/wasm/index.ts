/**
 * The fused kernels on wasm, under the WebGPU kernels' names: the optimiser (AdamW, the global
 * norm, EMA), LayerNorm, the class-token prepend and softmax cross-entropy as loops over the wasm
 * heap; Linear's products, GELU and the attention core as compiled SIMD kernels (simd/kernels.wat)
 * on the same heap, which also run the optimiser's loops and wasm's Sum over leading axes
 * (./columnSum.ts) where the engine has SIMD; without SIMD, Linear calls wasm's own matmul. Registered with the backend's missing kernels (src/engine/wasmKernels.ts), before the FLOP hooks wrap the backend, so each
 * is counted through the formula its WebGPU module gives; the gradients are the WebGPU
 * modules' own (tfjs keys gradients by kernel name, for every backend), registered here too in
 * case the WebGPU backend never loads. Which model ops take them: WASM_FUSED_OPS in ../enabled.ts.
 *
 * Only kernels that are cheap per element are TypeScript loops: a TypeScript loop multiplies and
 * adds, and takes exp, several times slower than tfjs-wasm's C++ kernels, so LayerNorm written this
 * way saves calls and time, while GELU and the attention core written the same way made the step
 * slower (docs/results.md, "wasm: fused kernels as TypeScript loops"); they are compiled SIMD.
 * An engine without WebAssembly SIMD keeps their composed ops.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFormula } from '../../flops/formulas';
import { adamwModule } from '../webgpu/adamw';
import { sumSquaresModule } from '../webgpu/sumSquares';
import { emaModule } from '../webgpu/ema';
import { layerNormModule } from '../webgpu/layerNorm';
import { linearModule } from '../webgpu/linear';
import { wasmLinearKernels } from './linear';
import { WASM_OPTIMIZER_KERNELS } from './optimizer';
import { WASM_LAYER_NORM_KERNELS } from './layerNorm';
import { geluModule } from '../webgpu/gelu';
import { attentionModule } from '../webgpu/attention';
import { WASM_GELU_KERNELS } from './gelu';
import { WASM_ATTENTION_KERNELS } from './attention';
import { WASM_TOKEN_KERNELS } from './tokens';
import { WASM_CROSS_ENTROPY_KERNELS } from './crossEntropy';
import { crossEntropyModule } from '../webgpu/crossEntropy';
import { tokensModule } from '../webgpu/tokens';
import { simdKernelsSupported } from './simd/instance';
import { SIMD_FUSED_OPS, setWasmFusedOps, WASM_FUSED_OPS } from '../enabled';
import { registerColumnSum } from './columnSum';
import { registerSameShapeBinary } from './sameShapeBinary';

/** Registers the wasm fused kernels, their gradients and FLOP formulas, once. */
export function registerWasmFusedKernels(): void {
  const simd = simdKernelsSupported();
  if (!simd) setWasmFusedOps(WASM_FUSED_OPS.filter((op) => !SIMD_FUSED_OPS.includes(op)));
  const loops = [
    ...WASM_OPTIMIZER_KERNELS,
    ...WASM_LAYER_NORM_KERNELS,
    ...WASM_TOKEN_KERNELS,
    ...WASM_CROSS_ENTROPY_KERNELS,
    ...(simd ? [...WASM_GELU_KERNELS, ...WASM_ATTENTION_KERNELS] : []),
  ];
  registerColumnSum();
  registerSameShapeBinary();
  for (const [kernelName, kernelFunc] of loops) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
  // Linear: the SIMD products (./linear.ts), or wasm's own matmul on 2-D views without SIMD; either way without the composed path's reshapes and clones.
  for (const [kernelName, kernelFunc] of wasmLinearKernels()) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
  for (const m of [adamwModule, sumSquaresModule, emaModule, layerNormModule, linearModule, geluModule, attentionModule, tokensModule, crossEntropyModule]) {
    for (const g of m.gradients) if (!tf.getGradient(g.kernelName)) tf.registerGradient(g);
    for (const [name, formula] of m.formulas) registerFormula(name, formula);
  }
}
