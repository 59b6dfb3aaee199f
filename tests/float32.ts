/**
 * Float32 arithmetic as the compiled SIMD kernels do it, for their bit-for-bit tests: x * y + z
 * rounded once (relaxed SIMD's fused multiply-add) or twice, and the two forms of the module.
 */
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_PLAIN_FMA } from '../src/engine/fused/wasm/simd/binary';

const f = Math.fround;
const word = new Float32Array(1);
const wordBits = new Int32Array(word.buffer);

/** The next float32 above x (x a finite float32). */
function nextUp(x: number): number {
  if (x === 0) return 2 ** -149;
  word[0] = x;
  wordBits[0] += x > 0 ? 1 : -1;
  return word[0];
}

/**
 * x * y + z rounded once to float32 (x, y, z float32), exactly. The product is exact in a double
 * (24 + 24 bits); the double sum s carries a rounding error e (TwoSum); rounding s to float32
 * instead of s + e differs only when s lands on a tie between two float32s, where e decides.
 */
export function fma32(x: number, y: number, z: number): number {
  const p = x * y;
  const s = p + z;
  const v = s - p;
  const e = p - (s - v) + (z - v);
  const r = f(s);
  if (e === 0 || r === s) return r;
  const lo = r < s ? r : -nextUp(-r);
  const hi = r < s ? nextUp(r) : r;
  if (s - lo !== hi - s) return r;
  return e > 0 ? hi : lo;
}

/** x * y + z as multiply then add: two roundings. */
export const mulAdd32 = (x: number, y: number, z: number) => f(z + f(x * y));

/** The module's two forms: its products' multiply-adds as two roundings (WebAssembly SIMD) or one (relaxed SIMD). */
export const FORMS = [
  { name: 'multiply then add', b64: SIMD_KERNELS_PLAIN, madd: mulAdd32 },
  { name: 'fused multiply-add', b64: SIMD_KERNELS_PLAIN_FMA, madd: fma32 },
];
