/** Seeded uniform values in [-scale, scale] from a small LCG: for tests and benchmarks, which must not depend on Math.random. */
export function seededValues(n: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  const v = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return v;
}
