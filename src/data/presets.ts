/**
 * The dataset presets: toy analogues of the paper's pre-training datasets,
 * from small and curated to huge and barely filtered, all procedural scenes
 * generated on the fly by (seed, index). Each preset is scene options (what
 * the pixels look like) plus an annotator (what labels and caption the
 * dataset gives them); DATASET_INFO documents both, and tests/presets.test.ts
 * measures every documented number over a sample.
 *
 * Sizes are unique images (the pool indices are drawn from); the defaults keep
 * the paper's ordering, COCO < IN-1K < IN-21K (10x) < JFT < ALIGN, not its scale.
 * Masks always hold shape classes (0 background, k+1 shape k), distractors
 * included, whatever the label space.
 */
import { hashSeed } from '../engine/rng';
import { shapesNamedIn } from './captions';
import { checkCaptionNoise, corruptCaption } from './captionNoise';
import { SceneDataset, SceneSource, shapesInfo, sceneAnnotation, type Annotator } from './dataset';
import { FINE_CLASSES, JFT_CLASS_NAMES, JFT_HEAD_TO_TAIL, NUM_FINE, colourOfFine, fineClass, jftAnnotation, sampleJftFine, shapeOfFine } from './labelSpace';
import { SHAPE_CLASSES, type SceneOptions } from './scenes';
import { DATASET_IDS, type DataSource, type DatasetId, type DatasetInfo } from './source';

export type PresetId = Exclude<DatasetId, 'imported'>;

export interface DatasetSpecInput {
  preset: DatasetId;
  size?: number;
  numClasses?: number;
  maxObjects?: number;
}

/** The largest pool a config may ask for (the config schema's bound too). */
export const MAX_DATASET_SIZE = 10_000_000;
const JFT_LABEL_NOISE = 0.1;
const ALIGN_CAPTION_NOISE = checkCaptionNoise({ wrongWord: 0.2, droppedWord: 0.2, unrelated: 0.1 });
/**
 * Share of ALIGN-like images whose caption-derived labels differ from the
 * shapes of the captioned objects: a consequence of the caption noise (an
 * unrelated caption, a shape word replaced, added or dropped), measured over
 * 4,000 images (0.2175 at 16 and 32 px) and held by a test, not a parameter.
 */
const ALIGN_LABEL_NOISE = 0.22;

const base = { headToTail: 1, labelNoise: 0, captionNoise: null, hierarchy: false } as const;

export const DATASET_INFO: Record<PresetId, DatasetInfo> = {
  coco: {
    ...base,
    id: 'coco',
    name: 'COCO-like',
    mirrors: 'COCO (118k images, 80 object classes, 5 captions each)',
    description: 'A small fixed pool of cluttered scenes: 2-5 objects anywhere, every visible shape labelled, with a clean descriptive caption.',
    defaultSize: 2_000,
    numClasses: SHAPE_CLASSES.length,
    classNames: SHAPE_CLASSES,
    labels: 'multi',
    captions: 'descriptive',
    objectsPerImage: [2, 5],
    centred: false,
  },
  'imagenet-1k': {
    ...base,
    id: 'imagenet-1k',
    name: 'ImageNet-1K-like',
    mirrors: 'ImageNet-1K (1.28M images, 1000 classes)',
    description: 'Curated: one centred, well-framed object on a plain or gradient background; 10 balanced shape classes; one label, no captions.',
    defaultSize: 20_000,
    numClasses: SHAPE_CLASSES.length,
    classNames: SHAPE_CLASSES,
    labels: 'single',
    captions: 'none',
    objectsPerImage: [1, 1],
    centred: true,
  },
  'imagenet-21k': {
    ...base,
    id: 'imagenet-21k',
    name: 'ImageNet-21K-like',
    mirrors: 'ImageNet-21K (14M images, 21k classes)',
    description:
      'Curated like ImageNet-1K-like with 10x the images and finer classes: 80 balanced colour-and-shape classes ("red circle"); one label, no captions.',
    defaultSize: 200_000,
    numClasses: NUM_FINE,
    classNames: FINE_CLASSES,
    labels: 'single',
    captions: 'none',
    objectsPerImage: [1, 1],
    centred: true,
  },
  jft: {
    ...base,
    id: 'jft',
    name: 'JFT-like',
    mirrors: 'JFT-300M (300M images, 18k classes, multi-label, noisy, hierarchical)',
    description:
      '1-3 objects anywhere, every one labelled with its fine class (colour and shape) and its parent shape; fine classes are long-tailed ' +
      '(Zipf, head 80x the tail) and 10% of images have one wrong fine label. No captions.',
    defaultSize: 3_000_000,
    numClasses: JFT_CLASS_NAMES.length,
    classNames: JFT_CLASS_NAMES,
    labels: 'multi',
    captions: 'none',
    objectsPerImage: [1, 3],
    centred: false,
    headToTail: JFT_HEAD_TO_TAIL,
    labelNoise: JFT_LABEL_NOISE,
    hierarchy: true,
  },
  align: {
    ...base,
    id: 'align',
    name: 'ALIGN-like',
    mirrors: 'ALIGN (1.8B image/alt-text pairs, no class labels)',
    description:
      'Uncurated: 1-4 captioned objects placed like random crops (often cut off), plus 1-2 small distractors the caption does not mention; ' +
      'noisy alt-text captions and no class labels. Label-trained methods use the shape words of the caption (none named: no label).',
    defaultSize: MAX_DATASET_SIZE,
    numClasses: SHAPE_CLASSES.length,
    classNames: SHAPE_CLASSES,
    labels: 'caption-derived',
    captions: 'alt-text',
    objectsPerImage: [1, 4],
    centred: false,
    labelNoise: ALIGN_LABEL_NOISE,
    captionNoise: ALIGN_CAPTION_NOISE,
  },
  shapes: shapesInfo(SHAPE_CLASSES.length, 1),
};

/** Order of listDatasets(): the paper's datasets by size, then the free-form family. */
const LIST_ORDER: readonly PresetId[] = ['coco', 'imagenet-1k', 'imagenet-21k', 'jft', 'align', 'shapes'];

export function listDatasets(): DatasetInfo[] {
  return LIST_ORDER.map((id) => DATASET_INFO[id]);
}

/** A uniform draw over the 80 colour-and-shape classes. */
const uniformFine = (rng: { int(n: number): number }) => {
  const fine = rng.int(NUM_FINE);
  return { cls: shapeOfFine(fine), colour: colourOfFine(fine) };
};

const jftSampler = (rng: Parameters<typeof sampleJftFine>[0]) => {
  const fine = sampleJftFine(rng);
  return { cls: shapeOfFine(fine), colour: colourOfFine(fine) };
};

/** Fine classes of the visible objects, first-seen order. */
function visibleFine(objects: readonly { cls: number; colour: number }[]): number[] {
  const out: number[] = [];
  for (const o of objects) {
    const f = fineClass(o.cls, o.colour);
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

interface PresetRecipe {
  scene: Omit<SceneOptions, 'imageSize'>;
  annotate: Annotator;
}

const n = SHAPE_CLASSES.length;
const RECIPES: Record<Exclude<PresetId, 'shapes'>, PresetRecipe> = {
  coco: { scene: { numClasses: n, minObjects: 2, maxObjects: 5, background: 'mixed' }, annotate: sceneAnnotation },
  'imagenet-1k': {
    scene: { numClasses: n, maxObjects: 1, centred: true, background: 'clean' },
    annotate: (s) => ({ labels: s.labels, caption: '' }),
  },
  'imagenet-21k': {
    scene: { numClasses: n, maxObjects: 1, centred: true, background: 'clean', classSampler: uniformFine },
    annotate: (s) => ({ labels: visibleFine(s.objects), caption: '' }),
  },
  jft: {
    scene: { numClasses: n, minObjects: 1, maxObjects: 3, background: 'mixed', classSampler: jftSampler },
    annotate: (s, rng) => {
      const a = jftAnnotation(visibleFine(s.objects), rng.split('labels'), JFT_LABEL_NOISE);
      return { labels: a.labels, cleanLabels: a.clean, labelNoise: a.noisy, caption: '' };
    },
  },
  align: {
    scene: { numClasses: n, minObjects: 1, maxObjects: 4, background: 'mixed', placement: 'crop', distractors: [1, 2] },
    annotate: (s, rng) => {
      const c = corruptCaption(s.caption, rng.split('caption'), ALIGN_CAPTION_NOISE, 4);
      return { labels: shapesNamedIn(c.caption), cleanLabels: s.labels, caption: c.caption, cleanCaption: s.caption, captionNoise: c.noise };
    },
  },
};

/** Scene options of a preset at `imageSize` (not 'shapes', whose options are parameters). */
export function presetSceneOptions(preset: Exclude<PresetId, 'shapes'>, imageSize: number): SceneOptions {
  return { imageSize, ...RECIPES[preset].scene };
}

export type ImportedProvider = (imageSize: number, seed: number, stream: string) => DataSource | null;
let importedProvider: ImportedProvider | null = null;

/** Where preset 'imported' comes from (the worker's imported image set); null unregisters. */
export function registerImportedProvider(fn: ImportedProvider | null): void {
  importedProvider = fn;
}

function checkInt(field: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi)
    throw new Error(`${field} must be an integer in ${lo}..${hi}, got ${String(value)}`);
  return value;
}

/**
 * The pool of a dataset spec. `stream` separates pools drawn from one
 * experiment seed; scene i of a procedural preset is scene i of
 * hashSeed(seed, 'dataset', stream, preset) ('shapes' keeps the seed of the
 * original SceneDataset, hashSeed(seed, 'dataset', stream), so its images are unchanged).
 */
export function createDataSource(spec: DatasetSpecInput, imageSize: number, seed: number, stream = 'pretrain'): DataSource {
  if (typeof spec !== 'object' || spec === null) throw new Error('dataset must be an object with a preset');
  const preset = spec.preset;
  if (!(DATASET_IDS as readonly string[]).includes(preset)) throw new Error(`dataset.preset must be one of ${DATASET_IDS.join(', ')}, got ${String(preset)}`);
  checkInt('imageSize', imageSize, 8, 512);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (preset !== 'shapes')
    for (const field of ['numClasses', 'maxObjects'] as const)
      if (spec[field] !== undefined)
        throw new Error(`dataset.${field} is fixed by the ${preset} preset (only the 'shapes' preset takes it), got ${spec[field]}`);
  if (preset === 'imported') {
    const source = importedProvider?.(imageSize, seed, stream) ?? null;
    if (source === null) throw new Error(`dataset.preset 'imported' needs images: import a folder or zip first`);
    return source;
  }
  const size = spec.size === undefined ? DATASET_INFO[preset].defaultSize : checkInt('dataset.size', spec.size, 1, MAX_DATASET_SIZE);
  if (preset === 'shapes') {
    const numClasses = spec.numClasses === undefined ? 10 : checkInt('dataset.numClasses', spec.numClasses, 2, SHAPE_CLASSES.length);
    const maxObjects = spec.maxObjects === undefined ? 1 : checkInt('dataset.maxObjects', spec.maxObjects, 1, 6);
    return new SceneDataset({ preset: 'shapes', size, numClasses, maxObjects }, imageSize, seed, stream);
  }
  const recipe = RECIPES[preset];
  return new SceneSource(DATASET_INFO[preset], size, { imageSize, ...recipe.scene }, hashSeed(seed, 'dataset', stream, preset), recipe.annotate);
}

/**
 * The probe's objects: as large as the curated presets' (0.4-0.7 of the side), anywhere in the
 * frame. Centred objects let raw-pixel template matching score 49.6 % (kNN), above every
 * pooled readout of a self-supervised encoder; placed anywhere, raw pixels score about 20-26 %
 * (kNN, 3 seeds), so what a probe finds beyond that is the encoder's, and invariance counts.
 * Fixed before any method was ranked on it (docs/recipes.md).
 */
export const PROBE_OBJECT_SIZE: readonly [number, number] = [0.4, 0.7];

/** The probe task's documented character. */
export const PROBE_INFO: DatasetInfo = {
  ...shapesInfo(SHAPE_CLASSES.length, 1),
  name: 'Probe set (held-out shapes)',
  mirrors: 'the downstream classification task of a linear / kNN probe',
  description:
    'One object anywhere in the frame, 0.4-0.7 of the side, 10 balanced shape classes, mixed backgrounds, one label: the same task ' +
    'whatever the pre-training dataset, so datasets are compared on one downstream measure; off-centre, so raw-pixel templates score low.',
  centred: false,
  defaultSize: 100_000,
};

/**
 * The held-out probe pool for stream `stream` ('probe-train', 'probe-test'):
 * fixed whatever the preset pre-trained on, so that different pre-training
 * datasets are compared on one downstream task (as the paper evaluates all
 * its datasets on the same benchmarks). Objects are placed anywhere (PROBE_OBJECT_SIZE);
 * scene i keeps the class and style of the original centred probe's scene i (the same
 * streams), only its place and size differ.
 */
export function createProbeSource(imageSize: number, seed: number, stream: string): DataSource {
  checkInt('imageSize', imageSize, 8, 512);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (stream === 'pretrain') throw new Error(`probe stream must differ from the pre-training stream 'pretrain'`);
  const sceneOptions: SceneOptions = { imageSize, numClasses: SHAPE_CLASSES.length, maxObjects: 1, centred: false, objectSize: PROBE_OBJECT_SIZE };
  return new SceneSource(PROBE_INFO, PROBE_INFO.defaultSize, sceneOptions, hashSeed(seed, 'dataset', stream));
}
