/**
 * Scene backgrounds (src/data/scenes.ts): a plain colour, a gradient between two, or value
 * noise with per-pixel grain, evaluated once per pixel. Like the shapes (shapes.ts), only
 * + - * / and Math.floor/round/sqrt are used, so Node and the browser paint the same bytes.
 */

export interface BackgroundSpec {
  /** Colour where the field is 0 and 1 (equal for a plain background). */
  c0: readonly number[];
  c1: readonly number[];
  /** Gradient direction: 0 none, 1..4 = horizontal, vertical, and the two diagonals. */
  dir: number;
  /** Value-noise grid, (g+1)^2 values in [0, 1), or null for no noise. */
  grid: readonly number[] | null;
  /** Per-pixel luminance grain, or null. */
  grain: Int8Array | null;
}

const GRADIENT_DIRS: readonly (readonly number[])[] = [
  [0, 0],
  [1, 0],
  [0, 1],
  [0.5, 0.5],
  [0.5, -0.5],
];

/**
 * Paints the background at one value per pixel (side `size`, RGB) into `pixels`, every pixel.
 * Backgrounds are smooth, so the renderer (src/data/canvas.ts) copies a pixel's value to its four
 * samples where objects may cover it: 4x cheaper than evaluating each sample, and the same after
 * averaging; a pixel no object touches is its value.
 */
export function paintBackground(pixels: Uint8Array, size: number, bg: BackgroundSpec): void {
  const inv = 1 / size;
  const [dx, dy] = GRADIENT_DIRS[bg.dir];
  const { c0, c1, grid, grain } = bg;
  // Noise grid side in cells; smoothstep-interpolated value noise.
  const g = grid === null ? 0 : Math.round(Math.sqrt(grid.length)) - 1;
  // Each channel's colour where the field is 0, and its change to where it is 1.
  const [r0, g0, b0] = c0;
  const [dr, dg, db] = [c1[0] - c0[0], c1[1] - c0[1], c1[2] - c0[2]];
  let lastF = NaN;
  let lastN = NaN;
  let r = 0;
  let gr = 0;
  let b = 0;
  // Without noise, a field that does not change along y (plain, horizontal gradient) gives
  // every row the colours of the first: (fy0 - 0.5) * 0 is a zero, and adding it changes nothing.
  const rowsRepeat = grid === null && grain === null && dy === 0;
  for (let y = 0; y < size; y++) {
    if (rowsRepeat && y > 0) {
      pixels.copyWithin(y * size * 3, 0, size * 3);
      continue;
    }
    const fy0 = (y + 0.5) * inv;
    for (let x = 0; x < size; x++) {
      const fx0 = (x + 0.5) * inv;
      // Mixing weight c0 -> c1 in [0, 1].
      let f = (fx0 - 0.5) * dx + (fy0 - 0.5) * dy + 0.5;
      if (grid !== null) {
        const gx = fx0 * g;
        const gy = fy0 * g;
        const ix = Math.floor(gx);
        const iy = Math.floor(gy);
        let tx = gx - ix;
        let ty = gy - iy;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        const k0 = iy * (g + 1) + ix;
        const k1 = k0 + g + 1;
        const above = grid[k0] + (grid[k0 + 1] - grid[k0]) * tx;
        const below = grid[k1] + (grid[k1 + 1] - grid[k1]) * tx;
        f = above + (below - above) * ty;
      }
      const n = grain === null ? 0 : grain[y * size + x];
      // A pixel with the same field value and grain as the one before it has its colour.
      if (f !== lastF || n !== lastN) {
        lastF = f;
        lastN = n;
        r = toByte(r0 + dr * f + n);
        gr = toByte(g0 + dg * f + n);
        b = toByte(b0 + db * f + n);
      }
      const o = (y * size + x) * 3;
      pixels[o] = r;
      pixels[o + 1] = gr;
      pixels[o + 2] = b;
    }
  }
}

const toByte = (x: number): number => (x < 0 ? 0 : x > 255 ? 255 : Math.round(x));
