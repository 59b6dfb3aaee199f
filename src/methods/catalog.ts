/**
 * What the menus and `floplab.methods()` show about each method. Kept free of
 * tfjs so the page bundle never loads it (tfjs lives in the worker); each method
 * file takes its label, paper and summary from here, and a test holds the
 * `implemented` flags equal to the registry of implementations.
 */
import type { MethodId } from '../train/config';

/** A method option the experiment panel offers (the method file documents every default; a test holds these equal). */
export interface OptionMeta {
  key: string;
  label: string;
  kind: 'number' | 'choice' | 'boolean';
  default: number | string | boolean;
  choices?: readonly (string | number)[];
  min?: number;
  max?: number;
  step?: number;
  help: string;
}

export interface MethodMeta {
  label: string;
  paper: string;
  summary: string;
  /** What the method reaches at the lab's default experiment (measured by `npm run signal`; docs/recipes.md). */
  atLabScale: string;
  implemented: boolean;
  options: OptionMeta[];
}

export const CATALOG: Record<MethodId, MethodMeta> = {
  supervised: {
    label: 'Supervised classification',
    paper: 'https://arxiv.org/abs/2010.11929',
    summary: 'Softmax classifier on the class token; labels averaged over objects, smoothed by 0.1 (ViT / paper A.3).',
    implemented: true,
    atLabScale:
      'kNN probe about 87 % after 1,000 steps, from about 15-20 % at random init (median of 3 seeds; npm run signal).',
    options: [
      { key: 'labelSmoothing', label: 'Label smoothing', kind: 'number', default: 0.1, min: 0, max: 0.5, step: 0.05, help: 'Paper A.3: 0.1' },
      { key: 'cropScale', label: 'Min crop area', kind: 'number', default: 1, min: 0.08, max: 1, step: 0.05, help: 'Random resized crop, smallest area; 1 = flip only. Paper: crop-resize (I1K 0.08); toy default 1, since a short run sees each image about twice' },
    ],
  },
  mae: { label: 'MAE (masked autoencoder)', paper: 'https://arxiv.org/abs/2111.06377', summary: 'Reconstructs masked patches from the visible ones.',
    implemented: true,
    atLabScale:
      "the class token's kNN probe stays at or below its random-init level (about 12 % vs 15-20 %): MAE trains patch tokens, which the dense patch probe shows improving (patch mIoU about 16 -> 18.6). The lab's +15-point target is not reached at this budget (docs/recipes.md).",
    options: [
      { key: 'maskRatio', label: 'Mask ratio', kind: 'choice', default: 0.75, choices: [0.55, 0.65, 0.75, 0.85], help: 'The paper sweeps 55/65/75/85%' },
      { key: 'decoder', label: 'Decoder', kind: 'choice', default: 'standard', choices: ['standard', 'tiny'], help: 'standard ~ the 8-layer decoder; tiny = 1 layer' },
      { key: 'normPixLoss', label: 'Normalised pixel targets', kind: 'boolean', default: true, help: 'Per-patch mean/variance normalised targets' },
    ],
  },
  simclr: { label: 'SimCLR', paper: 'https://arxiv.org/abs/2002.05709', summary: 'Contrastive: two augmented views attract, other images repel (NT-Xent).',
    implemented: true,
    atLabScale:
      'kNN probe about 24 %, 3-10 points above random init (median +4): the colour shortcut is removed, but +15 is not reached at this budget (docs/recipes.md).',
    options: [{ key: 'temperature', label: 'Temperature', kind: 'number', default: 0.5, min: 0.01, max: 2, step: 0.05, help: 'NT-Xent temperature (SimCLR: 0.1 on ImageNet, 0.5 on CIFAR-10; toy default 0.5)' }],
  },
  byol: { label: 'BYOL', paper: 'https://arxiv.org/abs/2006.07733', summary: 'Predicts an EMA target network’s projection of another view; no negatives.',
    implemented: true,
    atLabScale:
      'kNN probe about 17-20 %, within noise of random init: its predictor and EMA target need more steps than the default budget buys (docs/recipes.md).',
    options: [{ key: 'baseMomentum', label: 'Target EMA (base)', kind: 'number', default: 0.99, min: 0.9, max: 0.9999, step: 0.001, help: 'Paper A.3: 0.99 (JFT/ALIGN), 0.996 (I1K), 0.97 (COCO); rises to 1 by cosine' }],
  },
  dino: { label: 'DINO', paper: 'https://arxiv.org/abs/2104.14294', summary: 'Self-distillation across multi-crop views with a centred, sharpened EMA teacher.',
    implemented: true,
    atLabScale:
      'kNN probe about 18-20 %, within a few points of random init: its EMA teacher needs more steps than the default budget buys (docs/recipes.md).',
    options: [
      { key: 'localCrops', label: 'Local crops', kind: 'number', default: 2, min: 0, max: 10, step: 1, help: 'Small crops the student sees (paper: 10; toy default 2)' },
      { key: 'teacherTemp', label: 'Teacher temperature', kind: 'number', default: 0.04, min: 0.01, max: 0.1, step: 0.01, help: 'After warm-up; DINO: 0.04-0.07' },
    ],
  },
  clip: { label: 'CLIP', paper: 'https://arxiv.org/abs/2103.00020', summary: 'Contrastive image–caption matching with a small text transformer.',
    implemented: true,
    atLabScale:
      'kNN probe about 80 % with pseudo-captions, which name the shape (median of 3 seeds; npm run signal).',
    options: [
      { key: 'textSize', label: 'Text encoder', kind: 'choice', default: 'mini', choices: ['mini', 'medium'], help: 'mini ~ 4-layer/256-d, medium ~ 8-layer/512-d' },
      { key: 'captionSource', label: 'Captions', kind: 'choice', default: 'auto', choices: ['auto', 'pseudo', 'scene'], help: 'auto: the dataset\'s captions where it has them, else pseudo; pseudo: "this is a photo of <label> and ..."; scene: the dataset\'s captions' },
    ],
  },
};

export interface MethodInfo {
  id: MethodId;
  label: string;
  available: boolean;
  why?: string;
  paper: string;
  summary: string;
  atLabScale: string;
}

export function listMethods(): MethodInfo[] {
  return (Object.keys(CATALOG) as MethodId[]).map((id) => {
    const m = CATALOG[id];
    const info: MethodInfo = { id, label: m.label, available: m.implemented, paper: m.paper, summary: m.summary, atLabScale: m.atLabScale };
    if (!m.implemented) info.why = 'not implemented yet in this version of the lab';
    return info;
  });
}
