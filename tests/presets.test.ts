/** The dataset presets' contract: documented info, determinism, the probe's fixed images, errors that name the field. */
import { afterEach, describe, expect, it } from 'vitest';
import { hashSeed } from '../src/engine/rng';
import { SceneDataset, SceneSource } from '../src/data/dataset';
import { FINE_CLASSES, NUM_FINE } from '../src/data/labelSpace';
import {
  DATASET_INFO,
  MAX_DATASET_SIZE,
  PROBE_INFO,
  PROBE_OBJECT_SIZE,
  createDataSource,
  createProbeSource,
  listDatasets,
  registerImportedProvider,
  type PresetId,
} from '../src/data/presets';
import { SHAPE_CLASSES, generateScene, sceneDigest } from '../src/data/scenes';
import { DATASET_IDS, type DataSource } from '../src/data/source';
import { S, PRESETS, source, bytesEqual, samples, sd } from './presetHelpers';

describe('DATASET_INFO', () => {
  it('documents every procedural preset consistently', () => {
    expect(
      listDatasets()
        .map((d) => d.id)
        .sort(),
    ).toEqual(DATASET_IDS.filter((d) => d !== 'imported').sort());
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
