/**
 * The rasteriser: shape classes and backgrounds. Every shape is an inside-test in
 * object-local coordinates (u right, v down, the shape's box is [-1, 1]^2), so
 * one rasteriser serves all classes. The tests use only + - * / and constant
 * tables (no Math.sin/cos at draw time), which IEEE-754 rounds identically in
 * every JS engine: Node and the browser produce the same bytes.
 *
 * The class list is ordered so that the first few classes (used when
 * numClasses is small) are the most different from one another, and it avoids
 * pairs that blur together at 16x16 px (e.g. no hexagon: it reads as a circle).
 */

export const SHAPE_CLASSES: readonly string[] = ['circle', 'square', 'triangle', 'cross', 'ring', 'star', 'bar', 'diamond', 'heart', 'crescent'];

type InsideTest = (u: number, v: number) => boolean;

/**
 * Five-point star, inner radius 0.5 of outer (fatter than a regular star so
 * the arms survive at 16 px), centred on its box and scaled by 1.05 to fill it.
 * Precomputed once from cos/sin of multiples of 36 degrees.
 */
const STAR: readonly number[] = [
  0, -0.949734, 0.308587, -0.324468, 0.998609, -0.224202, 0.499305, 0.2625, 0.617175, 0.949734, 0, 0.625266, -0.617175, 0.949734, -0.499305, 0.2625, -0.998609,
  -0.224202, -0.308587, -0.324468,
];

/** Even-odd crossing test against a closed polygon given as flat x,y pairs. */
function insidePolygon(poly: readonly number[], u: number, v: number): boolean {
  let inside = false;
  const n = poly.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const yi = poly[i + 1];
    const yj = poly[j + 1];
    if (yi > v !== yj > v) {
      const xi = poly[i];
      const xj = poly[j];
      if (u < xi + ((v - yi) * (xj - xi)) / (yj - yi)) inside = !inside;
    }
  }
  return inside;
}

const INSIDE: readonly InsideTest[] = [
  // circle
  (u, v) => u * u + v * v <= 1,
  // square: a little inset so its area (2.96) is close to the circle's (3.14)
  (u, v) => u <= 0.86 && u >= -0.86 && v <= 0.86 && v >= -0.86,
  // triangle: pointing up, filling the box (area 2, like the diamond) so it is not the smallest class
  (u, v) => v <= 1 && Math.abs(u) <= (v + 1) * 0.5,
  // cross: a plus sign with arms 0.6 wide
  (u, v) => (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1),
  // ring: a hole of radius 0.55, wide enough to stay open at 16 px
  (u, v) => {
    const r2 = u * u + v * v;
    return r2 <= 1 && r2 >= 0.3025;
  },
  // star
  (u, v) => insidePolygon(STAR, u, v),
  // bar: a 2 x 0.7 slab (turned vertical by the transpose flip); thick enough to stay 2 px at 16 px
  (u, v) => Math.abs(u) <= 1 && Math.abs(v) <= 0.35,
  // diamond: the square's 45-degree turn; squares are never turned, so the two stay apart
  (u, v) => Math.abs(u) + Math.abs(v) <= 1,
  // heart: the sextic (x^2 + y^2 - 1)^3 <= x^2 y^3, y up, fitted to the box
  (u, v) => {
    const x = u * 1.14;
    const y = 0.115 - v * 1.14;
    const q = x * x + y * y - 1;
    return q * q * q <= x * x * y * y * y;
  },
  // crescent: the unit disc minus a disc shifted right; opening direction is flipped per object
  (u, v) => {
    const du = u - 0.5;
    return u * u + v * v <= 1 && du * du + v * v > 0.64;
  },
];

/**
 * Allowed orientation flips per class, as a bit mask: 1 = mirror u, 2 = swap u
 * and v. Only classes whose identity survives the flip, and which do not then
 * look like another class, get one: a bar may be vertical, a crescent may open
 * any way, but a triangle turned down would read as a heart at 16 px.
 */
const ORIENT_MASK: readonly number[] = [0, 0, 0, 0, 0, 0, 2, 0, 0, 3];

export const TEXTURE_PLAIN = 0;
const TEXTURE_STRIPED = 1;
const TEXTURE_DOTTED = 2;
const TEXTURE_CHECKED = 3;

/**
 * Whether local point (u, v) takes the secondary colour. Patterns scale with
 * the object (about three bands across it), so a texture reads the same at any
 * image size and stays coarse enough at 16 px not to break the outline up.
 */
function secondary(texture: number, stripeDir: number, u: number, v: number): boolean {
  switch (texture) {
    case TEXTURE_STRIPED: {
      // Diagonal directions are stretched by sqrt(2); scale them back so all bands are ~0.6 wide.
      const t = stripeDir === 0 ? u : stripeDir === 1 ? v : stripeDir === 2 ? (u + v) * 0.7 : (u - v) * 0.7;
      return (Math.floor((t + 4) * 1.6) & 1) === 1;
    }
    case TEXTURE_DOTTED: {
      const fu = (u + 4) * 1.5;
      const fv = (v + 4) * 1.5;
      const du = fu - Math.floor(fu) - 0.5;
      const dv = fv - Math.floor(fv) - 0.5;
      return du * du + dv * dv < 0.09;
    }
    case TEXTURE_CHECKED:
      return ((Math.floor((u + 4) * 1.5) + Math.floor((v + 4) * 1.5)) & 1) === 1;
    default:
      return false;
  }
}

export interface DrawSpec {
  cls: number;
  /** Centre in pixels. */
  cx: number;
  cy: number;
  /** Half extent in pixels along x and y (they differ by the aspect jitter). */
  hx: number;
  hy: number;
  /** Requested flips (bit mask as ORIENT_MASK); masked by what the class allows. */
  orient: number;
  texture: number;
  stripeDir: number;
  rgb: readonly number[];
  rgb2: readonly number[];
}

/**
 * Paints one object over `samples` (a 2x-supersampled RGB canvas, side 2*size)
 * and stamps `id` into `ids` (side `size`) wherever the pixel centre is inside,
 * so later objects occlude earlier ones in both.
 */
export function drawObject(samples: Uint8Array, ids: Uint8Array, size: number, spec: DrawSpec, id: number): void {
  const inside = INSIDE[spec.cls];
  const orient = spec.orient & ORIENT_MASK[spec.cls];
  const mirror = (orient & 1) !== 0;
  const swap = (orient & 2) !== 0;
  const ix = 1 / spec.hx;
  const iy = 1 / spec.hy;
  const x0 = Math.max(0, Math.floor(spec.cx - spec.hx) - 1);
  const x1 = Math.min(size, Math.ceil(spec.cx + spec.hx) + 1);
  const y0 = Math.max(0, Math.floor(spec.cy - spec.hy) - 1);
  const y1 = Math.min(size, Math.ceil(spec.cy + spec.hy) + 1);
  const side2 = size * 2;
  const { rgb, rgb2, texture, stripeDir } = spec;

  // Local coordinates of a point; the shape sees them after the flips, the
  // texture before them, so stripes keep their own direction.
  const test = (u: number, v: number): boolean => {
    const a = swap ? v : u;
    const b = swap ? u : v;
    return inside(mirror ? -a : a, b);
  };

  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      const cu = (px + 0.5 - spec.cx) * ix;
      const cv = (py + 0.5 - spec.cy) * iy;
      if (test(cu, cv)) ids[py * size + px] = id;
      for (let j = 0; j < 2; j++) {
        const v = (py + 0.25 + 0.5 * j - spec.cy) * iy;
        for (let i = 0; i < 2; i++) {
          const u = (px + 0.25 + 0.5 * i - spec.cx) * ix;
          if (!test(u, v)) continue;
          const c = secondary(texture, stripeDir, u, v) ? rgb2 : rgb;
          const o = ((py * 2 + j) * side2 + px * 2 + i) * 3;
          samples[o] = c[0];
          samples[o + 1] = c[1];
          samples[o + 2] = c[2];
        }
      }
    }
  }
}

export interface BackgroundSpec {
  /** Colour where the field is 0 and 1 (equal for a plain background). */
  c0: readonly number[];
  c1: readonly number[];
  /** Gradient direction: 0 none, 1..4 = horizontal, vertical, and the two diagonals. */
  dir: number;
  /** Value-noise grid, (g+1)^2 values in [0, 1), or null for no noise. */
  grid: Float64Array | null;
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
 * Fills the 2x supersampled canvas. Backgrounds are smooth, so they are
 * evaluated once per pixel centre and copied to its four samples: 4x cheaper,
 * and the same after averaging.
 */
export function paintBackground(samples: Uint8Array, size: number, bg: BackgroundSpec): void {
  const inv = 1 / size;
  const [dx, dy] = GRADIENT_DIRS[bg.dir];
  const { c0, c1, grid, grain } = bg;
  // Noise grid side in cells; smoothstep-interpolated value noise.
  const g = grid === null ? 0 : Math.round(Math.sqrt(grid.length)) - 1;
  const row = size * 6;
  for (let y = 0; y < size; y++) {
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
        const r0 = iy * (g + 1) + ix;
        const r1 = r0 + g + 1;
        const top = grid[r0] + (grid[r0 + 1] - grid[r0]) * tx;
        const bottom = grid[r1] + (grid[r1 + 1] - grid[r1]) * tx;
        f = top + (bottom - top) * ty;
      }
      const n = grain === null ? 0 : grain[y * size + x];
      const o = (y * 2 * size * 2 + x * 2) * 3;
      for (let c = 0; c < 3; c++) {
        const val = c0[c] + (c1[c] - c0[c]) * f + n;
        const v = val < 0 ? 0 : val > 255 ? 255 : Math.round(val);
        samples[o + c] = v;
        samples[o + 3 + c] = v;
        samples[o + row + c] = v;
        samples[o + row + 3 + c] = v;
      }
    }
  }
}
