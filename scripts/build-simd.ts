/**
 * Compiles the wasm SIMD kernels (src/engine/fused/wasm/simd/kernels.wat) into
 * src/engine/fused/wasm/simd/binary.ts, which the lab imports. Run it after editing the .wat;
 * tests/wasm-simd.test.ts fails while binary.ts is stale.
 *
 *   npx tsx scripts/build-simd.ts
 */
import './help';
import { writeFileSync } from 'node:fs';
import { BINARY_PATH, binaryModuleSource } from '../tooling/simdWat';

writeFileSync(BINARY_PATH, await binaryModuleSource());
console.log(`wrote ${BINARY_PATH}`);
