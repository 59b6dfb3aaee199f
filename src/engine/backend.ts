/**
 * Backend selection: WebGPU first, then wasm, then cpu, with the reason for
 * every fallback kept in the returned info so the UI can say why. Software
 * adapters (SwiftShader, llvmpipe, fallback adapters) are correct but slow
 * (wasm is often 10-20x faster on such a machine), so `auto` runs wasm there
 * and says so; an explicit `webgpu` choice still gets WebGPU. The WebGPU device
 * is created by the lab's own factory, which asks for the adapter's useful
 * optional features (timestamp-query, subgroups, shader-f16) and records which
 * were granted. Switching backend releases the old one (its queue drained, its
 * buffers freed) when no tensor lives on it any more. Kernel FLOP hooks are
 * installed on whichever backend ends up active.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdapterInfo, BackendChoice, BackendInfo, BackendName, BackendOption } from './backendIds';
import { installKernelHooks } from './flops/counter';
import { setSoftwareAdapterKernels } from './fused/webgpu/softwareAdapter';

type GpuDeviceLike = {
  features: ReadonlySet<string>;
  queue: { onSubmittedWorkDone(): Promise<void> };
  destroy(): void;
};
type GpuAdapterLike = {
  features: ReadonlySet<string>;
  limits?: Record<string, number>;
  info?: Partial<AdapterInfo>;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
  requestAdapterInfo?: () => Promise<unknown>;
};
type Gpu = { requestAdapter(opts?: unknown): Promise<GpuAdapterLike | null> };

function gpu(): Gpu | undefined {
  return (globalThis.navigator as unknown as { gpu?: Gpu } | undefined)?.gpu;
}

async function probeAdapter(): Promise<{ adapter?: AdapterInfo; why?: string }> {
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

const SOFTWARE_NAMES: Record<string, string> = {
  swiftshader: 'SwiftShader',
  llvmpipe: 'llvmpipe',
  lavapipe: 'lavapipe',
  warp: 'WARP',
  software: 'a software renderer',
};

/** What makes an adapter software, in words for the reason line ("SwiftShader", "a fallback adapter"), or null for hardware. */
export function softwareKind(a: AdapterInfo): string | null {
  const text = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`.toLowerCase();
  const m = /swiftshader|llvmpipe|lavapipe|software|warp/.exec(text);
  if (m) return SOFTWARE_NAMES[m[0]];
  return a.isFallbackAdapter ? 'a fallback adapter' : null;
}

export function isSoftwareAdapter(a: AdapterInfo): boolean {
  return softwareKind(a) !== null;
}

/** The backends to try, in order, for a choice and the adapter found (if any), and why auto departs from WebGPU first. */
export interface BackendPlan {
  order: BackendName[];
  /** Set when auto puts wasm before a software WebGPU adapter. */
  note?: string;
}

/** Pure: which backends `initBackend` tries for `choice`, given the WebGPU adapter (undefined: none). */
export function chooseOrder(choice: BackendChoice, adapter?: AdapterInfo): BackendPlan {
  if (choice === 'cpu') return { order: ['cpu'] };
  if (choice === 'wasm') return { order: ['wasm', 'cpu'] };
  const kind = adapter ? softwareKind(adapter) : null;
  if (choice === 'auto' && kind !== null) {
    // A software WebGPU still beats plain JS when wasm cannot start.
    return { order: ['wasm', 'webgpu', 'cpu'], note: `the WebGPU adapter is software (${kind}), wasm is faster here; choose WebGPU to use it anyway` };
  }
  return { order: ['webgpu', 'wasm', 'cpu'] };
}

/** Pure: the reason line for the backend that started. */
export function backendReason(choice: BackendChoice, name: BackendName, plan: BackendPlan, failures: string[]): string {
  if (failures.length) return `${name} (fallback: ${failures.join('; ')})`;
  if (choice !== 'auto') return `${name} as chosen`;
  return plan.note && name === 'wasm' ? `auto-selected wasm: ${plan.note}` : `auto-selected ${name}`;
}

/** Pure: what `auto` will do on this machine, for the backend list. */
export function autoLabel(adapter?: AdapterInfo): string {
  if (!adapter) return 'Auto (wasm, else cpu: no WebGPU adapter here)';
  const kind = softwareKind(adapter);
  return kind ? `Auto (wasm: WebGPU here is software, ${kind})` : 'Auto (WebGPU, else wasm, else cpu)';
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
    { id: 'auto', label: autoLabel(adapter), available: true },
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

/** Optional WebGPU features the lab asks for where the adapter has them (tfjs itself uses timestamp-query). */
const WANTED_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16'] as const;

/** Pure: the features to request from an adapter offering `available`. */
export function wantedFeatures(available: ReadonlySet<string> | readonly string[]): string[] {
  const has = (f: string) => (Array.isArray(available) ? available.includes(f) : (available as ReadonlySet<string>).has(f));
  return WANTED_FEATURES.filter(has);
}

/** The features the current WebGPU device was granted (null before the lab's factory made one). */
let grantedFeatures: string[] | null = null;

type WebGpuModule = { WebGPUBackend?: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend };

/**
 * Replaces tfjs-backend-webgpu's factory (which asks only for timestamp-query) by
 * one that asks for WANTED_FEATURES, with the same limits as tfjs, and builds the
 * same WebGPUBackend on that device. Done only while no webgpu backend instance exists.
 */
function useLabWebgpuFactory(mod: unknown): void {
  const Backend = (mod as WebGpuModule | undefined)?.WebGPUBackend;
  const g = gpu();
  const engine = tf.engine();
  if (!Backend || !g || engine.registry.webgpu) return;
  const priority = engine.registryFactory.webgpu?.priority ?? 3;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = await g.requestAdapter({ powerPreference: tf.env().getBool('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance' });
      if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
      const l = adapter.limits ?? {};
      const requiredLimits: Record<string, number> = {};
      for (const k of [
        'maxComputeWorkgroupStorageSize',
        'maxComputeWorkgroupsPerDimension',
        'maxStorageBufferBindingSize',
        'maxBufferSize',
        'maxComputeWorkgroupSizeX',
        'maxComputeInvocationsPerWorkgroup',
      ]) {
        if (typeof l[k] === 'number') requiredLimits[k] = l[k];
      }
      const requiredFeatures = wantedFeatures(adapter.features);
      let device: GpuDeviceLike;
      try {
        device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
      } catch {
        // A feature the adapter lists but cannot grant: the device tfjs would have made.
        device = await adapter.requestDevice({ requiredFeatures: requiredFeatures.filter((f) => f === 'timestamp-query'), requiredLimits });
      }
      grantedFeatures = wantedFeatures(device.features);
      const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : undefined);
      return new Backend(device, info);
    },
    priority,
  );
}

/**
 * Leaves nothing of the backend being switched away from: waits for its queued
 * GPU work (a software adapter runs it on the same cores as wasm), then, if no
 * tensor lives on it any more, disposes it (buffer pool, pipelines), keeping its
 * factory so it can start again. Returns what it did.
 */
async function releaseBackend(name: string): Promise<string> {
  const engine = tf.engine();
  const old = engine.registry[name] as (tf.KernelBackend & { device?: GpuDeviceLike }) | undefined;
  if (!old) return `${name}: not started`;
  if (old.device) await old.device.queue.onSubmittedWorkDone();
  const live = old.numDataIds();
  if (live > 0) return `${name}: kept (${live} tensors still live on it)`;
  const entry = engine.registryFactory[name];
  // removeBackend disposes it (tfjs-webgpu destroys its pooled buffers). The device is not destroyed:
  // that would settle its `lost` promise, which the worker reads as a real device loss.
  tf.removeBackend(name);
  if (entry) tf.registerBackend(name, entry.factory, entry.priority);
  if (name === 'webgpu') grantedFeatures = null;
  return `${name}: released`;
}

async function trySet(name: BackendName, load?: () => Promise<unknown>): Promise<string | null> {
  try {
    const mod = load ? await load() : undefined;
    if (name === 'webgpu') useLabWebgpuFactory(mod);
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
  const failures: string[] = [];
  let adapter: AdapterInfo | undefined;
  if (choice === 'auto' || choice === 'webgpu') {
    const probe = await probeAdapter();
    adapter = probe.adapter;
    if (!adapter) failures.push(probe.why ?? 'no WebGPU adapter');
  }
  const plan = chooseOrder(choice, adapter);
  const previous = tf.getBackend();
  for (const name of plan.order) {
    if (name === 'webgpu' && !adapter) continue; // its failure is already listed
    const failure = await trySet(name, loaders[name as 'webgpu' | 'wasm']);
    if (failure) {
      failures.push(failure);
      continue;
    }
    installKernelHooks(name);
    if (previous && previous !== name) await releaseBackend(previous);
    const onGpu = name === 'webgpu';
    // A software adapter takes the fused kernels' variants for it (fused/webgpu/softwareAdapter.ts).
    setSoftwareAdapterKernels(onGpu && adapter !== undefined && isSoftwareAdapter(adapter));
    const features = onGpu ? (grantedFeatures ?? gpuFeatures()) : undefined;
    return {
      name,
      reason: backendReason(choice, name, plan, failures),
      adapter: onGpu ? adapter : undefined,
      isSoftware: onGpu && adapter ? isSoftwareAdapter(adapter) : false,
      timestampQuery: onGpu && (features ? features.includes('timestamp-query') : Boolean(adapter?.features.includes('timestamp-query'))),
      ...(features ? { features } : {}),
    };
  }
  throw new Error(`no backend could start: ${failures.join('; ')}`);
}

/** The wanted features of the running WebGPU device when tfjs's own factory made it. */
function gpuFeatures(): string[] | undefined {
  const device = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
  return device ? wantedFeatures(device.features) : undefined;
}
