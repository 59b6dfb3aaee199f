/** Backend choice with fake adapters: auto runs wasm over a software WebGPU adapter and says why; hardware keeps WebGPU. */
import { describe, expect, it } from 'vitest';
import { autoLabel, backendReason, chooseOrder, isSoftwareAdapter, softwareKind, wantedFeatures } from '../src/engine/backend';
import type { AdapterInfo } from '../src/engine/backendIds';

const adapter = (over: Partial<AdapterInfo>): AdapterInfo => ({
  vendor: '',
  architecture: '',
  device: '',
  description: '',
  isFallbackAdapter: false,
  features: [],
  ...over,
});
const swiftshader = adapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' });
const llvmpipe = adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 17.0.6, 256 bits)' });
const fallback = adapter({ vendor: 'acme', isFallbackAdapter: true });
const nvidia = adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', features: ['shader-f16', 'subgroups', 'timestamp-query'] });

describe('software adapters', () => {
  it('are named for the reason line', () => {
    expect(softwareKind(swiftshader)).toBe('SwiftShader');
    expect(softwareKind(llvmpipe)).toBe('llvmpipe');
    expect(softwareKind(fallback)).toBe('a fallback adapter');
    expect(softwareKind(nvidia)).toBeNull();
    expect([swiftshader, llvmpipe, fallback].every(isSoftwareAdapter)).toBe(true);
    expect(isSoftwareAdapter(nvidia)).toBe(false);
  });
});

describe('chooseOrder', () => {
  it('auto puts wasm before a software WebGPU adapter (which still beats plain JS) and says why', () => {
    for (const a of [swiftshader, llvmpipe, fallback]) {
      const plan = chooseOrder('auto', a);
      expect(plan.order).toEqual(['wasm', 'webgpu', 'cpu']);
      expect(plan.note).toMatch(/software.*wasm is faster here; choose WebGPU to use it anyway/);
    }
    const reason = backendReason('auto', 'wasm', chooseOrder('auto', swiftshader), []);
    expect(reason).toBe('auto-selected wasm: the WebGPU adapter is software (SwiftShader), wasm is faster here; choose WebGPU to use it anyway');
  });

  it('auto keeps WebGPU on a hardware adapter', () => {
    const plan = chooseOrder('auto', nvidia);
    expect(plan).toEqual({ order: ['webgpu', 'wasm', 'cpu'] });
    expect(backendReason('auto', 'webgpu', plan, [])).toBe('auto-selected webgpu');
  });

  it('an explicit webgpu choice gets WebGPU even on a software adapter', () => {
    const plan = chooseOrder('webgpu', swiftshader);
    expect(plan.order[0]).toBe('webgpu');
    expect(plan.note).toBeUndefined();
    expect(backendReason('webgpu', 'webgpu', plan, [])).toBe('webgpu as chosen');
  });

  it('without an adapter, and for wasm / cpu choices', () => {
    expect(chooseOrder('auto').order).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(chooseOrder('wasm', swiftshader).order).toEqual(['wasm', 'cpu']);
    expect(chooseOrder('cpu', nvidia).order).toEqual(['cpu']);
    expect(backendReason('auto', 'wasm', chooseOrder('auto'), ['no navigator.gpu'])).toBe('wasm (fallback: no navigator.gpu)');
  });

  it('the auto label says what auto will do here', () => {
    expect(autoLabel(nvidia)).toBe('Auto (WebGPU, else wasm, else cpu)');
    expect(autoLabel(swiftshader)).toMatch(/^Auto \(wasm: WebGPU here is software, SwiftShader\)$/);
    expect(autoLabel(undefined)).toMatch(/^Auto \(wasm, else cpu/);
  });
});

describe('wanted WebGPU features', () => {
  it('asks for timestamp-query, subgroups and shader-f16 where the adapter has them, nothing else', () => {
    expect(wantedFeatures(new Set(['shader-f16', 'timestamp-query', 'bgra8unorm-storage', 'subgroups']))).toEqual([
      'timestamp-query',
      'subgroups',
      'shader-f16',
    ]);
    expect(wantedFeatures(new Set(['timestamp-query']))).toEqual(['timestamp-query']);
    expect(wantedFeatures([])).toEqual([]);
  });
});

describe('initBackend with a fake software adapter', () => {
  it('auto starts wasm and says why; an explicit webgpu choice still tries WebGPU first', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { createRequire } = await import('node:module');
    const { dirname } = await import('node:path');
    const { initBackend } = await import('../src/engine/backend');
    const fakeAdapter = {
      features: new Set(['timestamp-query']),
      info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader' },
      requestDevice: () => Promise.reject(new Error('no device in Node')),
    };
    const hadNavigator = 'navigator' in globalThis;
    if (!hadNavigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    const nav = globalThis.navigator as unknown as Record<string, unknown>;
    Object.defineProperty(nav, 'gpu', { value: { requestAdapter: async () => fakeAdapter }, configurable: true });
    const wasm = async () => {
      const m = await import('@tensorflow/tfjs-backend-wasm');
      m.setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    };
    try {
      tf.env().set('IS_TEST', true);
      const auto = await initBackend('auto', { wasm });
      expect(auto.name).toBe('wasm');
      expect(auto.reason).toBe('auto-selected wasm: the WebGPU adapter is software (SwiftShader), wasm is faster here; choose WebGPU to use it anyway');
      expect(auto.isSoftware).toBe(false);
      expect(tf.getBackend()).toBe('wasm');
      // Explicit webgpu: WebGPU is tried first (no webgpu backend in Node, so it falls back and says so).
      const explicit = await initBackend('webgpu', { wasm });
      expect(explicit.name).toBe('wasm');
      expect(explicit.reason).toMatch(/^wasm \(fallback: the webgpu backend is not registered\)$/);
      // A switch releases the backend left behind when nothing lives on it.
      const cpu = await initBackend('cpu');
      expect(cpu.reason).toBe('cpu as chosen');
      expect(tf.engine().registry.wasm).toBeUndefined();
      expect(tf.findBackendFactory('wasm')).toBeTruthy();
      expect((await initBackend('wasm', { wasm })).name).toBe('wasm');
    } finally {
      delete nav.gpu;
      if (!hadNavigator) delete (globalThis as Record<string, unknown>).navigator;
      await tf.setBackend('cpu');
    }
  });
});
