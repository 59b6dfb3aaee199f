/** Pre-training dataset preset: the five paper-dataset analogues, the free-form shapes family, and imported images. */
import { listDatasets } from '../../data/presets';
import type { DatasetId, DatasetInfo } from '../../data/source';
import { Field } from './fields';
import { useLab, useLabStore } from '../../ui/labContext';
import { importProblem } from '../../store/importSlice';

const PRESETS = listDatasets();

export function presetInfoOf(id: string | undefined): DatasetInfo | undefined {
  return PRESETS.find((d) => d.id === (id ?? 'imagenet-1k'));
}

export function DatasetField({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const preset = useLab((s) => s.input.dataset?.preset ?? 'imagenet-1k');
  const imported = useLab((s) => s.imported);
  const info = presetInfoOf(preset);
  const missing = importProblem({ dataset: { preset } }, imported);
  const hint = missing ? (
    <span className="field-error" id="dataset-problem" data-testid="dataset-problem">
      {missing}
    </span>
  ) : preset === 'imported' ? (
    `${imported?.imported ?? 0} imported images`
  ) : (
    info?.description
  );
  return (
    <Field label="Pre-training dataset" hint={hint}>
      {(id) => (
        <select
          id={id}
          className="input"
          value={preset}
          disabled={disabled}
          aria-invalid={missing ? true : undefined}
          aria-describedby={missing ? 'dataset-problem' : undefined}
          data-testid="dataset-select"
          // Presets fix their own classes and layout: a new preset starts from its own defaults.
          onChange={(e) => store.getState().setInput({ dataset: { preset: e.target.value as DatasetId } })}
        >
          {PRESETS.map((d) => (
            <option key={d.id} value={d.id} title={d.mirrors}>
              {d.name}
            </option>
          ))}
          <option value="imported" disabled={(!imported || imported.imported === 0) && preset !== 'imported'}>
            Imported images{imported ? ` (${imported.imported})` : ' (import first)'}
          </option>
        </select>
      )}
    </Field>
  );
}
