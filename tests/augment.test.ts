import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng';
import { generateScene, normalisePixels } from '../src/data/scenes';
import { augmentView, randomResizedCropBox, validateViewSpec, type ViewSpec } from '../src/data/augment';
import { IMAGENET_MEAN as MEAN, IMAGENET_STD as STD } from '../src/data/normalize';
// The recipes live beside their methods.
import { byolViews } from '../src/methods/byol/method';
import { dinoViews } from '../src/methods/dino/method';
import { simclrViews } from '../src/methods/simclr/method';
import { supervisedView } from '../src/methods/supervised/method';

const scene = (index: number, imageSize = 32) => generateScene(11, index, { imageSize, numClasses: 10, maxObjects: 3 });

/** Every operation off, crop covering the whole image at the source size. */
const identity = (size: number): ViewSpec => ({
  size,
  scale: [1, 1],
  ratio: [1, 1],
  flipP: 0,
  jitter: null,
  grayscaleP: 0,
  blurP: 0,
  solarizeP: 0,
});

function view(pixels: Uint8ClampedArray, src: number, spec: ViewSpec, seed: number): Float32Array {
  const out = new Float32Array(spec.size * spec.size * 3);
  augmentView(pixels, src, spec, new Rng(seed), out, 0);
  return out;
}

/** Back to [0, 1] RGB. */
function denormalise(x: Float32Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] * STD[i % 3] + MEAN[i % 3];
  return y;
}

const allSpecs = (): ViewSpec[] => [...simclrViews(32), ...byolViews(32), ...dinoViews(32, 2, 12), supervisedView(32, 0.35)];

describe('augmentView', () => {
  it('is deterministic: same seed gives identical floats, another seed differs', () => {
    const { pixels } = scene(0);
    for (const spec of allSpecs()) {
      const a = view(pixels, 32, spec, 5);
      const b = view(pixels, 32, spec, 5);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      let differ = 0;
      for (let s = 6; s < 10; s++) if (!Buffer.from(view(pixels, 32, spec, s).buffer).equals(Buffer.from(a.buffer))) differ++;
      expect(differ).toBeGreaterThan(0);
    }
  });

  it('draws exactly one number from the caller rng, whatever the spec', () => {
    const { pixels } = scene(1);
    for (const spec of [identity(32), ...allSpecs()]) {
      const rng = new Rng(9);
      augmentView(pixels, 32, spec, rng, new Float32Array(spec.size * spec.size * 3), 0);
      const ref = new Rng(9);
      ref.next();
      expect(rng.next()).toBe(ref.next());
    }
  });

  it('an identity spec equals normalisePixels exactly', () => {
    for (const size of [8, 17, 32]) {
      const { pixels } = scene(2, size);
      expect(Array.from(view(pixels, size, identity(size), 1))).toEqual(Array.from(normalisePixels(pixels)));
    }
  });

  it('writes at the offset and nowhere else', () => {
    const { pixels } = scene(3);
    const out = new Float32Array(32 * 32 * 3 + 10).fill(7);
    augmentView(pixels, 32, identity(32), new Rng(1), out, 5);
    expect(Array.from(out.subarray(5, 5 + 32 * 32 * 3))).toEqual(Array.from(normalisePixels(pixels)));
    expect(Array.from(out.subarray(0, 5))).toEqual([7, 7, 7, 7, 7]);
    expect(Array.from(out.subarray(5 + 32 * 32 * 3))).toEqual([7, 7, 7, 7, 7]);
  });

  it('flipP = 1 mirrors the columns exactly', () => {
    const mirror = (x: Float32Array, size: number): number[] => {
      const m: number[] = [];
      for (let y = 0; y < size; y++) for (let c = size - 1; c >= 0; c--) m.push(...x.subarray((y * size + c) * 3, (y * size + c) * 3 + 3));
      return m;
    };
    const { pixels } = scene(4);
    const flipped = view(pixels, 32, { ...identity(32), flipP: 1 }, 3);
    expect(Array.from(flipped)).toEqual(mirror(normalisePixels(pixels), 32));
    // A flipped random crop is the mirror of the unflipped one (same seed, same crop).
    const spec: ViewSpec = { ...identity(24), scale: [0.2, 0.6], ratio: [3 / 4, 4 / 3] };
    for (let seed = 0; seed < 4; seed++) {
      const a = view(pixels, 32, spec, seed);
      const b = view(pixels, 32, { ...spec, flipP: 1 }, seed);
      expect(Array.from(b)).toEqual(mirror(a, 24));
    }
  });

  it('grayscaleP = 1 makes R = G = B', () => {
    const { pixels } = scene(5);
    for (const spec of [
      { ...identity(32), grayscaleP: 1 },
      { ...simclrViews(32)[0], grayscaleP: 1 },
    ]) {
      const rgb = denormalise(view(pixels, 32, spec, 2));
      let worst = 0;
      for (let p = 0; p < rgb.length; p += 3) worst = Math.max(worst, Math.abs(rgb[p + 1] - rgb[p]), Math.abs(rgb[p + 2] - rgb[p]));
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('solarizeP = 1 inverts values at or above 0.5 only', () => {
    const { pixels } = scene(6);
    const rgb = denormalise(view(pixels, 32, { ...identity(32), solarizeP: 1 }, 2));
    let worst = 0;
    for (let i = 0; i < pixels.length; i++) {
      const v = pixels[i] / 255;
      worst = Math.max(worst, Math.abs(rgb[i] - (v >= 0.5 ? 1 - v : v)));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('blur smooths the image but keeps its mean', () => {
    // At 224 px the sigma range is the recipes' own 0.1-2 px; at 32 px it is a seventh of that.
    const { pixels } = scene(7, 224);
    const plain = denormalise(view(pixels, 224, identity(224), 2));
    let sumDiff = 0;
    let plainTv = 0;
    let blurTv = 0;
    for (let seed = 0; seed < 4; seed++) {
      const blurred = denormalise(view(pixels, 224, { ...identity(224), blurP: 1 }, seed));
      let a = 0;
      let b = 0;
      for (let i = 0; i < plain.length; i++) {
        a += plain[i];
        b += blurred[i];
      }
      sumDiff = Math.max(sumDiff, Math.abs(a - b) / plain.length);
      for (let i = 3; i < plain.length; i++) {
        plainTv += Math.abs(plain[i] - plain[i - 3]);
        blurTv += Math.abs(blurred[i] - blurred[i - 3]);
      }
    }
    expect(blurTv).toBeLessThan(plainTv * 0.9);
    expect(sumDiff).toBeLessThan(0.01);
  });

  it('a local view has the requested side (32 -> 12 px) and stays in the pixel range', () => {
    const { pixels } = scene(8);
    const local = dinoViews(32, 1, 12)[2];
    expect(local.size).toBe(12);
    const out = new Float32Array(12 * 12 * 3 + 3).fill(NaN);
    augmentView(pixels, 32, local, new Rng(4), out, 0);
    const rgb = denormalise(out.subarray(0, 12 * 12 * 3));
    for (const v of rgb) {
      expect(v).toBeGreaterThanOrEqual(-1e-6);
      expect(v).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect(Number.isNaN(out[12 * 12 * 3])).toBe(true);
  });

  it('a full-image downscale averages like an area filter (no aliasing)', () => {
    // Every 4th column white, shrunk 4x: point-sampled bilinear would read the two
    // black columns between the white ones (all black); the widened triangle
    // filter sees a quarter white.
    const src = 16;
    const pixels = new Uint8ClampedArray(src * src * 3);
    for (let y = 0; y < src; y++) for (let x = 0; x < src; x += 4) pixels.fill(255, (y * src + x) * 3, (y * src + x) * 3 + 3);
    const rgb = denormalise(view(pixels, src, identity(4), 1));
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) {
        const v = rgb[(y * 4 + x) * 3];
        // Interior columns see whole periods; the edge ones a window clipped at the border.
        if (x === 1 || x === 2) expect(v).toBeCloseTo(0.25, 6);
        else expect(Math.abs(v - 0.25)).toBeLessThan(0.08);
      }
  });

  it('colour jitter with p = 0 changes nothing (crop and flip as without jitter)', () => {
    const { pixels } = scene(9);
    const base: ViewSpec = { ...simclrViews(32)[0], grayscaleP: 0, blurP: 0 };
    for (let seed = 0; seed < 5; seed++) {
      const none = view(pixels, 32, { ...base, jitter: null }, seed);
      const off = view(pixels, 32, { ...base, jitter: { p: 0, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 } }, seed);
      expect(Array.from(off)).toEqual(Array.from(none));
    }
    const id = identity(32);
    expect(Array.from(view(pixels, 32, { ...id, jitter: { p: 0, brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.5 } }, 3))).toEqual(
      Array.from(normalisePixels(pixels)),
    );
  });

  it('colour jitter with p = 1 changes colours; hue alone keeps greys grey and each max and min channel', () => {
    const { pixels } = scene(10);
    const id = identity(32);
    const jittered = view(pixels, 32, { ...id, jitter: { p: 1, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 } }, 3);
    expect(Array.from(jittered)).not.toEqual(Array.from(normalisePixels(pixels)));
    // Hue rotation alone keeps grey pixels grey and every pixel's max and min channel.
    const grey = new Uint8ClampedArray([10, 10, 10, 200, 50, 20, 30, 180, 90, 128, 128, 128]);
    const hue = denormalise(view(grey, 2, { ...identity(2), jitter: { p: 1, brightness: 0, contrast: 0, saturation: 0, hue: 0.5 } }, 1));
    expect(hue[0]).toBeCloseTo(10 / 255, 6);
    expect(hue[1]).toBeCloseTo(10 / 255, 6);
    for (let p = 0; p < 12; p += 3) {
      const src = [grey[p], grey[p + 1], grey[p + 2]].map((v) => v / 255);
      const dst = [hue[p], hue[p + 1], hue[p + 2]];
      expect(Math.max(...dst)).toBeCloseTo(Math.max(...src), 5);
      expect(Math.min(...dst)).toBeCloseTo(Math.min(...src), 5);
    }
  });

  it('every recipe view is the same to the bit as the original pass-per-operation implementation made it', () => {
    // FNV-1a over the float32 bytes of 8 scenes x 4 seeds per spec. The shortcuts (per-colour
    // operations on same-size crops, cached resize coefficients, the one-pass radius-1 blur)
    // must not move a single value: training results depend on every batch being the same.
    const fnv = (bytes: Uint8Array, h: number): number => {
      for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
      return h >>> 0;
    };
    const specs: Record<string, [number, ViewSpec]> = {
      simclr: [32, simclrViews(32)[0]],
      'byol 1': [32, byolViews(32)[0]],
      'byol 2': [32, byolViews(32)[1]],
      'dino local': [32, dinoViews(32, 1, 12)[2]],
      supervised: [32, supervisedView(32, 1)],
      'supervised crop': [32, supervisedView(32, 0.35)],
      'simclr at 96 px': [96, simclrViews(96)[0]],
    };
    const digests = Object.fromEntries(
      Object.entries(specs).map(([name, [src, spec]]) => {
        let h = 0x811c9dc5;
        for (let i = 0; i < 8; i++) for (let seed = 0; seed < 4; seed++) h = fnv(new Uint8Array(view(scene(i, src).pixels, src, spec, seed).buffer), h);
        return [name, h.toString(16).padStart(8, '0')];
      }),
    );
    expect(digests).toEqual({
      simclr: '2b08a4f9',
      'byol 1': '36f793c9',
      'byol 2': '6aa9e02e',
      'dino local': '337d0166',
      supervised: '5dfdaa95',
      'supervised crop': 'e08810f0',
      'simclr at 96 px': '08df5ded',
    });
  });

  it('rejects bad inputs with a message naming the problem', () => {
    const { pixels } = scene(0);
    const out = new Float32Array(32 * 32 * 3);
    expect(() => augmentView(pixels, 31, identity(32), new Rng(0), out, 0)).toThrow(/srcSize/);
    expect(() => augmentView(pixels, 32, identity(32), new Rng(0), out, 1)).toThrow(/offset/);
    expect(() => validateViewSpec({ ...identity(8), flipP: 2 })).toThrow(/flipP/);
    expect(() => validateViewSpec({ ...identity(8), scale: [0, 1] })).toThrow(/scale/);
    expect(() => validateViewSpec({ ...identity(8), size: 0 })).toThrow(/size/);
    expect(() => validateViewSpec({ ...identity(8), jitter: { p: 1, brightness: 0, contrast: 0, saturation: 0, hue: 0.7 } })).toThrow(/hue/);
  });
});

describe('randomResizedCropBox', () => {
  const meanArea = (size: number, scale: [number, number], draws = 20000): number => {
    const rng = new Rng(3);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const b = randomResizedCropBox(size, size, scale, [3 / 4, 4 / 3], rng);
      if (b.top < 0 || b.left < 0 || b.height < 1 || b.width < 1 || b.top + b.height > size || b.left + b.width > size) outside++;
      sum += (b.width * b.height) / (size * size);
    }
    expect(outside).toBe(0);
    return sum / draws;
  };

  it('has the expected mean area fraction', () => {
    // U(0.08, 1) has mean 0.54; boxes that do not fit at large areas and
    // extreme aspect ratios are redrawn, pulling the mean a little lower.
    expect(meanArea(224, [0.08, 1])).toBeGreaterThan(0.45);
    expect(meanArea(224, [0.08, 1])).toBeLessThan(0.54);
    expect(meanArea(32, [0.08, 1])).toBeGreaterThan(0.45);
    expect(meanArea(32, [0.08, 1])).toBeLessThan(0.55);
    // Globals U(0.25, 1): mean 0.625 less the same effect.
    expect(meanArea(32, [0.25, 1])).toBeGreaterThan(0.54);
    expect(meanArea(32, [0.25, 1])).toBeLessThan(0.63);
    // Locals U(0.05, 0.25): always fit, mean 0.15 up to pixel rounding.
    expect(meanArea(224, [0.05, 0.25])).toBeCloseTo(0.15, 2);
    expect(meanArea(32, [0.05, 0.25])).toBeGreaterThan(0.14);
    expect(meanArea(32, [0.05, 0.25])).toBeLessThan(0.16);
  });

  it('keeps every area within the scale range up to pixel rounding', () => {
    const rng = new Rng(4);
    let bad = 0;
    for (let i = 0; i < 5000; i++) {
      const b = randomResizedCropBox(224, 224, [0.05, 0.25], [3 / 4, 4 / 3], rng);
      const f = (b.width * b.height) / (224 * 224);
      const r = b.width / b.height;
      if (!(f > 0.045 && f < 0.255 && r > 0.74 && r < 1.35)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('falls back to a centre crop when no box fits', () => {
    // Area > 1 never fits: centre crop of the whole (square, ratio 1 in range) image.
    expect(randomResizedCropBox(32, 32, [2, 3], [3 / 4, 4 / 3], new Rng(0))).toEqual({ top: 0, left: 0, height: 32, width: 32 });
    // Ratio range above the image's: full height, narrower width, centred.
    expect(randomResizedCropBox(32, 32, [2, 3], [0.5, 0.5], new Rng(0))).toEqual({ top: 0, left: 8, height: 32, width: 16 });
    expect(randomResizedCropBox(32, 32, [2, 3], [0.5, 0.75], new Rng(0))).toEqual({ top: 0, left: 4, height: 32, width: 24 });
  });
});

describe('view recipes', () => {
  const check = (v: ViewSpec): void => validateViewSpec(v);

  it('SimCLR: two identical views, appendix A with s = 1 jitter and the lab-scale hue and grayscale', () => {
    const views = simclrViews(32);
    expect(views).toHaveLength(2);
    views.forEach(check);
    expect(views[0]).toEqual(views[1]);
    expect(views[0]).toEqual({
      size: 32,
      scale: [1, 1],
      ratio: [3 / 4, 4 / 3],
      flipP: 0.5,
      jitter: { p: 0.8, brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.5 },
      grayscaleP: 0.5,
      blurP: 0.5,
      solarizeP: 0,
    });
    expect(views[0]).not.toBe(views[1]);
    expect(views[0].scale).not.toBe(views[1].scale);
  });

  it('BYOL: two asymmetric views (Table 6)', () => {
    const [t, t2] = byolViews(24);
    [t, t2].forEach(check);
    for (const v of [t, t2]) {
      expect(v.size).toBe(24);
      expect(v.scale).toEqual([1, 1]);
      expect(v.jitter).toEqual({ p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.5 });
      expect(v.grayscaleP).toBe(0.5);
      expect(v.flipP).toBe(0.5);
    }
    expect([t.blurP, t2.blurP]).toEqual([1, 0.1]);
    expect([t.solarizeP, t2.solarizeP]).toEqual([0, 0.2]);
  });

  it('DINO: two globals then the requested locals', () => {
    const views = dinoViews(32, 6, 12);
    expect(views).toHaveLength(8);
    views.forEach(check);
    const [g1, g2, ...locals] = views;
    for (const g of [g1, g2]) {
      expect(g.size).toBe(32);
      expect(g.scale).toEqual([1, 1]);
    }
    expect([g1.blurP, g1.solarizeP, g2.blurP, g2.solarizeP]).toEqual([1, 0, 0.1, 0.2]);
    for (const l of locals) {
      expect(l.size).toBe(12);
      expect(l.scale).toEqual([0.05, 0.25]);
      expect([l.blurP, l.solarizeP]).toEqual([0.5, 0]);
    }
    for (const v of views) {
      expect(v.jitter).toEqual({ p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.5 });
      expect(v.grayscaleP).toBe(0.5);
    }
    expect(dinoViews(32, 0, 12)).toHaveLength(2);
    expect(() => dinoViews(32, -1, 12)).toThrow(/localCrops/);
    expect(() => dinoViews(32, 2, 0)).toThrow(/localSize/);
  });

  it('supervised: crop-resize and flip, no colour', () => {
    const v = supervisedView(32, 0.35);
    check(v);
    expect(v).toEqual({ size: 32, scale: [0.35, 1], ratio: [3 / 4, 4 / 3], flipP: 0.5, jitter: null, grayscaleP: 0, blurP: 0, solarizeP: 0 });
  });
});
