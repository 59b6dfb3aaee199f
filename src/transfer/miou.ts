/**
 * Mean intersection-over-union from a confusion matrix (pure TypeScript, no tfjs).
 *
 * Convention (the lab's, stated in the README):
 * - pixels whose truth is `ignoreIndex` (255: outside the image after a
 *   rescale-crop) are left out entirely, whatever was predicted there;
 * - a class's IoU = TP / (TP + FP + FN) = cm[c][c] / (row c + column c - cm[c][c]);
 * - a class absent from both truth and prediction (empty union) has IoU null and
 *   is left out of the mean: it is neither a free 1 nor a penalty 0;
 * - a class only predicted (never in the truth) has union > 0 and IoU 0, and
 *   counts: false positives are punished;
 * - background (class 0) is a class like any other, as in Pascal VOC.
 * mIoU is the mean over the classes whose IoU is not null. This is the
 * dataset-level mIoU of mmsegmentation: one confusion matrix accumulated over
 * every validation image, not a mean of per-image mIoUs.
 */

export interface MiouResult {
  /** Mean IoU over classes with a non-empty union, in [0, 1]. */
  miou: number;
  /** IoU per class; null where the class is absent from both truth and prediction. */
  perClass: (number | null)[];
  /** Correct pixels over labelled (non-ignored) pixels. */
  pixelAccuracy: number;
}

/**
 * Counts (truth, prediction) pairs: cm[t * numClasses + p]. Adds into `into`
 * when given (to accumulate over batches). Truth pixels equal to ignoreIndex are
 * skipped; any other value outside 0..numClasses-1, in truth or prediction, is an error.
 */
export function confusionMatrix(pred: ArrayLike<number>, truth: ArrayLike<number>, numClasses: number, ignoreIndex = 255, into?: Float64Array): Float64Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`confusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
  if (pred.length !== truth.length) throw new Error(`confusionMatrix: pred has ${pred.length} pixels but truth has ${truth.length}`);
  const cm = into ?? new Float64Array(numClasses * numClasses);
  if (cm.length !== numClasses * numClasses) throw new Error(`confusionMatrix: into has ${cm.length} cells, expected ${numClasses * numClasses}`);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (t === ignoreIndex) continue;
    const p = pred[i];
    if (!(Number.isInteger(t) && t >= 0 && t < numClasses))
      throw new Error(`confusionMatrix: truth[${i}] = ${t} is not a class in 0..${numClasses - 1} nor ignoreIndex ${ignoreIndex}`);
    if (!(Number.isInteger(p) && p >= 0 && p < numClasses)) throw new Error(`confusionMatrix: pred[${i}] = ${p} is not a class in 0..${numClasses - 1}`);
    cm[t * numClasses + p] += 1;
  }
  return cm;
}

/**
 * mIoU, per-class IoU and pixel accuracy of a square confusion matrix (rows =
 * truth, columns = prediction). Throws when the matrix holds no pixel at all
 * (every pixel ignored): there is nothing to score, and a silent NaN or 0 would
 * end up on a chart as if it were a result.
 */
export function miouFromConfusion(cm: ArrayLike<number>): MiouResult {
  const k = Math.round(Math.sqrt(cm.length));
  if (k < 1 || k * k !== cm.length) throw new Error(`miouFromConfusion: confusion matrix has ${cm.length} cells, not a square number`);
  let total = 0;
  let correct = 0;
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let t = 0; t < k; t++)
    for (let p = 0; p < k; p++) {
      const n = cm[t * k + p];
      rows[t] += n;
      cols[p] += n;
      total += n;
      if (t === p) correct += n;
    }
  if (total === 0) throw new Error('miouFromConfusion: no labelled pixels (every pixel ignored), mIoU is undefined');
  const perClass: (number | null)[] = [];
  let sum = 0;
  let counted = 0;
  for (let c = 0; c < k; c++) {
    const tp = cm[c * k + c];
    const union = rows[c] + cols[c] - tp;
    if (union === 0) {
      perClass.push(null);
      continue;
    }
    const iou = tp / union;
    perClass.push(iou);
    sum += iou;
    counted += 1;
  }
  return { miou: sum / counted, perClass, pixelAccuracy: correct / total };
}
