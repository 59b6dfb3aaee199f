/**
 * Collapse detection: whether a logged step of a run shows its representation collapsed,
 * by the method's own rule (its catalog entry's `collapse`, from the loss and the monitors
 * it reports). Pure, so the runner, the page and the signal report share one verdict.
 */
import { methodSpec } from '../methods/catalog';
import type { TrainRecord } from './records';

/** The sentence naming the sign of collapse at this record, or null (also for a method without a rule). */
export function collapseAt(method: string, options: Record<string, unknown>, record: Pick<TrainRecord, 'loss' | 'monitors'>): string | null {
  const rule = methodSpec(method)?.collapse;
  if (!rule || !record.monitors) return null;
  return rule({ loss: record.loss, monitors: record.monitors }, options);
}
