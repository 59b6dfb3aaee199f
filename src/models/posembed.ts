/**
 * Fixed 2-D sin-cos position embedding (MAE's get_2d_sincos_pos_embed): half the
 * channels encode the row, half the column, each as [sin(pos*w), cos(pos*w)]
 * with w = 1 / 10000^(2i/(D/2)). Returned as a plain array [gridSize^2 * dim].
 * `scale` stretches positions: a smaller grid (a DINO local crop) with
 * scale = globalGrid / grid spans the same range, which for a fixed sin-cos
 * embedding is what DINO's interpolation of learned embeddings approximates.
 */
export function sinCos2d(gridSize: number, dim: number, scale = 1): Float32Array {
  if (dim % 4 !== 0) throw new Error(`position embedding needs dim divisible by 4, got ${dim}`);
  const quarter = dim / 4;
  const out = new Float32Array(gridSize * gridSize * dim);
  for (let row = 0; row < gridSize; row++) {
    for (let col = 0; col < gridSize; col++) {
      const base = (row * gridSize + col) * dim;
      // MAE uses grid[0] = column index (w) for the first half, grid[1] = row (h) for the second.
      const coords = [col * scale, row * scale];
      for (let half = 0; half < 2; half++) {
        const pos = coords[half];
        for (let i = 0; i < quarter; i++) {
          const omega = 1 / Math.pow(10000, i / quarter);
          out[base + half * 2 * quarter + i] = Math.sin(pos * omega);
          out[base + half * 2 * quarter + quarter + i] = Math.cos(pos * omega);
        }
      }
    }
  }
  return out;
}
