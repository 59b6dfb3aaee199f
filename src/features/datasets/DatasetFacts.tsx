/** A dataset's documented character as a compact table (the README's dataset table, one row). */
import { KeyValueTable } from '../../ui/KeyValueTable';
import type { DatasetInfo } from '../../data/source';
import { formatPercent } from '../../ui/format';

const LABELS: Record<DatasetInfo['labels'], string> = {
  single: 'one per image',
  multi: 'every object (multi-label)',
  'caption-derived': 'none annotated; shape words parsed from captions',
  folder: 'from class sub-folders',
  none: 'none',
};
const CAPTIONS: Record<DatasetInfo['captions'], string> = {
  descriptive: 'clean, descriptive',
  'alt-text': 'alt-text-like, noisy',
  none: 'none (CLIP uses pseudo-captions)',
};

export function DatasetFacts({ info, size, labelsPerImage }: { info: DatasetInfo; size: number; labelsPerImage: number }) {
  const [lo, hi] = info.objectsPerImage;
  const noise = info.captionNoise;
  const rows: [string, string][] = [
    ['mirrors', info.mirrors],
    ['unique images', size.toLocaleString('en-US')],
    ['classes', info.numClasses === 0 ? 'none' : `${info.numClasses}${info.hierarchy ? ' (fine + parent classes)' : ''}`],
    ['objects / image', `${lo === hi ? lo : `${lo}–${hi}`}${info.centred ? ', centred' : ''}`],
    ['labels', `${LABELS[info.labels]}${info.numClasses > 0 ? ` (${labelsPerImage.toFixed(2)} per image measured)` : ''}`],
    ['class balance', info.headToTail === 1 ? 'balanced' : `long tail: head/tail ${info.headToTail.toFixed(0)}×`],
    ['label noise', info.labelNoise > 0 ? `${formatPercent(info.labelNoise, 0)} of images` : 'none'],
    ['captions', CAPTIONS[info.captions]],
  ];
  if (noise)
    rows.push([
      'caption noise',
      `${formatPercent(noise.wrongWord, 0)} wrong word, ${formatPercent(noise.droppedWord, 0)} dropped word, ${formatPercent(noise.unrelated, 0)} unrelated`,
    ]);
  return (
    <div className="dataset-facts" data-testid="dataset-facts">
      <p className="dataset-description">{info.description}</p>
      <KeyValueTable rows={rows} className="table facts-table" />
    </div>
  );
}
