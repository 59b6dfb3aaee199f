/**
 * A scene's drawing surface (src/data/scenes.ts): the background painted one value per pixel,
 * the objects drawn over it on a 2x-supersampled RGB canvas with a per-pixel object-id map
 * beside it, and the canvas averaged 2x2 -> 1 back into the image.
 *
 * Only the pixels some object's box touches go through the canvas: anywhere else the four
 * samples would all be the background's value v, and (4v + 2) >> 2 is v, so the image keeps it.
 * The canvas and the id map are scratch, reused from scene to scene (a typed array over 64 bytes
 * is a separate allocation in V8, and a batch makes dozens of scenes).
 */
import { paintBackground, type BackgroundSpec } from './background';
import { drawObject, objectBox, type DrawSpec, type PixelBox } from './shapes';

let canvas = new Uint8Array(0);
let idMap = new Uint8Array(0);

/**
 * Paints `background`, then `objects` in order (later ones occlude earlier ones), into `pixels`
 * (side `size`, RGB), and into `mask` the class + 1 of the object over each pixel centre (0 for
 * background; `mask` must start zeroed). Returns how many pixel centres each object covers.
 */
export function renderCanvas(size: number, background: BackgroundSpec, objects: readonly DrawSpec[], pixels: Uint8ClampedArray, mask: Uint8Array): Uint32Array {
  if (canvas.length !== size * size * 12) canvas = new Uint8Array(size * size * 12);
  if (idMap.length !== size * size) idMap = new Uint8Array(size * size);
  // The same bytes through a plain Uint8Array: every value written is 0..255, so none needs clamping.
  const image = new Uint8Array(pixels.buffer, pixels.byteOffset, size * size * 3);
  paintBackground(image, size, background);
  const covered = new Uint32Array(objects.length + 1);
  const box = unionBox(objects, size);
  if (!box) return covered.subarray(1);
  upsample(image, size, box, canvas);
  idMap.fill(0);
  objects.forEach((spec, k) => drawObject(canvas, idMap, size, spec, k + 1));
  downsample(canvas, size, box, image);
  // Outside the box no object reached a pixel centre: the mask stays 0 there.
  const maskOf = Uint8Array.from([0, ...objects.map((spec) => spec.cls + 1)]);
  for (let y = box.y0; y < box.y1; y++)
    for (let i = y * size + box.x0; i < y * size + box.x1; i++) {
      covered[idMap[i]]++;
      mask[i] = maskOf[idMap[i]];
    }
  return covered.subarray(1);
}

/** The smallest box holding every object's box; null when none has a pixel in the frame. */
function unionBox(objects: readonly DrawSpec[], size: number): PixelBox | null {
  let union: PixelBox | null = null;
  for (const spec of objects) {
    const b = objectBox(spec, size);
    if (b.x0 >= b.x1 || b.y0 >= b.y1) continue;
    union = union === null ? b : { x0: Math.min(union.x0, b.x0), x1: Math.max(union.x1, b.x1), y0: Math.min(union.y0, b.y0), y1: Math.max(union.y1, b.y1) };
  }
  return union;
}

/** Copies each pixel of `box` to its four samples of the canvas. */
function upsample(image: Uint8Array, size: number, box: PixelBox, samples: Uint8Array): void {
  const row = size * 6;
  for (let py = box.y0; py < box.y1; py++) {
    const top = py * 2 * row;
    for (let px = box.x0, p = (py * size + px) * 3, a = top + px * 6; px < box.x1; px++, p += 3, a += 6) {
      samples[a] = samples[a + 3] = image[p];
      samples[a + 1] = samples[a + 4] = image[p + 1];
      samples[a + 2] = samples[a + 5] = image[p + 2];
    }
    // The pixel row's second sample row is a copy of its first.
    samples.copyWithin(top + row + box.x0 * 6, top + box.x0 * 6, top + box.x1 * 6);
  }
}

/** Averages each 2x2 block of samples in `box` into its pixel, with rounding, all in integers. */
function downsample(samples: Uint8Array, size: number, box: PixelBox, image: Uint8Array): void {
  const row = size * 6;
  for (let py = box.y0; py < box.y1; py++) {
    for (let px = box.x0, p = (py * size + px) * 3, a = py * 2 * row + px * 6; px < box.x1; px++, p += 3, a += 6) {
      image[p] = (samples[a] + samples[a + 3] + samples[a + row] + samples[a + row + 3] + 2) >> 2;
      image[p + 1] = (samples[a + 1] + samples[a + 4] + samples[a + row + 1] + samples[a + row + 4] + 2) >> 2;
      image[p + 2] = (samples[a + 2] + samples[a + 5] + samples[a + row + 2] + samples[a + row + 5] + 2) >> 2;
    }
  }
}
