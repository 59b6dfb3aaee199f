/** ViT size preset and the numbers it resolves to. */
import { MODEL_PRESETS, presetOf, type ModelPresetId } from '../../models/presets';
import type { VitConfig } from '../../models/vit';
import { estimateParams, resolvedModel } from '../../ui/derived';
import { Field } from './fields';
import { formatSi } from '../../ui/format';
import { useLab, useLabStore } from '../../ui/labContext';

const PRESET_IDS = Object.keys(MODEL_PRESETS) as ModelPresetId[];
const CUSTOM = '__custom__';

export function ModelField({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const input = useLab((s) => s.input);
  const config = useLab((s) => s.config);
  // An opened run's config holds its model as sizes: a preset's sizes show as that preset.
  const selected = typeof input.model === 'object' ? (presetOf(input.model as VitConfig) ?? CUSTOM) : (input.model ?? 'toy-B');
  const model = resolvedModel(input, { config });
  return (
    <Field label="Model (ViT)" hint={model && <ModelNumbers model={model} />}>
      {(id) => (
        <select
          id={id}
          className="input"
          value={selected}
          disabled={disabled}
          data-testid="model-select"
          onChange={(e) => store.getState().setInput({ model: e.target.value as ModelPresetId })}
        >
          {PRESET_IDS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
          {selected === CUSTOM && (
            <option value={CUSTOM} disabled>
              custom (from config)
            </option>
          )}
        </select>
      )}
    </Field>
  );
}

function ModelNumbers({ model }: { model: VitConfig }) {
  const tokens = (model.imageSize / model.patchSize) ** 2;
  const items: [string, string][] = [
    ['image', `${model.imageSize}px`],
    ['patch', `${model.patchSize}px`],
    ['tokens', String(tokens)],
    ['dim', String(model.dim)],
    ['depth', String(model.depth)],
    ['heads', String(model.heads)],
    ['MLP', String(model.mlpDim)],
    ['params', `≈${formatSi(estimateParams(model), 3)}`],
  ];
  return (
    <dl className="model-numbers" data-testid="model-numbers">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
