/**
 * What the menus and `floplab.methods()` show about each method. Kept free of
 * tfjs so the page bundle never loads it (tfjs lives in the worker); each method
 * file takes its label, paper and summary from here, and a test holds the
 * `implemented` flags equal to the registry of implementations.
 */
import type { MethodId } from '../train/config';

export interface MethodMeta {
  label: string;
  paper: string;
  summary: string;
  implemented: boolean;
}

export const CATALOG: Record<MethodId, MethodMeta> = {
  supervised: {
    label: 'Supervised classification',
    paper: 'https://arxiv.org/abs/2010.11929',
    summary: 'Softmax classifier on the class token; labels averaged over objects, smoothed by 0.1 (ViT / paper A.3).',
    implemented: true,
  },
  mae: { label: 'MAE (masked autoencoder)', paper: 'https://arxiv.org/abs/2111.06377', summary: 'Reconstructs masked patches from the visible ones.', implemented: true },
  simclr: { label: 'SimCLR', paper: 'https://arxiv.org/abs/2002.05709', summary: 'Contrastive: two augmented views attract, other images repel (NT-Xent).', implemented: true },
  byol: { label: 'BYOL', paper: 'https://arxiv.org/abs/2006.07733', summary: 'Predicts an EMA target network’s projection of another view; no negatives.', implemented: true },
  dino: { label: 'DINO', paper: 'https://arxiv.org/abs/2104.14294', summary: 'Self-distillation across multi-crop views with a centred, sharpened EMA teacher.', implemented: true },
  clip: { label: 'CLIP', paper: 'https://arxiv.org/abs/2103.00020', summary: 'Contrastive image–caption matching with a small text transformer.', implemented: false },
};

export interface MethodInfo {
  id: MethodId;
  label: string;
  available: boolean;
  why?: string;
  paper: string;
  summary: string;
}

export function listMethods(): MethodInfo[] {
  return (Object.keys(CATALOG) as MethodId[]).map((id) => {
    const m = CATALOG[id];
    const info: MethodInfo = { id, label: m.label, available: m.implemented, paper: m.paper, summary: m.summary };
    if (!m.implemented) info.why = 'not implemented yet in this version of the lab';
    return info;
  });
}
