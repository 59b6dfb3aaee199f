/**
 * WebGPU in Node through Dawn (the `webgpu` npm package), for tests and scripts. With no GPU,
 * Vulkan is pointed at Chromium's SwiftShader (the same software adapter headless Chromium
 * uses); on a GPU machine the system's Vulkan driver serves it. Needs libvulkan1.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { installKernelHooks } from '../src/engine/flops/counter';
import { setSoftwareAdapterKernels } from '../src/engine/fused/webgpu/softwareAdapter';
import type { BackendInfo } from '../src/engine/backendIds';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Puts Dawn's `navigator.gpu` on globalThis; false (with the reason) when it cannot. */
async function installNodeGpu(): Promise<{ ok: boolean; why?: string }> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD) && !process.env.FLOPLAB_HARDWARE_VULKAN) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const nav = (globalThis.navigator ?? {}) as { gpu?: unknown };
    if (!nav.gpu) Object.defineProperty(globalThis, 'navigator', { value: { ...nav, gpu: create([]) }, configurable: true });
    const adapter = await (globalThis.navigator as unknown as { gpu: { requestAdapter(): Promise<unknown> } }).gpu.requestAdapter();
    return adapter ? { ok: true } : { ok: false, why: 'Dawn found no adapter (is libvulkan1 installed?)' };
  } catch (e) {
    return { ok: false, why: `Dawn could not load: ${(e as Error).message}` };
  }
}

export async function useNodeWebgpu(reason: string): Promise<BackendInfo> {
  const gpu = await installNodeGpu();
  if (!gpu.ok) throw new Error(gpu.why);
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to initialise under Dawn');
  await tf.ready();
  installKernelHooks('webgpu');
  // As the lab does on a software adapter (src/engine/backend.ts): SwiftShader unless the system's Vulkan was asked for.
  const software = !process.env.FLOPLAB_HARDWARE_VULKAN;
  setSoftwareAdapterKernels(software);
  return { name: 'webgpu', reason, isSoftware: software, timestampQuery: false };
}
