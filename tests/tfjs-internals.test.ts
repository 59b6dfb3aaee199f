/**
 * The tfjs internals the engine reads, named and checked against the installed packages, which
 * package.json pins to the exact version they were written against (a minor release may move
 * any of them without notice):
 * - tfjs-backend-webgpu: the `WebGPUProgram` type from dist/webgpu_program (src/engine/fused/webgpu/program.ts)
 *   and the backend's `tensorMap` (src/engine/fused/webgpu/adamw.ts writes results back in place);
 * - tfjs-backend-wasm: the backend's `dataIdMap` (id and heap offset of a tensor), its module's
 *   `HEAPU8`, `tfjs.registerTensor` / `tfjs.disposeData` and `cwrap('BatchMatMul')`
 *   (src/engine/fused/wasm/optimizer.ts, src/engine/wasmKernels.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../tooling/tfjsBackends';

const require = createRequire(import.meta.url);
const PINNED = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'];
const installed = (name: string): string => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
const webgpuDist = (file: string) => readFileSync(require.resolve(`@tensorflow/tfjs-backend-webgpu/dist/${file}`), 'utf8');

beforeAll(useWasmBackend);

describe('the tfjs internals the engine reads', () => {
  it('package.json pins every tfjs package to one exact version, the one installed', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const versions = PINNED.map((name) => pkg.dependencies[name]);
    for (const v of versions) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
    expect(new Set(versions).size).toBe(1);
    for (const name of PINNED) expect(installed(name)).toBe(pkg.dependencies[name]);
  });

  it('webgpu: dist/webgpu_program declares WebGPUProgram, and the backend keeps its tensors in tensorMap', () => {
    expect(webgpuDist('webgpu_program.d.ts')).toMatch(/export interface WebGPUProgram \{/);
    expect(webgpuDist('backend_webgpu.d.ts')).toMatch(/\btensorMap\b/);
    expect(webgpuDist('backend_webgpu.d.ts')).toMatch(/\brunWebGPUProgram\(/);
  });

  it('wasm: dataIdMap gives a tensor id and heap offset, and the module has HEAPU8, registerTensor, disposeData and BatchMatMul', () => {
    const backend = tf.backend() as unknown as {
      dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
      wasm: { HEAPU8: Uint8Array; tfjs: Record<string, unknown>; cwrap(name: string, ret: null, args: string[]): unknown };
    };
    const t = tf.tensor1d([1.5, -2, 3]);
    const data = backend.dataIdMap.get(t.dataId)!;
    expect(Number.isInteger(data.id)).toBe(true);
    expect(Number.isInteger(data.memoryOffset)).toBe(true);
    expect(backend.wasm.HEAPU8).toBeInstanceOf(Uint8Array);
    // The engine reads a tensor's values straight from the heap at that offset.
    expect([...new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, 3)]).toEqual([1.5, -2, 3]);
    expect(typeof backend.wasm.tfjs.registerTensor).toBe('function');
    expect(typeof backend.wasm.tfjs.disposeData).toBe('function');
    expect(typeof backend.wasm.cwrap('BatchMatMul', null, ['number'])).toBe('function');
    t.dispose();
  });
});
