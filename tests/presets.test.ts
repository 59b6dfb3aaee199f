import { afterEach, describe, expect, it } from 'vitest';
import { Rng, hashSeed } from '../src/engine/rng';
import { checkCaptionNoise, corruptCaption } from '../src/data/captionNoise';
import { captionFor, shapesNamedIn } from '../src/data/captions';
import { SceneDataset, SceneSource, type AnnotatedSample } from '../src/data/dataset';
import {
  FINE_CLASSES, JFT_CLASS_PROBS, JFT_RANKED, NUM_FINE, colourOfFine, fineClass, jftAnnotation, parentOf, shapeOfFine, zipfTopShare, zipfWeights,
} from '../src/data/labelSpace';
import {
  DATASET_INFO, MAX_DATASET_SIZE, PROBE_INFO, PROBE_OBJECT_SIZE, createDataSource, createProbeSource, listDatasets, presetSceneOptions, registerImportedProvider,
  type PresetId,
} from '../src/data/presets';
import { SHAPE_CLASSES, generateScene, sampledClasses, sceneDigest } from '../src/data/scenes';
import { DATASET_IDS, type DataSource } from '../src/data/source';

const S = 16;
const PRESETS: PresetId[] = ['coco', 'imagenet-1k', 'imagenet-21k', 'jft', 'align', 'shapes'];

const source = (preset: PresetId, seed = 0, stream = 'pretrain'): SceneSource => {
  const s = createDataSource({ preset }, S, seed, stream);
  if (!(s instanceof SceneSource)) throw new Error(`${preset} is not a SceneSource`);
  return s;
};
const bytesEqual = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => Buffer.from(a as Uint8Array).equals(Buffer.from(b as Uint8Array));
const samples = (src: SceneSource, n: number): AnnotatedSample[] => Array.from({ length: n }, (_, i) => src.annotated(i));
const shapesInMask = (mask: Uint8Array): number[] => [...new Set(Array.from(mask).filter((m) => m > 0).map((m) => m - 1))].sort((a, b) => a - b);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
/** Binomial standard deviation of a rate p measured over n trials. */
const sd = (p: number, n: number): number => Math.sqrt((p * (1 - p)) / n);

describe('DATASET_INFO', () => {
  it('documents every procedural preset consistently', () => {
    expect(listDatasets().map((d) => d.id).sort()).toEqual(DATASET_IDS.filter((d) => d !== 'imported').sort());
    for (const info of listDatasets()) {
      expect(info.classNames).toHaveLength(info.numClasses);
      expect(info.objectsPerImage[0]).toBeLessThanOrEqual(info.objectsPerImage[1]);
      expect(info.captionNoise === null).toBe(info.captions !== 'alt-text');
      expect(info.defaultSize).toBeLessThanOrEqual(MAX_DATASET_SIZE);
    }
    const size = (id: PresetId) => DATASET_INFO[id].defaultSize;
    // The paper's ordering: COCO < IN-1K < IN-21K (10x IN-1K) < JFT < ALIGN.
    expect([size('coco'), size('imagenet-1k'), size('imagenet-21k'), size('jft'), size('align')]).toEqual([2_000, 20_000, 200_000, 3_000_000, 10_000_000]);
    expect(DATASET_INFO.jft.classNames.slice(NUM_FINE)).toEqual(SHAPE_CLASSES);
    expect(DATASET_INFO.jft.classNames[0]).toBe('red circle');
    expect(DATASET_INFO['imagenet-21k'].classNames).toEqual(FINE_CLASSES);
    expect(DATASET_INFO.align.captionNoise).toEqual({ wrongWord: 0.2, droppedWord: 0.2, unrelated: 0.1 });
  });

  it('has the documented sizes and label spaces in its sources', () => {
    for (const id of PRESETS) {
      const s = source(id);
      expect(s.size).toBe(DATASET_INFO[id].defaultSize);
      expect(s.numClasses).toBe(DATASET_INFO[id].numClasses);
      expect(s.imageSize).toBe(S);
    }
    expect(createDataSource({ preset: 'jft', size: 300 }, S, 0).size).toBe(300);
  });
});

describe('determinism', () => {
  for (const id of PRESETS)
    it(`${id}: same seed and index give the same sample; another stream or seed another image`, () => {
      const a = source(id);
      const b = source(id);
      for (const i of [0, 7, 1234]) {
        const x = a.sample(i);
        const y = b.sample(i);
        expect(bytesEqual(x.pixels, y.pixels)).toBe(true);
        expect(bytesEqual(x.mask!, y.mask!)).toBe(true);
        expect(x.labels).toEqual(y.labels);
        expect(x.caption).toBe(y.caption);
        expect(bytesEqual(x.pixels, source(id, 0, 'other').sample(i).pixels)).toBe(false);
        expect(bytesEqual(x.pixels, source(id, 1).sample(i).pixels)).toBe(false);
      }
      expect(a.stepIndices(3, 8)).toEqual(b.stepIndices(3, 8));
      expect(a.stepIndices(3, 8)).not.toEqual(a.stepIndices(4, 8));
    });

  it('presets draw different images from one seed', () => {
    const pix = PRESETS.map((id) => source(id).sample(0).pixels);
    for (let i = 0; i < pix.length; i++) for (let j = i + 1; j < pix.length; j++) expect(bytesEqual(pix[i], pix[j])).toBe(false);
  });

  it('every preset has a shape mask of the right size and range', () => {
    for (const id of PRESETS)
      for (const s of samples(source(id), 30)) {
        expect(s.pixels.length).toBe(S * S * 3);
        expect(s.mask.length).toBe(S * S);
        expect(Math.max(...s.mask)).toBeLessThanOrEqual(SHAPE_CLASSES.length);
        expect(Math.max(...s.mask)).toBeGreaterThan(0);
      }
  });

  // Literal digests of sample 0 per preset, so any change to a preset's images is seen.
  it('matches committed digests', () => {
    const digest = (id: PresetId) => {
      const s = source(id).annotated(0);
      return sceneDigest({ ...s.scene, caption: s.caption });
    };
    expect(Object.fromEntries(PRESETS.map((id) => [id, digest(id)]))).toEqual(GOLDEN);
  });
});

const GOLDEN: Record<PresetId, string> = {
  coco: '8abd1c05',
  'imagenet-1k': '731591e1',
  'imagenet-21k': 'd6dfafe6',
  jft: '96df7edb',
  align: '8d95395f',
  shapes: '0cba5243',
};

describe('shapes and the probe keep the original images', () => {
  it("'shapes' is the original SceneDataset: generateScene(hashSeed(seed, 'dataset', stream), i)", () => {
    const s = createDataSource({ preset: 'shapes', numClasses: 4, maxObjects: 3 }, S, 5);
    const old = new SceneDataset({ preset: 'shapes', size: 50_000, numClasses: 4, maxObjects: 3 }, S, 5);
    expect(s.size).toBe(50_000);
    expect(s.numClasses).toBe(4);
    expect(s.info.classNames).toEqual(SHAPE_CLASSES.slice(0, 4));
    expect(s.info.labels).toBe('multi');
    for (let i = 0; i < 20; i++) {
      const direct = generateScene(hashSeed(5, 'dataset', 'pretrain'), i, { imageSize: S, numClasses: 4, maxObjects: 3 });
      expect(bytesEqual(s.sample(i).pixels, direct.pixels)).toBe(true);
      expect(s.sample(i).caption).toBe(direct.caption);
      expect(s.sample(i).labels).toEqual(direct.labels);
      expect(sceneDigest(old.scene(i))).toBe(sceneDigest(direct));
    }
    expect(s.stepIndices(2, 6)).toEqual(old.stepIndices(2, 6));
    // Defaults are the original config's: 10 classes, one centred object.
    expect(source('shapes').info).toEqual(DATASET_INFO.shapes);
    expect(source('shapes').sceneOptions).toEqual({ imageSize: S, numClasses: 10, maxObjects: 1 });
  });

  it("the probe source: the original probe's classes, each object anywhere in the frame at 0.4-0.7 of the side", () => {
    const probe = createProbeSource(S, 3, 'probe-train') as SceneSource;
    expect(probe.info).toBe(PROBE_INFO);
    expect(probe.numClasses).toBe(10);
    const old = new SceneDataset({ preset: 'shapes', size: 100, numClasses: 10, maxObjects: 1 }, S, 3, 'probe-train');
    const objects = Array.from({ length: 100 }, (_, i) => probe.annotated(i).scene.objects[0]);
    // Scene i keeps the centred probe's class (the same streams); only place and size differ.
    objects.forEach((o, i) => expect(o.cls).toBe(old.scene(i).objects[0].cls));
    for (const o of objects) {
      expect(o.size).toBeGreaterThanOrEqual(PROBE_OBJECT_SIZE[0]);
      expect(o.size).toBeLessThanOrEqual(PROBE_OBJECT_SIZE[1]);
    }
    // The centred probe jitters centres by at most 0.04; here most objects sit further out.
    const off = objects.filter((o) => Math.max(Math.abs(o.x - 0.5), Math.abs(o.y - 0.5)) > 0.08).length;
    expect(off).toBeGreaterThan(50);
    expect(bytesEqual(probe.sample(0).pixels, createProbeSource(S, 3, 'probe-test').sample(0).pixels)).toBe(false);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 1000; i++) {
      const l = probe.sample(i).labels;
      expect(l).toHaveLength(1);
      counts[l[0]]++;
    }
    for (const c of counts) expect(Math.abs(c / 1000 - 0.1)).toBeLessThan(4 * sd(0.1, 1000));
    expect(() => createProbeSource(S, 3, 'pretrain')).toThrow(/probe stream/);
  });
});

describe('createDataSource errors name the field', () => {
  afterEach(() => registerImportedProvider(null));
  const cases: [Parameters<typeof createDataSource>[0], RegExp][] = [
    [{ preset: 'laion' as never }, /dataset\.preset must be one of .*got laion/],
    [{ preset: 'coco', numClasses: 5 }, /dataset\.numClasses is fixed by the coco preset.*got 5/],
    [{ preset: 'jft', maxObjects: 2 }, /dataset\.maxObjects is fixed by the jft preset/],
    [{ preset: 'align', size: 0 }, /dataset\.size must be an integer in 1\.\.10000000, got 0/],
    [{ preset: 'coco', size: 2.5 }, /dataset\.size .*got 2\.5/],
    [{ preset: 'jft', size: MAX_DATASET_SIZE + 1 }, /dataset\.size/],
    [{ preset: 'shapes', numClasses: 11 }, /dataset\.numClasses must be an integer in 2\.\.10, got 11/],
    [{ preset: 'shapes', maxObjects: 7 }, /dataset\.maxObjects must be an integer in 1\.\.6, got 7/],
    [{ preset: 'imported' }, /dataset\.preset 'imported' needs images: import a folder or zip first/],
  ];
  for (const [spec, msg] of cases) it(`rejects ${JSON.stringify(spec)}`, () => expect(() => createDataSource(spec, S, 0)).toThrow(msg));

  it('rejects bad image sizes and indices, and uses a registered imported provider', () => {
    expect(() => createDataSource({ preset: 'coco' }, 4, 0)).toThrow(/imageSize must be an integer in 8\.\.512, got 4/);
    expect(() => source('coco').sample(2_000)).toThrow(/index 2000 outside 0\.\.1999/);
    registerImportedProvider(() => null);
    expect(() => createDataSource({ preset: 'imported' }, S, 0)).toThrow(/import a folder or zip first/);
    const calls: unknown[] = [];
    const fake = source('imagenet-1k') as DataSource;
    registerImportedProvider((imageSize, seed, stream) => (calls.push([imageSize, seed, stream]), fake));
    expect(createDataSource({ preset: 'imported' }, S, 9, 'x')).toBe(fake);
    expect(calls).toEqual([[S, 9, 'x']]);
  });
});

describe('COCO-like', () => {
  it('is a small pool of cluttered multi-object scenes with clean captions', () => {
    const coco = source('coco');
    const counts = new Map<number, number>();
    const seen = new Set<number>();
    for (let step = 0; step < 200; step++) for (const i of coco.stepIndices(step, 32)) seen.add(i);
    expect(Math.max(...seen)).toBeLessThan(2_000);
    expect(seen.size).toBeGreaterThan(1_900); // 6,400 draws cover ~96% of the pool
    let multiLabel = 0;
    const n = 600;
    for (const s of samples(coco, n)) {
      const k = s.scene.objects.length;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      expect(sorted(s.labels)).toEqual(shapesInMask(s.mask));
      expect(s.caption).toBe(captionFor(s.scene.objects));
      if (s.labels.length >= 2) multiLabel++;
    }
    // Drawn 2-5 uniformly; occlusion could hide one, but every count of the documented range occurs.
    expect([...counts.keys()].sort()).toEqual([2, 3, 4, 5]);
    for (const c of counts.values()) expect(Math.abs(c / n - 0.25)).toBeLessThan(4 * sd(0.25, n));
    expect(multiLabel / n).toBeGreaterThan(0.85);
  });
});

/**
 * Share of background pixel triples along rows that bend by more than rounding:
 * 0 for plain and linear-gradient backgrounds, high for value noise and grain.
 * Triples within a pixel of an object are skipped (anti-aliased edges blend in).
 */
function backgroundRoughness(s: AnnotatedSample): number {
  const isBackground = (x: number, y: number) => x < 0 || y < 0 || x >= S || y >= S || s.mask[y * S + x] === 0;
  let rough = 0;
  let total = 0;
  for (let y = 0; y < S; y++)
    for (let x = 1; x < S - 1; x++) {
      let clear = true;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -2; dx <= 2; dx++) clear &&= isBackground(x + dx, y + dy);
      if (!clear) continue;
      const at = y * S + x;
      for (let c = 0; c < 3; c++) {
        total++;
        if (Math.abs(s.pixels[(at - 1) * 3 + c] - 2 * s.pixels[at * 3 + c] + s.pixels[(at + 1) * 3 + c]) > 3) rough++;
      }
    }
  return total === 0 ? 0 : rough / total;
}

describe('ImageNet-1K-like', () => {
  it('has one centred object per image, balanced classes and clean backgrounds', () => {
    const n = 2_000;
    const counts = new Array<number>(10).fill(0);
    let roughImages = 0;
    for (const s of samples(source('imagenet-1k'), n)) {
      expect(s.labels).toHaveLength(1);
      expect(s.scene.objects).toHaveLength(1);
      const o = s.scene.objects[0];
      expect(Math.abs(o.x - 0.5)).toBeLessThanOrEqual(0.04);
      expect(Math.abs(o.y - 0.5)).toBeLessThanOrEqual(0.04);
      expect(shapesInMask(s.mask)).toEqual(s.labels);
      expect(s.caption).toBe('');
      counts[s.labels[0]]++;
      if (backgroundRoughness(s) > 0.05) roughImages++;
    }
    // Balanced: every class within 4 binomial sd of 1/10, and max/min below 1.4.
    for (const c of counts) expect(Math.abs(c / n - 0.1)).toBeLessThan(4 * sd(0.1, n));
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThan(1.4);
    // Thin shape tips can blend into a pixel two away from any mask pixel: allow a handful in 2,000.
    expect(roughImages / n).toBeLessThan(0.005);
    // The probe's mixed backgrounds include noise: the measure tells them apart.
    const probe = createProbeSource(S, 0, 'probe-train') as SceneSource;
    const probeRough = samples(probe, 300).filter((s) => backgroundRoughness(s) > 0.05).length / 300;
    expect(probeRough).toBeGreaterThan(0.2);
  });
});

describe('ImageNet-21K-like', () => {
  it('has 80 balanced colour-and-shape classes, all reachable', () => {
    const opts = presetSceneOptions('imagenet-21k', S);
    const seed = hashSeed(0, 'dataset', 'pretrain', 'imagenet-21k');
    const n = 8_000;
    const counts = new Array<number>(NUM_FINE).fill(0);
    for (let i = 0; i < n; i++) {
      const [c] = sampledClasses(seed, i, opts);
      counts[fineClass(c.cls, c.colour!)]++;
    }
    const p = 1 / NUM_FINE;
    for (const c of counts) expect(Math.abs(c / n - p)).toBeLessThan(4.5 * sd(p, n));
    // The rendered images carry exactly the sampled class.
    const src = source('imagenet-21k');
    for (let i = 0; i < 300; i++) {
      const s = src.annotated(i);
      const [c] = sampledClasses(seed, i, opts);
      expect(s.labels).toEqual([fineClass(c.cls, c.colour!)]);
      expect(shapesInMask(s.mask)).toEqual([shapeOfFine(s.labels[0])]);
      expect(s.scene.objects[0].colour).toBe(colourOfFine(s.labels[0]));
    }
  });
});

describe('JFT-like', () => {
  const opts = presetSceneOptions('jft', S);
  const seed = hashSeed(0, 'dataset', 'pretrain', 'jft');

  it('draws fine classes from a Zipf long tail over a fixed shuffle', () => {
    const weights = zipfWeights(NUM_FINE);
    expect(DATASET_INFO.jft.headToTail).toBe(80);
    expect(Math.max(...JFT_CLASS_PROBS) / Math.min(...JFT_CLASS_PROBS)).toBeCloseTo(80, 9);
    // The head is spread over shapes and colours, not one shape.
    const head = JFT_RANKED.slice(0, 10);
    expect(new Set(head.map(shapeOfFine)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(head.map(colourOfFine)).size).toBeGreaterThanOrEqual(5);
    const draws = new Array<number>(NUM_FINE).fill(0);
    let total = 0;
    for (let i = 0; i < 20_000; i++)
      for (const c of sampledClasses(seed, i, opts)) {
        draws[fineClass(c.cls, c.colour!)]++;
        total++;
      }
    const byRank = JFT_RANKED.map((f) => draws[f] / total);
    const top8 = byRank.slice(0, 8).reduce((a, b) => a + b, 0);
    expect(Math.abs(top8 - zipfTopShare(8))).toBeLessThan(0.015); // analytic 0.547
    const h = weights.reduce((a, b) => a + b, 0);
    for (let r = 0; r < 5; r++) expect(Math.abs(byRank[r] - weights[r] / h) / (weights[r] / h)).toBeLessThan(0.08);
    // Head over the mean of the ten rarest classes, against the same analytic ratio (~76).
    const tailMean = (xs: number[]) => xs.slice(70).reduce((a, b) => a + b, 0) / 10;
    const expected = weights[0] / tailMean(weights);
    expect(Math.abs(byRank[0] / tailMean(byRank) - expected) / expected).toBeLessThan(0.2);
    expect(draws.every((d) => d > 0)).toBe(true);
  });

  it('labels every visible object with its fine class and parent, 10% with one wrong fine label', () => {
    const n = 3_000;
    let noisy = 0;
    const objects = new Set<number>();
    for (const s of samples(source('jft'), n)) {
      objects.add(s.scene.objects.length);
      const fine = s.labels.filter((l) => l < NUM_FINE);
      const parents = s.labels.filter((l) => l >= NUM_FINE);
      // Hierarchy: exactly the parents of the fine labels.
      expect(sorted(parents)).toEqual(sorted([...new Set(fine.map(parentOf))]));
      const cleanFine = s.cleanLabels.filter((l) => l < NUM_FINE);
      expect(cleanFine).toEqual([...new Set(s.scene.objects.map((o) => fineClass(o.cls, o.colour)))]);
      expect(sorted([...new Set(cleanFine.map(shapeOfFine))])).toEqual(shapesInMask(s.mask));
      if (s.labelNoise) {
        noisy++;
        expect(fine).toHaveLength(cleanFine.length);
        expect(fine.filter((f, k) => f !== cleanFine[k])).toHaveLength(1);
      } else expect(s.labels).toEqual(s.cleanLabels);
    }
    expect([...objects].sort()).toEqual([1, 2, 3]);
    expect(Math.abs(noisy / n - DATASET_INFO.jft.labelNoise)).toBeLessThan(4 * sd(0.1, n));
  });
});

/** How a noisy caption differs from the clean one, read from the words alone. */
function classify(clean: string, noisy: string): 'clean' | 'wrongWord' | 'droppedWord' | 'unrelated' {
  if (noisy === clean) return 'clean';
  const a = clean.split(' ');
  const b = noisy.split(' ');
  if (a.length === b.length && a.filter((w, i) => w !== b[i]).length === 1) return 'wrongWord';
  if (b.length === a.length - 1 && a.some((_, i) => [...a.slice(0, i), ...a.slice(i + 1)].join(' ') === noisy)) return 'droppedWord';
  return 'unrelated';
}

describe('ALIGN-like', () => {
  it('has noisy alt-text at the documented rates, distractors unmentioned, off-frame objects, caption-derived labels', () => {
    const n = 3_000;
    const rates = { clean: 0, wrongWord: 0, droppedWord: 0, unrelated: 0 };
    let agree = 0;
    let wrongLabels = 0;
    let unmentionedInMask = 0;
    let cut = 0;
    let objects = 0;
    for (const s of samples(source('align'), n)) {
      const kind = classify(s.cleanCaption, s.caption);
      rates[kind]++;
      if (kind === (s.captionNoise ?? 'clean')) agree++;
      // Captions name the captioned objects only: one shape word each, distractors never.
      expect(s.cleanCaption).toBe(captionFor(s.scene.objects));
      expect(s.labels).toEqual(shapesNamedIn(s.caption));
      const main = new Set(s.scene.objects.map((o) => o.cls));
      expect(shapesInMask(s.mask)).toEqual(sorted([...new Set([...main, ...s.scene.distractors.map((d) => d.cls)])]));
      if (s.scene.distractors.some((d) => !main.has(d.cls))) unmentionedInMask++;
      if (sorted(s.labels).join() !== sorted([...main]).join()) wrongLabels++;
      for (const o of s.scene.objects) {
        objects++;
        if (o.x < o.size / 2 || o.x > 1 - o.size / 2 || o.y < o.size / 2 || o.y > 1 - o.size / 2) cut++;
      }
    }
    const noise = DATASET_INFO.align.captionNoise!;
    for (const key of ['wrongWord', 'droppedWord', 'unrelated'] as const)
      expect(Math.abs(rates[key] / n - noise[key]), key).toBeLessThan(4 * sd(noise[key], n));
    // The text alone identifies the corruption almost always (an unrelated caption can look like a one-word change).
    expect(agree / n).toBeGreaterThan(0.98);
    expect(Math.abs(wrongLabels / n - DATASET_INFO.align.labelNoise)).toBeLessThan(0.03);
    expect(unmentionedInMask / n).toBeGreaterThan(0.5);
    expect(cut / objects).toBeGreaterThan(0.4);
    expect(DATASET_INFO.align.labels).toBe('caption-derived');
  });
});

describe('label-space helpers', () => {
  it('map fine classes to names, shapes, colours and parents', () => {
    expect(FINE_CLASSES).toHaveLength(80);
    expect(FINE_CLASSES[fineClass(SHAPE_CLASSES.indexOf('star'), 4)]).toBe('blue star');
    for (let f = 0; f < NUM_FINE; f++) {
      expect(FINE_CLASSES[f]).toBe(`${FINE_CLASSES[f].split(' ')[0]} ${SHAPE_CLASSES[shapeOfFine(f)]}`);
      expect(DATASET_INFO.jft.classNames[parentOf(f)]).toBe(SHAPE_CLASSES[shapeOfFine(f)]);
    }
    expect(sorted(JFT_RANKED)).toEqual(Array.from({ length: NUM_FINE }, (_, i) => i));
    expect(JFT_CLASS_PROBS.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('noise helpers', () => {
  const clean = 'a large red striped circle and a small blue square';
  const none = { wrongWord: 0, droppedWord: 0, unrelated: 0 };

  it('corruptCaption applies exactly the corruption its rate forces', () => {
    for (let i = 0; i < 50; i++) {
      const rng = () => new Rng(i);
      expect(corruptCaption(clean, rng(), none)).toEqual({ caption: clean, noise: null });
      const w = corruptCaption(clean, rng(), { ...none, wrongWord: 1 });
      expect([w.noise, classify(clean, w.caption)]).toEqual(['wrongWord', 'wrongWord']);
      const d = corruptCaption(clean, rng(), { ...none, droppedWord: 1 });
      expect([d.noise, classify(clean, d.caption)]).toEqual(['droppedWord', 'droppedWord']);
      const u = corruptCaption(clean, rng(), { ...none, unrelated: 1 });
      expect(u.noise).toBe('unrelated');
      expect(u.caption).not.toBe(clean);
    }
    // Nothing to replace or drop in an empty caption.
    expect(corruptCaption('', new Rng(0), { ...none, wrongWord: 1 })).toEqual({ caption: '', noise: null });
  });

  it('checkCaptionNoise names the bad rate', () => {
    expect(() => checkCaptionNoise({ ...none, droppedWord: 1.5 })).toThrow(/captionNoise\.droppedWord must be a number in 0\.\.1, got 1\.5/);
    expect(() => checkCaptionNoise({ wrongWord: 0.5, droppedWord: 0.4, unrelated: 0.2 })).toThrow(/sum to at most 1/);
  });

  it('jftAnnotation swaps one fine label for an absent class and keeps parents in step', () => {
    const fine = [fineClass(0, 0), fineClass(3, 2)];
    for (let i = 0; i < 100; i++) {
      const a = jftAnnotation(fine, new Rng(i), 1);
      expect(a.noisy).toBe(true);
      expect(a.clean).toEqual([...fine, parentOf(fine[0]), parentOf(fine[1])]);
      const noisyFine = a.labels.filter((l) => l < NUM_FINE);
      expect(noisyFine.filter((f) => !fine.includes(f))).toHaveLength(1);
      expect(a.labels.filter((l) => l >= NUM_FINE)).toEqual([...new Set(noisyFine.map(parentOf))]);
      expect(jftAnnotation(fine, new Rng(i), 0)).toEqual({ labels: a.clean, clean: a.clean, noisy: false });
    }
    expect(jftAnnotation([], new Rng(0), 1)).toEqual({ labels: [], clean: [], noisy: false });
  });
});
