/**
 * Bring-your-own-images, step 2: bytes -> a small square RGB image, or a reason
 * why not. The type comes from the bytes (magic numbers), not the file name;
 * cheap header checks catch truncated and absurdly large files before the
 * decoder sees them; the decoder itself is injected (the browser's in the
 * worker, a fake in Node tests). Resizing is plain TypeScript, so a stored
 * image is the same bytes on every browser for the same decoded pixels.
 */

export type ImageType = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

const IMAGE_MIME: Record<ImageType, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

interface DecodedImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, row-major RGBA (not premultiplied). */
  rgba: Uint8ClampedArray;
}

/** Turns encoded bytes into pixels; rejects (throws) on anything it cannot read. */
export type Decoder = (bytes: Uint8Array, mime: string) => Promise<DecodedImage>;

/** Side of the square RGB copy kept of every imported image; samples are resized from it. */
export const STORED_SIZE = 64;
/** Larger images are refused before decoding: a decoded 50 MP image is 200 MB of RGBA. */
const MAX_DECODE_PIXELS = 50_000_000;

const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const u32le = (b: Uint8Array, i: number) => ((b[i + 3] << 24) >>> 0) + ((b[i + 2] << 16) | (b[i + 1] << 8) | b[i]);

/** The image type the bytes announce, or null for anything else (text, a zip, a PDF ...). */
export function detectImageType(bytes: Uint8Array): ImageType | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'gif';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  // "BM" alone starts plenty of text files; also require a known DIB header size.
  if (bytes.length >= 18 && bytes[0] === 0x42 && bytes[1] === 0x4d && [12, 40, 52, 56, 64, 108, 124].includes(u32le(bytes, 14))) return 'bmp';
  return null;
}

/** Width and height from the header, or a reason the file is truncated or malformed. */
export function inspectHeader(bytes: Uint8Array, type: ImageType): { width: number; height: number } | { error: string } {
  const n = bytes.length;
  const truncated = (what: string) => ({ error: `truncated ${type.toUpperCase()} (${what}; ${n} bytes)` });
  switch (type) {
    case 'png': {
      if (n < 33 || ascii(bytes, 12, 4) !== 'IHDR') return truncated('no IHDR header');
      // Walk the chunks: a cut-off file ends inside one, before IEND.
      for (let at = 8; ;) {
        if (at + 12 > n) return truncated('ends inside a chunk, no IEND');
        const length = u32be(bytes, at);
        if (ascii(bytes, at + 4, 4) === 'IEND') break;
        at += 12 + length;
      }
      return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
    }
    case 'gif':
      if (n < 14) return truncated('no screen descriptor');
      return { width: u16le(bytes, 6), height: u16le(bytes, 8) };
    case 'bmp': {
      if (n < 26) return truncated('no DIB header');
      const os2 = u32le(bytes, 14) === 12;
      const width = os2 ? u16le(bytes, 18) : Math.abs(u32le(bytes, 18) | 0);
      const height = os2 ? u16le(bytes, 20) : Math.abs(u32le(bytes, 22) | 0); // negative height = top-down rows
      const pixelOffset = u32le(bytes, 10);
      const bitsPerPixel = u16le(bytes, os2 ? 24 : 28);
      const compression = os2 ? 0 : u32le(bytes, 30);
      // Uncompressed rows are 4-byte aligned; their total size is known exactly.
      const rowBytes = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
      if ((compression === 0 || compression === 3) && pixelOffset + rowBytes * height > n) return truncated('pixel rows missing');
      if (pixelOffset >= n) return truncated('no pixel data');
      return { width, height };
    }
    case 'webp': {
      if (u32le(bytes, 4) + 8 > n) return truncated(`RIFF declares ${u32le(bytes, 4) + 8} bytes`);
      const chunk = n >= 16 ? ascii(bytes, 12, 4) : '';
      if (chunk === 'VP8 ' && n >= 30) return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
      if (chunk === 'VP8L' && n >= 25)
        return { width: 1 + (bytes[21] | ((bytes[22] & 0x3f) << 8)), height: 1 + ((bytes[22] >> 6) | (bytes[23] << 2) | ((bytes[24] & 0x0f) << 10)) };
      if (chunk === 'VP8X' && n >= 30)
        return { width: 1 + (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16)), height: 1 + (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16)) };
      return { error: `malformed WEBP (unknown first chunk "${chunk}")` };
    }
    case 'jpeg':
      return inspectJpeg(bytes);
  }
}

/** Size from the SOF segment; truncated when the segments run out or no end-of-image marker follows the scan. */
function inspectJpeg(bytes: Uint8Array): { width: number; height: number } | { error: string } {
  const n = bytes.length;
  let size: { width: number; height: number } | null = null;
  let at = 2;
  for (;;) {
    while (at < n && bytes[at] === 0xff && bytes[at + 1] === 0xff) at++; // fill bytes
    if (at + 4 > n || bytes[at] !== 0xff) return { error: `truncated JPEG (segments end at byte ${at} of ${n})` };
    const marker = bytes[at + 1];
    if (marker === 0xd9) return { error: 'malformed JPEG (end-of-image before any scan)' };
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = u16be(bytes, at + 2);
    // SOF0-SOF15 except DHT (c4), JPG (c8) and DAC (cc) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && at + 9 <= n)
      size = { height: u16be(bytes, at + 5), width: u16be(bytes, at + 7) };
    if (marker === 0xda) break;
    at += 2 + length;
  }
  if (!size) return { error: 'malformed JPEG (no frame header before the scan)' };
  // Inside entropy-coded data 0xff is always followed by 0x00 or a restart marker,
  // so 0xff 0xd9 after the first scan can only be the end-of-image marker.
  for (let i = n - 2; i > at; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return size;
  return { error: `truncated JPEG (no end-of-image marker; ${n} bytes)` };
}

/** A usable RGB copy, or why the file is corrupt (cannot be read) or skipped (readable but not usable). */
export type StoredResult = { rgb: Uint8ClampedArray } | { corrupt: string } | { skipped: string };

/** Detects, checks, decodes and resizes one file to `size` x `size` RGB. Never throws. */
export async function decodeToStored(bytes: Uint8Array, decoder: Decoder, size = STORED_SIZE): Promise<StoredResult> {
  if (bytes.length === 0) return { corrupt: 'empty file (0 bytes)' };
  const type = detectImageType(bytes);
  if (!type) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { corrupt: `not a PNG, JPEG, GIF, WebP or BMP file (starts with bytes ${head})` };
  }
  const header = inspectHeader(bytes, type);
  if ('error' in header) return { corrupt: header.error };
  if (header.width === 0 || header.height === 0) return { corrupt: `zero-size image (${header.width}x${header.height} px)` };
  if (header.width * header.height > MAX_DECODE_PIXELS)
    return { skipped: `too large to decode: ${header.width}x${header.height} px (limit ${MAX_DECODE_PIXELS / 1e6} megapixels)` };
  let image: DecodedImage;
  try {
    image = await decoder(bytes, IMAGE_MIME[type]);
  } catch (e) {
    return { corrupt: `${type.toUpperCase()} could not be decoded: ${(e as Error)?.message || String(e)}` };
  }
  const { width, height, rgba } = image ?? ({} as Partial<DecodedImage>);
  if (!width || !height || width < 0 || height < 0) return { corrupt: `zero-size image (${width}x${height} px after decoding)` };
  if (!rgba || rgba.length !== width * height * 4) return { corrupt: `decoder returned ${rgba?.length ?? 0} bytes for ${width}x${height} RGBA` };
  return { rgb: resizeSquare(rgba, width, height, size, 4) };
}

/** RGBA -> RGB, compositing over white: transparent areas look as they do on a white page, whatever RGB they hide (resizeSquare does the same as it reads). */
export function rgbaToRgb(rgba: Uint8ClampedArray): Uint8ClampedArray {
  const rgb = new Uint8ClampedArray((rgba.length / 4) * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    const a = rgba[p + 3];
    for (let c = 0; c < 3; c++) rgb[q + c] = a === 255 ? rgba[p + c] : Math.round((rgba[p + c] * a + 255 * (255 - a)) / 255);
  }
  return rgb;
}

/** Per output pixel of one axis: the source pixels it reads and their weights (summing to 1). */
function axisTaps(crop: number, offset: number, out: number): { index: Int32Array; weight: Float64Array; taps: number } {
  const scale = crop / out;
  if (scale > 1) {
    // Shrinking: average the source over the output pixel's footprint [o*scale, (o+1)*scale), partial pixels weighted by coverage.
    const taps = Math.ceil(scale) + 1;
    const index = new Int32Array(out * taps).fill(offset); // unused taps: a valid pixel with weight 0
    const weight = new Float64Array(out * taps);
    for (let o = 0; o < out; o++) {
      const lo = o * scale;
      const hi = lo + scale;
      const end = Math.min(Math.ceil(hi), crop); // float error must not reach past the crop
      for (let t = 0, s = Math.floor(lo); t < taps && s < end; t++, s++) {
        index[o * taps + t] = offset + s;
        weight[o * taps + t] = (Math.min(hi, s + 1) - Math.max(lo, s)) / scale;
      }
    }
    return { index, weight, taps };
  }
  // Same size or growing: bilinear between pixel centres (half-pixel convention), clamped at the edges.
  const index = new Int32Array(out * 2);
  const weight = new Float64Array(out * 2);
  for (let o = 0; o < out; o++) {
    const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), crop - 1);
    const s = Math.floor(x);
    const f = x - s;
    index[2 * o] = offset + s;
    index[2 * o + 1] = offset + Math.min(s + 1, crop - 1);
    weight[2 * o] = 1 - f;
    weight[2 * o + 1] = f;
  }
  return { index, weight, taps: 2 };
}

/**
 * Centre-crops an RGB (or RGBA, `channels` 4) image to a square (the short
 * side) and resizes it to `size` x `size` RGB: area averaging when shrinking,
 * bilinear when growing. RGBA is composited over white as it is read (see
 * rgbaToRgb), so a large decoded image is not copied first. Separable (rows,
 * then columns) in float64, rounded once at the end.
 */
export function resizeSquare(src: Uint8ClampedArray, width: number, height: number, size: number, channels: 3 | 4 = 3): Uint8ClampedArray {
  if (!Number.isInteger(size) || size < 1) throw new Error(`resizeSquare: size ${size} must be a positive integer`);
  if (src.length !== width * height * channels) throw new Error(`resizeSquare: ${src.length} bytes is not ${width}x${height}x${channels}`);
  const crop = Math.min(width, height);
  const cols = axisTaps(crop, Math.floor((width - crop) / 2), size);
  const rows = axisTaps(crop, Math.floor((height - crop) / 2), size);
  // Horizontal pass over the cropped rows only.
  const firstRow = Math.floor((height - crop) / 2);
  const mid = new Float64Array(crop * size * 3);
  for (let y = 0; y < crop; y++) {
    const rowStart = (firstRow + y) * width * channels;
    for (let o = 0; o < size; o++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let t = o * cols.taps, end = t + cols.taps; t < end; t++) {
        const w = cols.weight[t];
        const p = rowStart + cols.index[t] * channels;
        const a = channels === 4 ? src[p + 3] : 255;
        if (a === 255) {
          r += w * src[p];
          g += w * src[p + 1];
          b += w * src[p + 2];
        } else {
          const white = 255 * (255 - a);
          r += (w * (src[p] * a + white)) / 255;
          g += (w * (src[p + 1] * a + white)) / 255;
          b += (w * (src[p + 2] * a + white)) / 255;
        }
      }
      const q = (y * size + o) * 3;
      mid[q] = r;
      mid[q + 1] = g;
      mid[q + 2] = b;
    }
  }
  const out = new Uint8ClampedArray(size * size * 3);
  for (let o = 0; o < size; o++) {
    for (let x = 0; x < size * 3; x++) {
      let v = 0;
      for (let t = o * rows.taps, end = t + rows.taps; t < end; t++) v += rows.weight[t] * mid[(rows.index[t] - firstRow) * size * 3 + x];
      out[o * size * 3 + x] = Math.round(v); // Uint8ClampedArray clamps to 0..255
    }
  }
  return out;
}

/**
 * The browser's decoder, for the worker: createImageBitmap on a Blob and an
 * OffscreenCanvas (both exist in workers). The canvas is filled white first,
 * so transparent pixels come back composited over white and opaque.
 */
export const browserDecoder: Decoder = async (bytes, mime) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
  try {
    const { width, height } = bitmap;
    if (width === 0 || height === 0) return { width, height, rgba: new Uint8ClampedArray(0) };
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context in this worker');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    return { width, height, rgba: ctx.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
};
