import { describe, expect, it } from 'vitest';
import {
  CAPTION_VOCAB,
  COLOURS,
  SHAPE_CLASSES,
  TEXTURES,
  generateScene,
  normalisePixels,
  sampledClasses,
  sceneDigest,
  type Scene,
  type SceneOptions,
} from '../src/data/scenes';
import { presetSceneOptions } from '../src/data/presets';

const SINGLE: Omit<SceneOptions, 'imageSize'> = { numClasses: 10, maxObjects: 1 };
const MULTI: Omit<SceneOptions, 'imageSize'> = { numClasses: 10, maxObjects: 4 };

/** Fraction of mask pixels that belong to some object. */
function coverage(scene: Scene): number {
  let n = 0;
  for (const m of scene.mask) if (m !== 0) n++;
  return n / scene.mask.length;
}

describe('generateScene determinism', () => {
  it('same seed and index give identical bytes, mask and caption', () => {
    for (const opts of [SINGLE, MULTI])
      for (const imageSize of [8, 16, 33]) {
        const a = generateScene(7, 123, { imageSize, ...opts });
        const b = generateScene(7, 123, { imageSize, ...opts });
        expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
        expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
        expect(a.caption).toBe(b.caption);
        expect(a.objects).toEqual(b.objects);
        expect(sceneDigest(a)).toBe(sceneDigest(b));
      }
  });

  it('different index or seed gives a different image', () => {
    const o = { imageSize: 32, ...SINGLE };
    const base = generateScene(0, 0, o);
    const same = (s: Scene): boolean => Buffer.from(s.pixels).equals(Buffer.from(base.pixels));
    for (let i = 1; i < 20; i++) expect(same(generateScene(0, i, o))).toBe(false);
    expect(same(generateScene(1, 0, o))).toBe(false);
  });

  it('the background option does not change which objects an index has', () => {
    const layouts = (['plain', 'gradient', 'noise', 'mixed', 'clean'] as const).map((background) =>
      generateScene(3, 5, { imageSize: 32, ...MULTI, background }).objects.map((ob) => [ob.cls, ob.colour, ob.size]),
    );
    for (const l of layouts) expect(l).toEqual(layouts[0]);
  });

  // Literal digests: any change to the generator's output (geometry, colours,
  // RNG order, caption) fails here. The browser e2e test checks the same values.
  it('matches committed golden digests', () => {
    const golden: [string, number, number, string][] = [
      ['single', 16, 0, '7e9fd69f'], // a red striped bar
      ['single', 16, 1, '21f3fa5e'], // a large yellow crescent
      ['single', 16, 2, 'a1707a0e'], // a large orange heart
      ['single', 32, 0, '13539471'],
      ['single', 32, 1, '4c7262dc'],
      ['single', 32, 2, '5199a7d8'],
      ['multi', 16, 0, 'aec5370f'], // a red striped bar (this index drew one object)
      ['multi', 16, 1, '523de5b5'], // a yellow crescent and an orange ring
      ['multi', 16, 2, 'ca55e607'], // an orange heart and a yellow checked star and ...
      ['multi', 32, 0, '5af6a73d'],
      ['multi', 32, 1, '82149d79'],
      ['multi', 32, 2, '8a0531bb'],
    ];
    const actual = golden.map(([set, imageSize, index]) => [
      set,
      imageSize,
      index,
      sceneDigest(generateScene(0, index, { imageSize, ...(set === 'single' ? SINGLE : MULTI) })),
    ]);
    expect(actual).toEqual(golden);
    // The new options at their defaults change nothing.
    const explicit = { placement: 'inside', distractors: [0, 0] } as const;
    for (const [set, imageSize, index, digest] of golden)
      expect(sceneDigest(generateScene(0, index, { imageSize, ...(set === 'single' ? SINGLE : MULTI), ...explicit }))).toBe(digest);
  });

  // 100 scenes per preset (noise backgrounds, textures, flips, distractors, objects cut off by the
  // frame, every class): the faster rasteriser must paint what the original one did, to the byte.
  it('matches committed digests over 100 scenes of each preset', () => {
    const sets: Record<string, SceneOptions> = {
      ...Object.fromEntries((['coco', 'imagenet-1k', 'imagenet-21k', 'jft', 'align'] as const).map((p) => [p, presetSceneOptions(p, 32)])),
      'shapes 6 objects, 24 px': { imageSize: 24, numClasses: 10, maxObjects: 6 },
    };
    const digestOf = (o: SceneOptions): string => {
      let h = 0x811c9dc5;
      for (let i = 0; i < 100; i++) for (const c of sceneDigest(generateScene(5, i, o))) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
      return (h >>> 0).toString(16).padStart(8, '0');
    };
    expect(Object.fromEntries(Object.entries(sets).map(([name, o]) => [name, digestOf(o)]))).toEqual({
      coco: '5ff0cf0c',
      'imagenet-1k': '39f6a4c2',
      'imagenet-21k': '0aa369ec',
      jft: '88fa3d65',
      align: 'acb099a5',
      'shapes 6 objects, 24 px': '2dd14f68',
    });
  });
});

describe('preset options', () => {
  const geometry = (s: Scene) => s.objects.map((o) => [o.size, o.x, o.y]);

  it('a classSampler decides class and colour from its own stream, leaving the layout alone', () => {
    const sampler = (rng: { int(n: number): number }) => ({ cls: 2 + rng.int(2), colour: 5 });
    const opts = { imageSize: 48, numClasses: 10, maxObjects: 3 };
    for (let i = 0; i < 30; i++) {
      const plain = generateScene(1, i, opts);
      const sampled = generateScene(1, i, { ...opts, classSampler: sampler });
      expect(geometry(sampled)).toEqual(geometry(plain));
      for (const o of sampled.objects) {
        expect([2, 3]).toContain(o.cls);
        expect(o.colour).toBe(5);
      }
      // sampledClasses lists the drawn classes without rendering (visible ones are a subsequence).
      const drawn = sampledClasses(1, i, { ...opts, classSampler: sampler });
      expect(drawn.length).toBeGreaterThanOrEqual(sampled.objects.length);
      let k = 0;
      for (const o of sampled.objects) {
        while (k < drawn.length && drawn[k].cls !== o.cls) k++;
        expect(k).toBeLessThan(drawn.length);
        k++;
      }
    }
    expect(() => generateScene(0, 0, { ...opts, classSampler: () => ({ cls: 10 }) })).toThrow(/classSampler returned class 10, outside 0\.\.9/);
    expect(() => generateScene(0, 0, { ...opts, classSampler: () => ({ cls: 0, colour: 8 }) })).toThrow(/classSampler returned colour 8/);
    expect(() => sampledClasses(0, 0, opts)).toThrow(/needs SceneOptions\.classSampler/);
  });

  it("'crop' placement lets objects run off the frame; hidden ones leave objects, labels and caption", () => {
    let cut = 0;
    let total = 0;
    for (let i = 0; i < 200; i++) {
      const s = generateScene(2, i, { imageSize: 32, numClasses: 10, maxObjects: 4, placement: 'crop' });
      for (const o of s.objects) {
        total++;
        if (o.x < o.size / 2 || o.x > 1 - o.size / 2) cut++;
        // Centre at most half the half extent (+10% aspect) outside the frame.
        expect(o.x).toBeGreaterThanOrEqual(-o.size * 0.28);
        expect(o.x).toBeLessThanOrEqual(1 + o.size * 0.28);
      }
      const inMask = new Set<number>();
      for (const m of s.mask) if (m !== 0) inMask.add(m - 1);
      expect([...inMask].sort()).toEqual([...s.labels].sort());
    }
    expect(cut / total).toBeGreaterThan(0.3);
  });

  it('distractors are small, drawn behind, in the mask only, and do not move the objects', () => {
    const opts = { imageSize: 32, numClasses: 10, maxObjects: 3 };
    const counts = new Set<number>();
    let maskOnly = 0;
    for (let i = 0; i < 200; i++) {
      const plain = generateScene(4, i, opts);
      const s = generateScene(4, i, { ...opts, distractors: [1, 2] });
      expect(s.objects).toEqual(plain.objects);
      expect(s.labels).toEqual(plain.labels);
      expect(s.caption).toBe(plain.caption);
      expect(s.distractors.length).toBeLessThanOrEqual(2);
      counts.add(s.distractors.length);
      for (const d of s.distractors) expect(d.size).toBeLessThanOrEqual(0.16);
      const inMask = new Set<number>();
      for (const m of s.mask) if (m !== 0) inMask.add(m - 1);
      expect([...inMask].sort()).toEqual([...new Set([...s.labels, ...s.distractors.map((d) => d.cls)])].sort());
      if (s.distractors.some((d) => !s.labels.includes(d.cls))) maskOnly++;
    }
    expect([...counts].sort()).toContain(2);
    expect(maskOnly).toBeGreaterThan(50);
  });
});

describe('scene contents', () => {
  it('has the documented shapes and vocabularies', () => {
    expect(SHAPE_CLASSES).toHaveLength(10);
    expect(new Set(SHAPE_CLASSES).size).toBe(10);
    expect(COLOURS.length).toBeGreaterThanOrEqual(6);
    expect(TEXTURES).toContain('plain');
    const s = generateScene(0, 0, { imageSize: 20, ...MULTI });
    expect(s.pixels).toBeInstanceOf(Uint8ClampedArray);
    expect(s.pixels.length).toBe(20 * 20 * 3);
    expect(s.mask.length).toBe(20 * 20);
  });

  it('mask, labels and objects agree', () => {
    const cases: [SceneOptions, number, number][] = [
      // options, min and max object coverage of the image
      [{ imageSize: 16, ...SINGLE }, 0.03, 0.6],
      [{ imageSize: 32, ...SINGLE, background: 'noise' }, 0.03, 0.6],
      [{ imageSize: 8, numClasses: 3, maxObjects: 1 }, 0.03, 0.7],
      [{ imageSize: 32, ...MULTI }, 0.02, 0.7],
      [{ imageSize: 24, numClasses: 5, maxObjects: 6, minObjects: 6 }, 0.02, 0.8],
      // Crowded and tiny: objects get hidden, and must then vanish from labels too.
      [{ imageSize: 8, numClasses: 10, maxObjects: 6, minObjects: 6 }, 0.02, 0.9],
    ];
    let dropped = 0;
    for (const [opts, lo, hi] of cases) {
      let total = 0;
      const n = 300;
      for (let i = 0; i < n; i++) {
        const s = generateScene(11, i, opts);
        const inMask = new Set<number>();
        for (const m of s.mask) if (m !== 0) inMask.add(m - 1);
        expect([...inMask].sort()).toEqual([...s.labels].sort());
        expect(new Set(s.labels).size).toBe(s.labels.length);
        // Labels in order of first appearance among the objects.
        expect(s.labels).toEqual([...new Set(s.objects.map((o) => o.cls))]);
        for (const c of s.labels) expect(c).toBeLessThan(opts.numClasses);
        expect(s.labels.length).toBeGreaterThan(0);
        const cov = coverage(s);
        expect(cov).toBeGreaterThanOrEqual(lo);
        expect(cov).toBeLessThanOrEqual(hi);
        total += cov;
        if (opts.maxObjects === 1) expect(s.objects).toHaveLength(1);
        if (s.objects.length < (opts.minObjects ?? 1)) dropped++;
        for (const o of s.objects) {
          expect(o.x - o.size / 2).toBeGreaterThanOrEqual(-0.06);
          expect(o.x + o.size / 2).toBeLessThanOrEqual(1.06);
        }
      }
      expect(total / n).toBeGreaterThan(0.08);
    }
    expect(dropped).toBeGreaterThan(0);
  });

  it('respects minObjects and maxObjects', () => {
    for (let i = 0; i < 100; i++) {
      const s = generateScene(2, i, { imageSize: 64, numClasses: 10, maxObjects: 3, minObjects: 2 });
      // Fully occluded objects are dropped, so allow one fewer than drawn.
      expect(s.objects.length).toBeGreaterThanOrEqual(1);
      expect(s.objects.length).toBeLessThanOrEqual(3);
    }
    const counts = new Set<number>();
    for (let i = 0; i < 200; i++) counts.add(generateScene(2, i, { imageSize: 64, numClasses: 10, maxObjects: 3 }).objects.length);
    expect([...counts].sort()).toEqual([1, 2, 3]);
  });

  it('balances classes in single-object scenes', () => {
    const n = 2000;
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) counts[generateScene(0, i, { imageSize: 16, ...SINGLE }).labels[0]]++;
    for (const c of counts) expect(Math.abs(c / n - 0.1)).toBeLessThanOrEqual(0.03);
  });

  it('anti-aliases edges: a plain object on a plain background has blended pixels', () => {
    let checked = 0;
    for (let i = 0; i < 50 && checked < 5; i++) {
      const s = generateScene(0, i, { imageSize: 32, ...SINGLE, background: 'plain' });
      if (s.objects[0].texture !== 0) continue;
      checked++;
      const colours = new Set<number>();
      for (let p = 0; p < s.mask.length; p++) colours.add((s.pixels[p * 3] << 16) | (s.pixels[p * 3 + 1] << 8) | s.pixels[p * 3 + 2]);
      expect(colours.size).toBeGreaterThan(2);
    }
    expect(checked).toBe(5);
  });
});

describe('captions', () => {
  it('name the classes present and use only vocabulary words', () => {
    const vocab = new Set(CAPTION_VOCAB);
    for (const opts of [SINGLE, MULTI]) {
      for (let i = 0; i < 300; i++) {
        const s = generateScene(5, i, { imageSize: 32, ...opts });
        const words = s.caption.split(' ');
        for (const w of words) expect(vocab.has(w), `"${w}" in "${s.caption}"`).toBe(true);
        expect(s.caption).toBe(s.caption.toLowerCase());
        for (const c of s.labels) expect(words).toContain(SHAPE_CLASSES[c]);
        // One shape name and one colour name per object.
        expect(words.filter((w) => SHAPE_CLASSES.includes(w))).toEqual(s.objects.map((o) => SHAPE_CLASSES[o.cls]));
        expect(words.filter((w) => COLOURS.includes(w))).toEqual(s.objects.map((o) => COLOURS[o.colour]));
        expect(words.filter((w) => w === 'and')).toHaveLength(s.objects.length - 1);
      }
    }
  });

  it('uses "an" before a vowel', () => {
    let seen = 0;
    for (let i = 0; i < 200; i++) {
      const { caption } = generateScene(0, i, { imageSize: 16, ...MULTI });
      expect(caption).not.toMatch(/\ba [aeiou]/);
      expect(caption).not.toMatch(/\ban [^aeiou]/);
      if (/\ban orange/.test(caption)) seen++;
    }
    expect(seen).toBeGreaterThan(0);
  });
});

describe('normalisePixels', () => {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];

  it('applies (p/255 - mean[c]) / std[c] exactly (to float32)', () => {
    const px = new Uint8ClampedArray([0, 128, 255, 37, 200, 1]);
    const out = normalisePixels(px);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(6);
    for (let i = 0; i < px.length; i++) expect(out[i]).toBe(Math.fround((px[i] / 255 - mean[i % 3]) / std[i % 3]));
    expect(out[0]).toBeCloseTo(-0.485 / 0.229, 5);
    expect(out[2]).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });

  it('writes into out at offset and leaves the rest alone', () => {
    const px = new Uint8ClampedArray([10, 20, 30]);
    const out = new Float32Array(8).fill(99);
    const ret = normalisePixels(px, out, 3);
    expect(ret).toBe(out);
    expect(Array.from(out.slice(0, 3))).toEqual([99, 99, 99]);
    expect(out[4]).toBe(Math.fround((20 / 255 - mean[1]) / std[1]));
    expect(Array.from(out.slice(6))).toEqual([99, 99]);
    expect(() => normalisePixels(px, out, 6)).toThrow(/offset/);
  });
});

describe('option validation', () => {
  const ok: SceneOptions = { imageSize: 16, numClasses: 4, maxObjects: 1 };
  const bad: [Partial<SceneOptions> & Record<string, unknown>, RegExp][] = [
    [{ imageSize: 7 }, /imageSize must be an integer in 8\.\.512, got 7/],
    [{ imageSize: 513 }, /imageSize/],
    [{ imageSize: 16.5 }, /imageSize/],
    [{ numClasses: 1 }, /numClasses must be an integer in 2\.\.10, got 1/],
    [{ numClasses: 11 }, /numClasses must be an integer in 2\.\.10, got 11/],
    [{ maxObjects: 0 }, /maxObjects/],
    [{ maxObjects: 7 }, /maxObjects/],
    [{ minObjects: 0 }, /minObjects/],
    [{ maxObjects: 2, minObjects: 3 }, /minObjects must be an integer in 1\.\.2, got 3/],
    [{ maxObjects: 3, centred: true }, /centred/],
    [{ background: 'stripes' as never }, /background must be one of/],
    [{ centred: 'yes' as never }, /centred must be a boolean/],
    [{ placement: 'edge' as never }, /placement must be one of inside, crop, got edge/],
    [{ maxObjects: 1, placement: 'crop' }, /placement 'crop' cannot be combined with centred/],
    [{ distractors: [2, 1] }, /distractors\[0\] must be an integer in 0\.\.1, got 2/],
    [{ distractors: [0, 4] }, /distractors\[1\] must be an integer in 0\.\.3, got 4/],
    [{ classSampler: 3 as never }, /classSampler must be a function/],
  ];
  for (const [patch, msg] of bad)
    it(`rejects ${JSON.stringify(patch)}`, () => {
      expect(() => generateScene(0, 0, { ...ok, ...patch })).toThrow(msg);
    });

  it('rejects bad seeds and indices', () => {
    expect(() => generateScene(0, -1, ok)).toThrow(/index/);
    expect(() => generateScene(0, 1.5, ok)).toThrow(/index/);
    expect(() => generateScene(0.5, 0, ok)).toThrow(/seed/);
  });

  it('accepts every valid combination at the edges', () => {
    for (const imageSize of [8, 512])
      for (const numClasses of [2, 10])
        for (const maxObjects of [1, 6]) {
          const s = generateScene(0, 1, { imageSize, numClasses, maxObjects });
          expect(s.pixels.length).toBe(imageSize * imageSize * 3);
        }
  });
});
