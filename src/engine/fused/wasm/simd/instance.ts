/**
 * The compiled SIMD kernels (kernels.wat, embedded in binary.ts) instantiated against
 * tfjs-backend-wasm's own memory, once per wasm module: the kernels read and write tensors on
 * the heap in place, by byte offset, with 4-lane SIMD, where TypeScript loops ran scalar and
 * several times slower than tfjs-wasm's C++ (docs/results.md). The memory is
 * `Module.wasmMemory` in the threaded build (shared, created by the Emscripten glue) and
 * `Module.asm.memory` in the others (exported by the module); the instance imports it as it
 * is, and it stays valid when the heap grows (the Memory object is the same, only its buffer is
 * replaced). Kept small: no allocator, no state but one scratch block malloc'ed from tfjs's heap.
 */
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_PLAIN_FMA, SIMD_KERNELS_SHARED, SIMD_KERNELS_SHARED_FMA } from './binary';

/** The kernels' exports (every pointer a byte offset in tfjs-wasm's memory). */
export interface SimdKernels {
  gelu(x: number, out: number, n: number): void;
  geluGrad(dy: number, x: number, out: number, n: number): void;
  attnProbs(q: number, k: number, out: number, scratch: number, B: number, T: number, H: number, dh: number, scale: number, causal: number): void;
  attnGradProbs(dy: number, v: number, out: number, scratch: number, B: number, T: number, H: number, dh: number): void;
  attnMix(m: number, y: number, out: number, B: number, T: number, H: number, dh: number, transposed: number): void;
  attnGradScores(dp: number, p: number, out: number, rows: number, T: number, scale: number): void;
  sumSquares(x: number, n: number): number;
  adamwMoments(g: number, mv: number, out: number, n: number, scale: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number): void;
  adamwParam(p: number, mv: number, out: number, n: number, lr: number, bc1: number, bc2: number, eps: number, wdLr: number, decay: number): void;
  ema(t: number, s: number, out: number, n: number, momentum: number, oneMinusMomentum: number): void;
  columnSum(x: number, out: number, rows: number, cols: number): void;
  sameShapeBinary(a: number, b: number, out: number, n: number, op: number): void;
  layerNorm(x: number, gamma: number, beta: number, out: number, rows: number, d: number, eps: number): void;
  layerNormStats(x: number, out: number, rows: number, d: number, eps: number): void;
  layerNormGradX(dy: number, x: number, gamma: number, stats: number, out: number, rows: number, d: number): void;
  layerNormGradGamma(dy: number, x: number, stats: number, out: number, rows: number, d: number): void;
  linear(
    a: number,
    ai: number,
    ap: number,
    b: number,
    bias: number,
    hasBias: number,
    c: number,
    m: number,
    n: number,
    p: number,
    panel: number,
    chunk: number,
  ): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  swapMiddle(src: number, dst: number, A: number, I: number, J: number, L: number): void;
}

/** The parts of tfjs-backend-wasm 4.22's Emscripten module used here. */
export interface WasmModule {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const text = atob(b64);
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** True when this engine runs the kernels (WebAssembly SIMD). Checked before registering them. */
export function simdKernelsSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(decode(SIMD_KERNELS_PLAIN));
}

interface Instance {
  kernels: SimdKernels;
  scratch: { offset: number; bytes: number };
}
/** Per tfjs-wasm module, its instance of each variant (multiply-adds fused or not). */
const instances = new WeakMap<WasmModule, Map<boolean, Instance>>();

let fmaChoice: boolean | undefined;
let fmaSupported: boolean | undefined;

/**
 * True when this engine runs relaxed SIMD, so the products' multiply-adds can be fused (one
 * rounding, and on x86 half the instructions of their inner loops: Linear's products ran 1.2-1.4x
 * as fast in Chromium, docs/results.md). Chromium ships relaxed SIMD (since 114); Node 20 runs it
 * behind a V8 flag, which the lab's Node tooling sets (tooling/tfjsBackends.ts) so that the
 * headless scripts compute what the page does. Where an engine lacks it the kernels multiply
 * then add, as WebAssembly SIMD alone can: other floats, within rounding.
 */
function fusedMultiplyAddSupported(): boolean {
  fmaSupported ??= typeof WebAssembly === 'object' && WebAssembly.validate(decode(SIMD_KERNELS_PLAIN_FMA));
  return fmaSupported;
}

/** Force the products' multiply-adds fused (true) or not (false), or as the engine allows (undefined, the default): for the tests and scripts that compare the two. */
export function setFusedMultiplyAdd(on: boolean | undefined): void {
  if (on && !fusedMultiplyAddSupported()) throw new Error('fused multiply-add: this engine has no relaxed SIMD');
  fmaChoice = on;
}

/** Whether the kernels now fuse their products' multiply-adds. */
export function fusedMultiplyAddInUse(): boolean {
  return fmaChoice ?? fusedMultiplyAddSupported();
}

/** A line for BackendInfo.reason: how the compiled kernels add their products. */
export function multiplyAddNote(): string {
  return fusedMultiplyAddInUse() ? 'matrix products with fused multiply-add (relaxed SIMD)' : 'matrix products as multiply then add (no relaxed SIMD)';
}

function instanceFor(module: WasmModule): Instance {
  const fused = fusedMultiplyAddInUse();
  let variants = instances.get(module);
  if (!variants) instances.set(module, (variants = new Map<boolean, Instance>()));
  let found = variants.get(fused);
  if (found) return found;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error("wasm SIMD kernels: tfjs-wasm's memory was not found (wasmMemory, asm.memory)");
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const b64 = shared ? (fused ? SIMD_KERNELS_SHARED_FMA : SIMD_KERNELS_SHARED) : fused ? SIMD_KERNELS_PLAIN_FMA : SIMD_KERNELS_PLAIN;
  // Synchronous compile: the module is about 15 KB (browsers refuse only large modules synchronously).
  const compiled = new WebAssembly.Module(decode(b64));
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  found = { kernels: instance.exports as unknown as SimdKernels, scratch: { offset: 0, bytes: 0 } };
  variants.set(fused, found);
  return found;
}

let fallbackChoice: boolean | undefined;

/**
 * Whether the kernels that keep a fallback (LayerNorm and the optimiser: TypeScript loops; Sum
 * over leading axes: tfjs-wasm's own) run SIMD: true, false, or as the engine allows (undefined,
 * the default). For the tests that compare the two and for scripts/wasm-fused.ts.
 */
export function setSimdWithFallbacks(on: boolean | undefined): void {
  fallbackChoice = on;
}

/** The kernels for `module` when those with a fallback should run SIMD (see setSimdWithFallbacks), else null. */
export function simdOrFallback(module: WasmModule): SimdKernels | null {
  fallbackChoice ??= simdKernelsSupported();
  return fallbackChoice ? simdKernels(module) : null;
}

/** The kernels for tfjs-wasm's module `module`. */
export function simdKernels(module: WasmModule): SimdKernels {
  return instanceFor(module).kernels;
}

/** A scratch block of at least `bytes` on the heap, kept and reused (grown when a call needs more). */
export function simdScratch(module: WasmModule, bytes: number): number {
  const { scratch } = instanceFor(module);
  if (scratch.bytes < bytes) {
    if (scratch.bytes) module._free(scratch.offset);
    scratch.offset = module._malloc(bytes);
    scratch.bytes = bytes;
  }
  return scratch.offset;
}
