/**
 * Whether the WebGPU adapter is software (SwiftShader: WebGPU on the CPU), where some fused
 * kernels take variants without workgroup memory or barriers and with more work per invocation
 * (./tiledMatmul.ts, the attention products in ./attention.ts). Set by src/engine/backend.ts from
 * the adapter's info (and by tooling/nodeWebgpu.ts for Dawn in Node); hardware adapters keep
 * tfjs's programs and the one-output-per-invocation kernels.
 */
let software = false;

export function setSoftwareAdapterKernels(on: boolean): void {
  software = on;
}

export function softwareAdapterKernels(): boolean {
  return software;
}
