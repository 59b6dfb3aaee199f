/**
 * The rasteriser: shape classes (backgrounds are in background.ts). Every shape is an
 * inside-test in object-local coordinates (u right, v down, the shape's box is [-1, 1]^2),
 * so one rasteriser serves all classes. The tests use only + - * / and constant tables (no
 * Math.sin/cos at draw time), which IEEE-754 rounds identically in every JS engine: Node and
 * the browser produce the same bytes. An object's points (pixel centres and 2x2 samples) are
 * tested a line at a time, one tight loop per class (insideLine), then painted.
 *
 * The class list is ordered so that the first few classes (used when
 * numClasses is small) are the most different from one another, and it avoids
 * pairs that blur together at 16x16 px (e.g. no hexagon: it reads as a circle).
 */

export const SHAPE_CLASSES: readonly string[] = ['circle', 'square', 'triangle', 'cross', 'ring', 'star', 'bar', 'diamond', 'heart', 'crescent'];

/**
 * Five-point star, inner radius 0.5 of outer (fatter than a regular star so
 * the arms survive at 16 px), centred on its box and scaled by 1.05 to fill it.
 * Precomputed once from cos/sin of multiples of 36 degrees.
 */
const STAR: readonly number[] = [
  0, -0.949734, 0.308587, -0.324468, 0.998609, -0.224202, 0.499305, 0.2625, 0.617175, 0.949734, 0, 0.625266, -0.617175, 0.949734, -0.499305, 0.2625, -0.998609,
  -0.224202, -0.308587, -0.324468,
];

/**
 * Even-odd crossing test against a closed polygon given as flat x,y pairs: inside when an odd
 * number of edges cross the line at height v to the right of u. Which edges cross, and where,
 * depends on v alone, and the rasteriser tests a whole row of points at one v: so the crossings
 * of the last v are kept, and each point of the row only compares u with them (the same
 * comparisons as edge by edge; the parity does not depend on their order).
 */
function insidePolygon(poly: readonly number[], u: number, v: number): boolean {
  if (poly !== crossingsOf.poly || v !== crossingsOf.v) findCrossings(poly, v);
  const { xs, count } = crossingsOf;
  let inside = false;
  for (let k = 0; k < count; k++) if (u < xs[k]) inside = !inside;
  return inside;
}

/** Where the edges of `poly` cross the line at height `v` (the last line asked about). */
const crossingsOf = { poly: null as readonly number[] | null, v: NaN, xs: new Float64Array(0), count: 0 };

function findCrossings(poly: readonly number[], v: number): void {
  const n = poly.length;
  if (crossingsOf.xs.length < n / 2) crossingsOf.xs = new Float64Array(n / 2);
  let count = 0;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const yi = poly[i + 1];
    const yj = poly[j + 1];
    if (yi > v !== yj > v) {
      const xi = poly[i];
      const xj = poly[j];
      crossingsOf.xs[count++] = xi + ((v - yi) * (xj - xi)) / (yj - yi);
    }
  }
  crossingsOf.poly = poly;
  crossingsOf.v = v;
  crossingsOf.count = count;
}

// The inside tests of the shape classes, in local coordinates.
/** Circle. */
const circle = (u: number, v: number): boolean => u * u + v * v <= 1;
/** Square: a little inset so its area (2.96) is close to the circle's (3.14). */
const square = (u: number, v: number): boolean => u <= 0.86 && u >= -0.86 && v <= 0.86 && v >= -0.86;
/** Triangle: pointing up, filling the box (area 2, like the diamond) so it is not the smallest class. */
const triangle = (u: number, v: number): boolean => v <= 1 && Math.abs(u) <= (v + 1) * 0.5;
/** Cross: a plus sign with arms 0.6 wide. */
const cross = (u: number, v: number): boolean => (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1);
/** Ring: a hole of radius 0.55, wide enough to stay open at 16 px. */
const ring = (u: number, v: number): boolean => {
  const r2 = u * u + v * v;
  return r2 <= 1 && r2 >= 0.3025;
};
/** Bar: a 2 x 0.7 slab (turned vertical by the transpose flip); thick enough to stay 2 px at 16 px. */
const bar = (u: number, v: number): boolean => Math.abs(u) <= 1 && Math.abs(v) <= 0.35;
/** Diamond: the square's 45-degree turn; squares are never turned, so the two stay apart. */
const diamond = (u: number, v: number): boolean => Math.abs(u) + Math.abs(v) <= 1;
/** Heart: the sextic (x^2 + y^2 - 1)^3 <= x^2 y^3, y up, fitted to the box. */
const heart = (u: number, v: number): boolean => {
  const x = u * 1.14;
  const y = 0.115 - v * 1.14;
  const q = x * x + y * y - 1;
  return q * q * q <= x * x * y * y * y;
};
/** Crescent: the unit disc minus a disc shifted right; opening direction is flipped per object. */
const crescent = (u: number, v: number): boolean => {
  const du = u - 0.5;
  return u * u + v * v <= 1 && du * du + v * v > 0.64;
};

/**
 * The points k < n of a line of an object's local grid, (a[k], b): out[at + k * stride] is 1
 * where the point is inside a shape of class `cls` (SHAPE_CLASSES order), else 0. One loop per
 * class with its test inlined: the class is switched on once per line instead of once per point,
 * and no point's coordinates go through a call V8 might not inline (which boxes each number, a
 * heap allocation: hundreds of kilobytes a scene).
 */
function insideLine(cls: number, a: Float64Array, n: number, b: number, out: Uint8Array, at: number, stride: number): void {
  switch (cls) {
    case 0:
      for (let k = 0; k < n; k++) out[at + k * stride] = circle(a[k], b) ? 1 : 0;
      return;
    case 1:
      for (let k = 0; k < n; k++) out[at + k * stride] = square(a[k], b) ? 1 : 0;
      return;
    case 2:
      for (let k = 0; k < n; k++) out[at + k * stride] = triangle(a[k], b) ? 1 : 0;
      return;
    case 3:
      for (let k = 0; k < n; k++) out[at + k * stride] = cross(a[k], b) ? 1 : 0;
      return;
    case 4:
      for (let k = 0; k < n; k++) out[at + k * stride] = ring(a[k], b) ? 1 : 0;
      return;
    case 5:
      for (let k = 0; k < n; k++) out[at + k * stride] = insidePolygon(STAR, a[k], b) ? 1 : 0;
      return;
    case 6:
      for (let k = 0; k < n; k++) out[at + k * stride] = bar(a[k], b) ? 1 : 0;
      return;
    case 7:
      for (let k = 0; k < n; k++) out[at + k * stride] = diamond(a[k], b) ? 1 : 0;
      return;
    case 8:
      for (let k = 0; k < n; k++) out[at + k * stride] = heart(a[k], b) ? 1 : 0;
      return;
    case 9:
      for (let k = 0; k < n; k++) out[at + k * stride] = crescent(a[k], b) ? 1 : 0;
      return;
    default:
      throw new Error(`no shape class ${cls}`);
  }
}

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

/** Pixel columns x0..x1-1 and rows y0..y1-1: all drawObject touches (a pixel's margin round the object's box, in the frame). */
export interface PixelBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function objectBox(spec: DrawSpec, size: number): PixelBox {
  return {
    x0: Math.max(0, Math.floor(spec.cx - spec.hx) - 1),
    x1: Math.min(size, Math.ceil(spec.cx + spec.hx) + 1),
    y0: Math.max(0, Math.floor(spec.cy - spec.hy) - 1),
    y1: Math.min(size, Math.ceil(spec.cy + spec.hy) + 1),
  };
}

/**
 * Paints one object over `samples` (a 2x-supersampled RGB canvas, side 2*size)
 * and stamps `id` into `ids` (side `size`) wherever the pixel centre is inside,
 * so later objects occlude earlier ones in both.
 */
export function drawObject(samples: Uint8Array, ids: Uint8Array, size: number, spec: DrawSpec, id: number): void {
  const { cx, cy, rgb, rgb2, texture, stripeDir } = spec;
  const { x0, x1, y0, y1 } = objectBox(spec, size);
  if (x0 >= x1 || y0 >= y1) return;
  const w = x1 - x0;
  const h = y1 - y0;
  const ix = 1 / spec.hx;
  const iy = 1 / spec.hy;
  // Local coordinates of the box's pixel centres, and of its samples (two per pixel), along x and y.
  const centreU = coordinates(0, x0, w, 1, cx, ix);
  const centreV = coordinates(1, y0, h, 1, cy, iy);
  const sampleU = coordinates(2, x0, w, 2, cx, ix);
  const sampleV = coordinates(3, y0, h, 2, cy, iy);
  const centreInside = insideGrid(0, spec, centreU, w, centreV, h);
  const sampleInside = insideGrid(1, spec, sampleU, 2 * w, sampleV, 2 * h);

  for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) if (centreInside[(py - y0) * w + (px - x0)]) ids[py * size + px] = id;
  const side2 = size * 2;
  for (let sy = 0; sy < 2 * h; sy++) {
    const v = sampleV[sy];
    for (let sx = 0; sx < 2 * w; sx++) {
      if (!sampleInside[sy * 2 * w + sx]) continue;
      const u = sampleU[sx];
      // The texture sees the local coordinates before the flips, so stripes keep their own direction.
      const c = secondary(texture, stripeDir, u, v) ? rgb2 : rgb;
      const o = ((y0 * 2 + sy) * side2 + x0 * 2 + sx) * 3;
      samples[o] = c[0];
      samples[o + 1] = c[1];
      samples[o + 2] = c[2];
    }
  }
}

// Scratch for drawObject, grown on demand: four coordinate lists, two inside grids, one line of first arguments.
const coordScratch = [0, 1, 2, 3].map(() => new Float64Array(0));
const gridScratch = [0, 1].map(() => new Uint8Array(0));
let lineScratch = new Float64Array(0);

/**
 * The local coordinates (p + offset - centre) * inverseHalf of pixels p = lo..lo+n-1, with offset
 * 0.5 (the centre) when perPixel is 1, and 0.25 and 0.75 (the samples, as 0.25 + 0.5 i) when 2.
 */
function coordinates(slot: number, lo: number, n: number, perPixel: 1 | 2, centre: number, inverseHalf: number): Float64Array {
  if (coordScratch[slot].length < n * perPixel) coordScratch[slot] = new Float64Array(n * perPixel * 2);
  const out = coordScratch[slot];
  for (let p = lo; p < lo + n; p++)
    if (perPixel === 1) out[p - lo] = (p + 0.5 - centre) * inverseHalf;
    else for (let i = 0; i < 2; i++) out[(p - lo) * 2 + i] = (p + 0.25 + 0.5 * i - centre) * inverseHalf;
  return out;
}

/**
 * Whether each point (us[c], vs[r]) of a local grid is inside the object's shape, after its flips:
 * the shape tests (mirror ? -a : a, b) with (a, b) = swap ? (v, u) : (u, v). Grid row-major,
 * nu columns by nv rows. Tested a line at a time along whichever axis gives the first argument
 * (rows, or columns when swapped), so b is fixed along each line.
 */
function insideGrid(slot: number, spec: DrawSpec, us: Float64Array, nu: number, vs: Float64Array, nv: number): Uint8Array {
  if (gridScratch[slot].length < nu * nv) gridScratch[slot] = new Uint8Array(nu * nv * 2);
  const grid = gridScratch[slot];
  const orient = spec.orient & ORIENT_MASK[spec.cls];
  const mirror = (orient & 1) !== 0;
  const swap = (orient & 2) !== 0;
  const [firsts, n, seconds, lines] = swap ? [vs, nv, us, nu] : [us, nu, vs, nv];
  if (lineScratch.length < n) lineScratch = new Float64Array(n * 2);
  const a = lineScratch;
  for (let k = 0; k < n; k++) a[k] = mirror ? -firsts[k] : firsts[k];
  // A line is a row (stride 1) of the grid, or a column (stride nu) when swapped.
  for (let l = 0; l < lines; l++) insideLine(spec.cls, a, n, seconds[l], grid, swap ? l : l * nu, swap ? nu : 1);
  return grid;
}
