/**
 * Whether an estimated run fits a backend's limits, and if not, why, in a sentence that names the
 * config field to change, the parts of the estimate and both numbers (shown by the form, the
 * worker's refusal and the Paper scale plan).
 */
import type { BackendName } from '../engine/backendIds';
import { formatBytes } from '../lib/bytes';
import { estimateMemory, memoryPartsText, type MemoryEstimate } from './memoryEstimate';
import { heapCeiling, type MemoryLimits } from './memoryCeilings';

const HEAP_NAMES: Record<BackendName, string> = { wasm: 'the wasm heap', cpu: 'the JS heap', webgpu: 'the GPU memory' };

/**
 * The largest batch in 1..maxBatch for which `fits` holds, or 0 when even one image does not:
 * a binary search, since memory grows with the batch. The one batch search (the refusal's
 * suggestion here, the comparison plan in src/experiments/paperScale.ts).
 */
export function largestBatchThatFits(maxBatch: number, fits: (batchSize: number) => boolean): number {
  let lo = 0; // fits (0: nothing checked yet)
  let hi = maxBatch;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Why a run of this estimate cannot fit these limits, naming the config field to change and
 * both numbers; null when it fits. `batchSize` when the batch's share dominates and a smaller
 * batch fits, `probe.trainSize` when the probe's images are the biggest piece, else `model`.
 */
export function checkMemoryFits(estimate: MemoryEstimate, limits: MemoryLimits): { field: string; message: string } | null {
  const heap = heapCeiling(limits);
  const bufferLimits = [
    { name: 'maxStorageBufferBindingSize', bytes: limits.maxStorageBufferBindingSize },
    { name: 'maxBufferSize', bytes: limits.maxBufferSize },
  ].filter((l): l is { name: string; bytes: number } => typeof l.bytes === 'number' && l.bytes > 0);
  const tensorLimit = bufferLimits.length > 0 ? bufferLimits.reduce((a, l) => (l.bytes < a.bytes ? l : a)) : null;
  const fits = (e: MemoryEstimate) => (heap === undefined || e.totalBytes <= heap) && (!tensorLimit || e.largestTensorBytes <= tensorLimit.bytes);

  if (fits(estimate)) return null;
  const { config } = estimate;
  const F = formatBytes;

  if (heap !== undefined && estimate.totalBytes > heap) {
    const heapText = `${HEAP_NAMES[limits.backend]}'s ${F(heap)}`;
    const weights = estimate.paramsBytes + estimate.gradientsBytes + estimate.adamBytes;
    const smaller = largestBatchThatFits(config.batchSize - 1, (b) => fits(estimateMemory({ ...config, batchSize: b })));
    const head = `this run needs about ${F(estimate.totalBytes)}`;
    if (smaller > 0 && estimate.batchBytes >= Math.max(weights + estimate.optimizerStepBytes, estimate.probeBytes))
      return {
        field: 'batchSize',
        message: `batchSize: ${head} (${memoryPartsText(estimate)}), more than ${heapText}; lower batchSize (about ${smaller} would fit) or choose a smaller model`,
      };
    if (estimate.probeBytes > Math.max(weights + estimate.optimizerStepBytes, estimate.batchBytes))
      return {
        field: 'probe.trainSize',
        message: `probe.trainSize: ${head} (${memoryPartsText(estimate)}; the probe holds ${config.probe.trainSize} + ${config.probe.testSize} images), more than ${heapText}; lower probe.trainSize and probe.testSize or the image size`,
      };
    const orBatch = smaller > 0 ? ` or lower batchSize to about ${smaller}` : '';
    return {
      field: 'model',
      message: `model: ${head} (${memoryPartsText(estimate)}), more than ${heapText}; choose a smaller model${orBatch}`,
    };
  }

  // A single tensor past the GPU's buffer limits.
  const limit = tensorLimit!;
  const head = `the largest tensor, ${estimate.largestTensor}, needs ${F(estimate.largestTensorBytes)}, more than this GPU's ${limit.name} of ${F(limit.bytes)}`;
  if (estimate.largestScalesWithBatch) {
    const smaller = largestBatchThatFits(config.batchSize - 1, (b) => fits(estimateMemory({ ...config, batchSize: b })));
    if (smaller > 0) return { field: 'batchSize', message: `batchSize: ${head}; lower batchSize (about ${smaller} would fit) or choose a smaller model` };
  }
  if (estimate.largestTensor.startsWith("the probe's"))
    return { field: 'probe.trainSize', message: `probe.trainSize: ${head}; lower probe.trainSize and probe.testSize or the image size` };
  return { field: 'model', message: `model: ${head}; choose a smaller model` };
}
