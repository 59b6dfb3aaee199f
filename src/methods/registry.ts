/**
 * Implementations of the pre-training methods, by id (worker side: these import
 * tfjs). A new method is one file plus one line here and its catalog entry.
 */
import type { MethodId } from '../train/config';
import { byol } from './byol';
import { clip } from './clip';
import { dino } from './dino';
import { mae } from './mae';
import { simclr } from './simclr';
import { supervised } from './supervised';
import type { Method } from './types';

export const METHODS: Partial<Record<MethodId, Method>> = {
  supervised: supervised as unknown as Method,
  simclr: simclr as unknown as Method,
  byol: byol as unknown as Method,
  dino: dino as unknown as Method,
  mae: mae as unknown as Method,
  clip: clip as unknown as Method,
};

export function getMethod(id: MethodId): Method {
  const m = METHODS[id];
  if (!m) throw new Error(`method: '${id}' is not available yet (available: ${Object.keys(METHODS).join(', ')})`);
  return m;
}
