/**
 * The fused Linear's three products as one WGSL program for software adapters: C[i, j] =
 * sum over l of A(i, l) B(l, j) (+ bias[j]), with A and B read through strides, so x W, dy W^T
 * and x^T dy all read their operands where they are (no transpose). Each invocation computes a
 * 4 x 4 block of C in registers, with no workgroup memory and no barrier. tfjs-webgpu's matmul
 * programs share tiles through workgroup memory between barriers, which is what a GPU wants and
 * what SwiftShader (WebGPU on the CPU) runs worst: there the three products of a 64-token toy-B
 * step took about 10 s of its kernel time (scripts/kernel-profile.ts --backend=webgpu). On a
 * hardware adapter tfjs's programs stay (./softwareAdapter.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { ints, runProgram, type FusedProgramSpec } from './program';

/** C [m, n] = A B, A(i, l) = a[i * ai + l * al], B(l, j) = b[l * bl + j * bj], over l < inner. */
export interface TiledProduct {
  m: number;
  n: number;
  inner: number;
  ai: number;
  al: number;
  bl: number;
  bj: number;
}

const spec = (p: TiledProduct, withBias: boolean, outputShape: number[]): FusedProgramSpec => ({
  key: `tiledmm${withBias ? '_bias' : ''}`,
  inputs: withBias ? ['a', 'b', 'bias'] : ['a', 'b'],
  outputShape,
  threads: Math.ceil(p.m / 4) * Math.ceil(p.n / 4),
  uniforms: 'm : i32, n : i32, inner : i32, ai : i32, al : i32, bl : i32, bj : i32,',
  // Rows and columns past the edge read the last row or column (clamped) and are not written.
  body: `let tilesN = (uniforms.n + 3) / 4;
    let i0 = (index / tilesN) * 4;
    let j0 = (index % tilesN) * 4;
    let ra = vec4<i32>(min(i0, uniforms.m - 1), min(i0 + 1, uniforms.m - 1), min(i0 + 2, uniforms.m - 1), min(i0 + 3, uniforms.m - 1)) * uniforms.ai;
    let cb = vec4<i32>(min(j0, uniforms.n - 1), min(j0 + 1, uniforms.n - 1), min(j0 + 2, uniforms.n - 1), min(j0 + 3, uniforms.n - 1)) * uniforms.bj;
    var c0 = vec4<f32>(0.0);
    var c1 = vec4<f32>(0.0);
    var c2 = vec4<f32>(0.0);
    var c3 = vec4<f32>(0.0);
    for (var l = 0; l < uniforms.inner; l = l + 1) {
      let la = l * uniforms.al;
      let lb = l * uniforms.bl;
      let bv = vec4<f32>(b[lb + cb.x], b[lb + cb.y], b[lb + cb.z], b[lb + cb.w]);
      c0 = c0 + a[ra.x + la] * bv;
      c1 = c1 + a[ra.y + la] * bv;
      c2 = c2 + a[ra.z + la] * bv;
      c3 = c3 + a[ra.w + la] * bv;
    }
    ${withBias ? 'let bb = vec4<f32>(bias[cb.x / uniforms.bj], bias[cb.y / uniforms.bj], bias[cb.z / uniforms.bj], bias[cb.w / uniforms.bj]); c0 = c0 + bb; c1 = c1 + bb; c2 = c2 + bb; c3 = c3 + bb;' : ''}
    let rows = array<vec4<f32>, 4>(c0, c1, c2, c3);
    for (var r = 0; r < 4; r = r + 1) {
      let i = i0 + r;
      if (i >= uniforms.m) { break; }
      for (var c = 0; c < 4; c = c + 1) {
        let j = j0 + c;
        if (j < uniforms.n) { result[i * uniforms.n + j] = rows[r][c]; }
      }
    }`,
});

/** Runs the product `p` of `a` and `b` (+ `bias`) into a new tensor of `outputShape` (m * n elements). */
export function tiledMatmul(backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo, p: TiledProduct, outputShape: number[], bias?: tf.TensorInfo): tf.TensorInfo {
  return runProgram(backend, spec(p, Boolean(bias), outputShape), bias ? [a, b, bias] : [a, b], ints(p.m, p.n, p.inner, p.ai, p.al, p.bl, p.bj));
}
