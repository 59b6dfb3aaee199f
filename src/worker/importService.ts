/**
 * Bring-your-own-images in the worker: unpack, check, decode and resize the
 * files the page sent, keep the result as the current imported set, and hand
 * it out as a DataSource. One bad file never fails an import: it is listed in
 * the report. An import fails as a whole (with an Error naming why) only when
 * the payload itself is unusable (not a zip, over a limit, no images at all,
 * or not one image readable); the previous set then stays.
 */
import { browserDecoder, decodeToStored, STORED_SIZE, type Decoder } from '../data/decodeImage';
import { fromSnapshot, ImportedDataset, toSnapshot, type ImportedSet, type ImportedSnapshot } from '../data/imported';
import { planPayload, type ImportIssue, type ImportPayload, type ImportReport } from '../data/importFiles';
import type { DataSource } from '../data/source';

export interface ImportProgress {
  phase: 'unpacking' | 'decoding' | 'done';
  /** Images decoded so far, of `total`. */
  done: number;
  total: number;
}

let current: ImportedSet | null = null;

/** Progress at most this often (ms), so a Comlink callback per image does not flood the page. */
const PROGRESS_EVERY_MS = 100;

export async function importImages(payload: ImportPayload, decoder: Decoder = browserDecoder, onProgress?: (p: ImportProgress) => void): Promise<ImportReport> {
  onProgress?.({ phase: 'unpacking', done: 0, total: 0 });
  const plan = planPayload(payload);
  const total = plan.images.length;
  const images: Uint8ClampedArray[] = [];
  const labels: number[] = [];
  const paths: string[] = [];
  const corrupt: ImportIssue[] = [];
  const unusable: ImportIssue[] = []; // readable images refused (too large): skipped, not corrupt
  let lastProgress = 0;
  for (let i = 0; i < total; i++) {
    const { path, bytes, label } = plan.images[i];
    const result = await decodeToStored(bytes, decoder, STORED_SIZE);
    if ('rgb' in result) {
      images.push(result.rgb);
      labels.push(label);
      paths.push(path);
    } else if ('corrupt' in result) corrupt.push({ path, reason: result.corrupt });
    else unusable.push({ path, reason: result.skipped });
    const now = Date.now();
    if (onProgress && now - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = now;
      onProgress({ phase: 'decoding', done: i + 1, total });
    }
  }
  if (images.length === 0) {
    const examples = [...corrupt, ...unusable]
      .slice(0, 3)
      .map((c) => `${c.path}: ${c.reason}`)
      .join('; ');
    throw new Error(`none of the ${total} image files in ${plan.source} could be imported (${examples}${total > 3 ? '; ...' : ''})`);
  }
  const perClass = plan.classes.map(() => 0);
  for (const label of labels) if (label >= 0) perClass[label]++;
  const report: ImportReport = {
    source: plan.source,
    imported: images.length,
    labels: plan.labels,
    classes: plan.classes,
    perClass,
    corrupt,
    skipped: [...plan.skipped, ...unusable],
    storedSize: STORED_SIZE,
  };
  current = { source: plan.source, storedSize: STORED_SIZE, images, labels: Int32Array.from(labels), paths, classes: plan.classes, report };
  onProgress?.({ phase: 'done', done: total, total });
  return report;
}

/** The set of the last successful import, or null. */
export function currentImported(): ImportedSet | null {
  return current;
}

export function clearImported(): void {
  current = null;
}

/** The current set as one record for the page to keep in IndexedDB; null before any import. */
export function importedSnapshot(): ImportedSnapshot | null {
  return current ? toSnapshot(current) : null;
}

/** Makes a kept snapshot the current set again (after a reload or a worker restart); throws naming a damaged record. */
export function restoreImported(snapshot: ImportedSnapshot): ImportReport {
  current = fromSnapshot(snapshot);
  return current.report;
}

/**
 * The imported images as a data source (null before any import), for
 * src/data/presets.ts's registerImportedProvider. Streams 'probe-train' and
 * 'probe-test' get those held-out splits; every other stream (pre-training)
 * gets the 'train' split, so the probe never tests on pre-training images.
 */
export function importedProvider(imageSize: number, seed: number, stream: string): DataSource | null {
  if (!current) return null;
  const split = stream === 'probe-train' || stream === 'probe-test' ? stream : 'train';
  return new ImportedDataset(current, imageSize, seed, stream, split);
}
