/** Each dataset preset's defining statistics against its documented values (docs/datasets.md). */
import { describe, expect, it } from 'vitest';
import { Rng, hashSeed } from '../src/engine/rng';
import { checkCaptionNoise, corruptCaption } from '../src/data/captionNoise';
import { captionFor, shapesNamedIn } from '../src/data/captions';
import { SceneSource, type AnnotatedSample } from '../src/data/dataset';
import {
  FINE_CLASSES,
  JFT_CLASS_PROBS,
  JFT_RANKED,
  NUM_FINE,
  colourOfFine,
  fineClass,
  jftAnnotation,
  parentOf,
  shapeOfFine,
  zipfTopShare,
  zipfWeights,
} from '../src/data/labelSpace';
import { DATASET_INFO, createProbeSource, presetSceneOptions } from '../src/data/presets';
import { SHAPE_CLASSES, sampledClasses } from '../src/data/scenes';
import { S, source, samples, shapesInMask, sorted, sd } from './presetHelpers';

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
