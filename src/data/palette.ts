/**
 * A same-size crop's distinct colours (the view pipeline, src/data/augment.ts): a toy scene is a
 * few flat-coloured shapes on a plain or gradient background, a few dozen colours in a thousand
 * pixels, so the pointwise colour operations (src/data/colorOps.ts) and the normalisation run
 * once per colour instead of once per pixel, and the pixels are then filled in from the results.
 * A pointwise operation's result depends on the colour alone, so every pixel gets exactly what it
 * would have got on its own.
 */
import type { Colours } from './colorOps';
import { BYTE_TO_UNIT } from './normalize';
import type { CropBox } from './resample';

// Scratch, grown on demand and reused from view to view (one module instance per worker/thread).
let colours = new Float64Array(0);
let index = new Int32Array(0);
/** Open-addressing table from a colour's 24-bit RGB key to its index; a slot is in use when its stamp is the current one. */
let slotKey = new Int32Array(0);
let slotIndex = new Int32Array(0);
let slotStamp = new Int32Array(0);
let stamp = 0;

/**
 * The crop `box` of `pixels` (side srcSize, RGB bytes), mirrored when `flip`, as distinct colours
 * (each byte's p / 255, first-seen order) and each pixel's index into them. Scratch: valid until
 * the next call.
 */
export function cropPalette(pixels: Uint8ClampedArray, srcSize: number, box: CropBox, flip: boolean): Colours {
  const n = box.width * box.height;
  grow(n);
  if (++stamp === 0x7fffffff) {
    slotStamp.fill(0);
    stamp = 1;
  }
  const bits = 31 - Math.clz32(slotKey.length);
  let count = 0;
  let lastKey = -1;
  let lastIndex = 0;
  for (let y = 0, d = 0; y < box.height; y++) {
    const rowBase = ((box.top + y) * srcSize + box.left) * 3;
    for (let x = 0; x < box.width; x++, d++) {
      const p = rowBase + (flip ? box.width - 1 - x : x) * 3;
      const key = (pixels[p] << 16) | (pixels[p + 1] << 8) | pixels[p + 2];
      // Flat regions: most pixels have the colour of the one before.
      if (key !== lastKey) {
        let slot = Math.imul(key, 0x9e3779b1) >>> (32 - bits);
        while (slotStamp[slot] === stamp && slotKey[slot] !== key) slot = (slot + 1) & (slotKey.length - 1);
        if (slotStamp[slot] !== stamp) {
          slotStamp[slot] = stamp;
          slotKey[slot] = key;
          slotIndex[slot] = count;
          colours[count * 3] = BYTE_TO_UNIT[pixels[p]];
          colours[count * 3 + 1] = BYTE_TO_UNIT[pixels[p + 1]];
          colours[count * 3 + 2] = BYTE_TO_UNIT[pixels[p + 2]];
          count++;
        }
        lastKey = key;
        lastIndex = slotIndex[slot];
      }
      index[d] = lastIndex;
    }
  }
  return { colours, count, index, n };
}

function grow(n: number): void {
  if (index.length < n) {
    colours = new Float64Array(n * 3);
    index = new Int32Array(n);
  }
  // A table at least twice the largest palette (n colours) keeps probe runs short.
  if (slotKey.length < 2 * n) {
    const size = 1 << (32 - Math.clz32(2 * n - 1));
    slotKey = new Int32Array(size);
    slotIndex = new Int32Array(size);
    slotStamp = new Int32Array(size);
    stamp = 0;
  }
}

/** Writes each pixel's colour into img (RGB HWC float64): the image the palette stands for. */
export function paletteImage({ colours, index, n }: Colours, img: Float64Array): void {
  if (index === null) throw new Error('paletteImage: not a palette');
  for (let p = 0; p < n; p++) {
    const k = index[p] * 3;
    img[p * 3] = colours[k];
    img[p * 3 + 1] = colours[k + 1];
    img[p * 3 + 2] = colours[k + 2];
  }
}
