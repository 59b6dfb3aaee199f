/**
 * Confidence intervals for probe accuracies. A probe's top-1 accuracy is a
 * binomial proportion (correct of total test images), so its uncertainty from
 * the finite test set is given by the Wilson score interval (Wilson 1927): unlike
 * the normal "p ± z·se" interval it stays inside [0, 1] and is not empty at 0 or
 * at 100%. It covers sampling noise of the test set only, not seed-to-seed
 * variation of pre-training.
 */

/** z of a two-sided 95% interval: the standard normal's 0.975 quantile. */
export const Z95 = 1.959963984540054;

/** Wilson score interval [lo, hi] for `correct` successes out of `total` trials. */
export function wilsonInterval(correct: number, total: number, z = Z95): [number, number] {
  if (!Number.isInteger(total) || total < 0) throw new Error(`wilsonInterval: total must be a non-negative integer, got ${total}`);
  if (!Number.isInteger(correct) || correct < 0 || correct > total)
    throw new Error(`wilsonInterval: correct must be an integer in 0..${total}, got ${correct}`);
  if (!(z > 0)) throw new Error(`wilsonInterval: z must be > 0, got ${z}`);
  if (total === 0) return [0, 1];
  const p = correct / total;
  const z2n = (z * z) / total;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / total + z2n / (4 * total));
  // At 0 or total correct one end is exact; elsewhere rounding must not leave [0, 1].
  const lo = correct === 0 ? 0 : Math.max(0, centre - half);
  const hi = correct === total ? 1 : Math.min(1, centre + half);
  return [lo, hi];
}

/** A probe's outcome on its test set: top-1 accuracy, the counts behind it and its 95% Wilson interval. */
export interface ProbeScore {
  accuracy: number;
  correct: number;
  total: number;
  interval: [number, number];
}

/** Scores predicted classes against labels (same length). */
export function scorePredictions(pred: ArrayLike<number>, labels: ArrayLike<number>): ProbeScore {
  if (pred.length !== labels.length) throw new Error(`scorePredictions: ${pred.length} predictions for ${labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
  const total = pred.length;
  return { accuracy: total > 0 ? correct / total : 0, correct, total, interval: wilsonInterval(correct, total) };
}
