/**
 * Backend selection: WebGPU first, then wasm, then cpu, with the reason for
 * every fallback kept in the returned info so the UI can say why. Software
 * adapters (SwiftShader, fallback adapters) are detected and flagged, because
 * they are correct but slow (wasm is often 10-20x faster on such a machine).
 * Kernel FLOP hooks are installed on whichever backend ends up active.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdapterInfo, BackendChoice, BackendInfo, BackendOption } from './backendIds';
import { installKernelHooks } from './flops/counter';

type Gpu = { requestAdapter(opts?: unknown): Promise<GpuAdapterLike | null> };
type GpuAdapterLike = {
  features: ReadonlySet<string>;
  info?: Partial<AdapterInfo>;
  isFallbackAdapter?: boolean;
};

function gpu(): Gpu | undefined {
  return (globalThis.navigator as unknown as { gpu?: Gpu } | undefined)?.gpu;
}

export async function probeAdapter(): Promise<{ adapter?: AdapterInfo; why?: string }> {
  const g = gpu();
  if (!g) return { why: 'this browser exposes no navigator.gpu (WebGPU disabled or unsupported)' };
  try {
    const a = await g.requestAdapter({ powerPreference: 'high-performance' });
    if (!a) return { why: 'navigator.gpu.requestAdapter() returned no adapter' };
    const info = a.info ?? {};
    const adapter: AdapterInfo = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? a.isFallbackAdapter),
      features: [...a.features].sort(),
    };
    return { adapter };
  } catch (e) {
    return { why: `requesting a WebGPU adapter failed: ${(e as Error).message}` };
  }
}

export function isSoftwareAdapter(a: AdapterInfo): boolean {
  const text = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  return a.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
}

/** Loads the optional backends; each failure is a reason, not a crash. */
export interface BackendLoaders {
  webgpu?: () => Promise<unknown>;
  wasm?: () => Promise<unknown>;
}

export async function listBackends(loaders: BackendLoaders): Promise<BackendOption[]> {
  const { adapter, why } = await probeAdapter();
  const soft = adapter ? isSoftwareAdapter(adapter) : false;
  return [
    { id: 'auto', label: 'Auto (WebGPU, else wasm, else cpu)', available: true },
    {
      id: 'webgpu',
      label: soft ? 'WebGPU (software adapter: slow)' : 'WebGPU',
      available: Boolean(adapter && loaders.webgpu),
      why: adapter ? (loaders.webgpu ? undefined : 'not bundled here') : why,
    },
    { id: 'wasm', label: 'WebAssembly (CPU, SIMD)', available: Boolean(loaders.wasm), why: loaders.wasm ? undefined : 'not bundled here' },
    { id: 'cpu', label: 'Plain JS CPU (slowest)', available: true },
  ];
}

async function trySet(name: 'webgpu' | 'wasm' | 'cpu', load?: () => Promise<unknown>): Promise<string | null> {
  try {
    if (load) await load();
    if (!tf.findBackendFactory(name)) return `the ${name} backend is not registered`;
    const ok = await tf.setBackend(name);
    if (!ok) return `the ${name} backend failed to initialise`;
    await tf.ready();
    return null;
  } catch (e) {
    return `${name} failed: ${(e as Error).message}`;
  }
}

/** Activates the chosen backend (falling back as needed) and installs the FLOP hooks. */
export async function initBackend(choice: BackendChoice, loaders: BackendLoaders = {}): Promise<BackendInfo> {
  const order: ('webgpu' | 'wasm' | 'cpu')[] =
    choice === 'auto' ? ['webgpu', 'wasm', 'cpu'] : choice === 'webgpu' ? ['webgpu', 'wasm', 'cpu'] : choice === 'wasm' ? ['wasm', 'cpu'] : ['cpu'];
  const failures: string[] = [];
  let adapter: AdapterInfo | undefined;
  for (const name of order) {
    if (name === 'webgpu') {
      const probe = await probeAdapter();
      if (!probe.adapter) {
        failures.push(probe.why ?? 'no WebGPU adapter');
        continue;
      }
      adapter = probe.adapter;
    }
    const failure = await trySet(name, loaders[name as 'webgpu' | 'wasm']);
    if (failure) {
      failures.push(failure);
      continue;
    }
    installKernelHooks(name);
    const chosen = choice === 'auto' ? `auto-selected ${name}` : `${name} as chosen`;
    const reason = failures.length ? `${name} (fallback: ${failures.join('; ')})` : chosen;
    const isSoftware = name === 'webgpu' && adapter ? isSoftwareAdapter(adapter) : false;
    return {
      name,
      reason,
      adapter: name === 'webgpu' ? adapter : undefined,
      isSoftware,
      timestampQuery: name === 'webgpu' && Boolean(adapter?.features.includes('timestamp-query')),
    };
  }
  throw new Error(`no backend could start: ${failures.join('; ')}`);
}
