/**
 * Registry of pre-training methods: one typed table drives the menus, the API's
 * `methods()` listing and config validation. A new method is one file plus one
 * line here.
 */
import type { MethodId } from '../train/config';
import { supervised } from './supervised';
import type { Method } from './types';

export const METHODS: Partial<Record<MethodId, Method>> = {
  supervised: supervised as unknown as Method,
};

/** Methods of the paper not yet implemented, with the reason shown to users. */
const PLANNED: Record<MethodId, string> = {
  supervised: 'Supervised classification',
  mae: 'MAE (masked autoencoder)',
  simclr: 'SimCLR',
  byol: 'BYOL',
  dino: 'DINO',
  clip: 'CLIP',
};

export interface MethodInfo {
  id: MethodId;
  label: string;
  available: boolean;
  why?: string;
  paper?: string;
  summary?: string;
}

export function listMethods(): MethodInfo[] {
  return (Object.keys(PLANNED) as MethodId[]).map((id) => {
    const m = METHODS[id];
    return m
      ? { id, label: m.label, available: true, paper: m.paper, summary: m.summary }
      : { id, label: PLANNED[id], available: false, why: 'not implemented yet in this version of the lab' };
  });
}

export function getMethod(id: MethodId): Method {
  const m = METHODS[id];
  if (!m) throw new Error(`method: '${id}' is not available yet (available: ${Object.keys(METHODS).join(', ')})`);
  return m;
}
