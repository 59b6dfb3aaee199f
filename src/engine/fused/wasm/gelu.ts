/**
 * The fused GELU kernels for wasm: the WebGPU kernels' names, outputs and FLOP formulas
 * (../webgpu/gelu.ts, whose registered gradient calls FlopLabGeluGrad), computed by the compiled
 * SIMD kernels (simd/kernels.wat: the same erfc polynomial, 4 lanes at a time). One call forward
 * and one backward, where the composed ops make 5 forward and about 10 backward, each a pass
 * over the MLP's widest activation.
 */
import { GELU, GELU_GRAD } from '../webgpu/gelu';
import { offset, size, type Info, type KernelArgs, type WasmBackend } from './heap';
import { simdKernels } from './simd/instance';

function gelu({ inputs, backend }: KernelArgs): Info {
  const { x } = inputs as { x: Info };
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput([...x.shape], 'float32');
  const n = size(x.shape);
  if (n > 0) simdKernels(wasm.wasm).gelu(offset(wasm, x), offset(wasm, out), n);
  return out;
}

function geluGrad({ inputs, backend }: KernelArgs): Info {
  const { dy, x } = inputs as { dy: Info; x: Info };
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput([...x.shape], 'float32');
  const n = size(x.shape);
  if (n > 0) simdKernels(wasm.wasm).geluGrad(offset(wasm, dy), offset(wasm, x), offset(wasm, out), n);
  return out;
}

export const WASM_GELU_KERNELS: [string, (args: KernelArgs) => Info][] = [
  [GELU, gelu],
  [GELU_GRAD, geluGrad],
];
