/**
 * The dataset explorer: pick a preset, see a grid of its samples with their
 * labels, captions and (optionally) segmentation masks, its documented
 * character, and its class histogram measured over a few hundred images.
 */
import { useEffect, useState } from 'react';
import { listDatasets } from '../../data/presets';
import type { DatasetId, DatasetInfo } from '../../data/source';
import type { DatasetPreview } from '../../train/explore';
import { Card } from '../../ui/Card';
import { Segmented } from '../../ui/Segmented';
import { ClassHistogram } from './ClassHistogram';
import { DatasetFacts } from './DatasetFacts';
import { SampleTile } from './SampleTile';
import { isRunActive } from '../../ui/derived';
import { useLab, useLabStore } from '../../ui/labContext';

const PRESETS = listDatasets();
/** Samples in the grid: two rows on a wide screen. */
const GRID_SAMPLES = 12;

export function DatasetExplorer() {
  const store = useLabStore();
  const input = useLab((s) => s.input);
  const configOk = useLab((s) => s.config !== null);
  const explorer = useLab((s) => s.explorer);
  const imported = useLab((s) => s.imported);
  const running = useLab((s) => isRunActive(s.status));
  const [showMasks, setShowMasks] = useState(false);
  const [offset, setOffset] = useState(0);
  const preset = input.dataset?.preset ?? 'imagenet-1k';
  const key = JSON.stringify([input.dataset, input.seed, input.model, imported?.imported]);

  useEffect(() => {
    if (!configOk) return;
    // Debounced: typing a size should not regenerate samples on every key.
    const timer = setTimeout(
      () =>
        void store
          .getState()
          .exploreDataset(undefined, { count: GRID_SAMPLES, offset })
          .catch(() => undefined),
      150,
    );
    return () => clearTimeout(timer);
  }, [key, offset, configOk, store]);

  const choose = (id: DatasetId) => {
    setOffset(0);
    // Presets fix their own classes and layout: only the free-form family keeps those fields.
    store.getState().setInput({ dataset: { preset: id } });
  };
  const options: { id: DatasetId; label: string; title: string }[] = PRESETS.map((d: DatasetInfo) => ({ id: d.id, label: d.name, title: d.mirrors }));
  if (imported && imported.imported > 0) options.push({ id: 'imported', label: 'Imported', title: `${imported.imported} imported images` });
  const preview = explorer.preview && explorer.preview.info.id === preset ? explorer.preview : null;

  const actions = (
    <div className="explorer-actions">
      <label className="checkbox-field">
        <input type="checkbox" checked={showMasks} onChange={(e) => setShowMasks(e.target.checked)} data-testid="explorer-masks" />
        masks
      </label>
      <button className="btn btn-small" onClick={() => setOffset(offset + GRID_SAMPLES)} data-testid="explorer-more">
        more samples
      </button>
    </div>
  );

  return (
    <Card
      title="Dataset explorer"
      subtitle="The pre-training set the run will use: samples, annotations and class frequencies."
      actions={actions}
      className="card-wide"
      testId="dataset-explorer"
    >
      <Segmented
        options={options}
        value={preset}
        onChange={choose}
        label="dataset preset"
        testIdPrefix="explorer-preset-"
        className="explorer-tabs"
        disabled={running}
      />
      {explorer.status === 'error' && (
        <div className="alert alert-error" role="alert" data-testid="explorer-error">
          {explorer.error}
        </div>
      )}
      {preview ? <ExplorerBody preview={preview} showMasks={showMasks} /> : <div className="explorer-loading">Generating samples…</div>}
    </Card>
  );
}

function ExplorerBody({ preview, showMasks }: { preview: DatasetPreview; showMasks: boolean }) {
  return (
    <div className="explorer-body">
      <div>
        <DatasetFacts info={preview.info} size={preview.size} labelsPerImage={preview.labelsPerImage} />
        <ClassHistogram preview={preview} />
      </div>
      <div className="explorer-grid" data-testid="explorer-samples" data-preset={preview.info.id} data-count={preview.samples.length}>
        {preview.samples.map((s) => (
          <SampleTile key={s.index} sample={s} size={preview.imageSize} showMask={showMasks} />
        ))}
      </div>
    </div>
  );
}
