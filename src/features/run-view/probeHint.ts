/**
 * What the online probe measures for the chosen pre-training data, in words for the form's hint
 * (issue 19): the fixed shape task for every preset and for unlabelled imports, but the imported
 * images' own held-out splits when their class folders give labels. There the random-init line
 * can sit high (a few classes that differ in colour are told apart by an untrained encoder), and
 * the hint says why. Pure: no React, no tfjs.
 */
import type { ImportReport } from '../../data/importFiles';

const SHAPE_TASK =
  "Frozen features on a fixed held-out shape task (10 shapes placed anywhere, the same for every dataset), every 'probe every' steps: the live proxy. The chart's random-init line is the same probe on the untrained encoder.";

export function probeHint(preset: string | undefined, imported: Pick<ImportReport, 'labels' | 'classes'> | null): string {
  if (preset !== 'imported' || !imported || imported.labels !== 'folder' || imported.classes.length < 2) return SHAPE_TASK;
  const k = imported.classes.length;
  return (
    `Frozen features on held-out images of your import, labelled by its ${k} class folders, every 'probe every' steps: the live proxy. ` +
    `The random-init line is the same probe on the untrained encoder; with ${k} classes chance is ${(100 / k).toFixed(0)} %, and classes that differ in colour or brightness score well above it before any training.`
  );
}
