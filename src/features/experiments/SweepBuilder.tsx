/**
 * A custom sweep: methods x datasets x models x FLOP budgets x method-option
 * values x seeds, queued like a preset. Everything else (backend, batch,
 * probe, optimiser) comes from the experiment panel's config. The run count is
 * shown as it is typed, and the first thing wrong is named; Run stays disabled
 * until the grid is valid.
 */
import { useState } from 'react';
import { listMethods } from '../../methods/catalog';
import { listDatasets } from '../../data/presets';
import { MODEL_PRESETS } from '../../models/presets';
import type { SweepSpec } from '../../experiments/sweep';
import { buildSweep, type BuilderState } from './sweepBuilderModel';
import { useLab } from '../../ui/labContext';

/** The models worth training in a tab (vit-b16/l16 are for FLOP profiles). */
const TRAINABLE_MODELS = (Object.keys(MODEL_PRESETS) as (keyof typeof MODEL_PRESETS)[]).filter((m) => !m.startsWith('vit-'));
/** Fields a sweep sets per run; the rest of the panel's config is shared. */
const PER_RUN = ['method', 'methodOptions', 'model', 'steps', 'budgetFlops', 'seed'];

const toggle = (list: string[], item: string) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

function Checks({
  label,
  all,
  ticked,
  onChange,
  testId,
}: {
  label: string;
  all: { id: string; name: string }[];
  ticked: string[];
  onChange(next: string[]): void;
  testId: string;
}) {
  return (
    <fieldset className="builder-checks" data-testid={testId}>
      <legend>{label}</legend>
      {all.map((x) => (
        <label key={x.id} className="check">
          <input type="checkbox" checked={ticked.includes(x.id)} onChange={() => onChange(toggle(ticked, x.id))} value={x.id} />
          {x.name}
        </label>
      ))}
    </fieldset>
  );
}

export function SweepBuilder({ onRun, disabled }: { onRun(spec: SweepSpec, name: string): void; disabled: boolean }) {
  const input = useLab((s) => s.input);
  const methods = listMethods();
  const [state, setState] = useState<Omit<BuilderState, 'base'>>({
    methods: ['supervised', 'mae'],
    datasets: ['imagenet-1k'],
    models: ['toy-B'],
    budgets: '2.5e10, 1e11',
    options: {},
    seeds: 1,
  });
  // The dataset's other fields (size, noise ...) are shared; its preset is each run's (expandSweep sets it).
  const base = Object.fromEntries(Object.entries(input).filter(([k]) => !PER_RUN.includes(k)));
  const built = buildSweep({ ...state, base });
  const set = (patch: Partial<typeof state>) => setState({ ...state, ...patch });
  const setOption = (method: string, key: string, text: string) => set({ options: { ...state.options, [method]: { ...state.options[method], [key]: text } } });
  const datasets = listDatasets().filter((d) => d.id !== 'imported');
  return (
    <div className="sweep-builder" data-testid="sweep-builder">
      <Checks
        label="Methods"
        all={methods.map((m) => ({ id: m.id, name: m.label }))}
        ticked={state.methods}
        onChange={(m) => set({ methods: m })}
        testId="builder-methods"
      />
      <Checks
        label="Datasets"
        all={datasets.map((d) => ({ id: d.id, name: d.name }))}
        ticked={state.datasets}
        onChange={(d) => set({ datasets: d })}
        testId="builder-datasets"
      />
      <Checks
        label="Models"
        all={TRAINABLE_MODELS.map((m) => ({ id: m, name: m }))}
        ticked={state.models}
        onChange={(m) => set({ models: m })}
        testId="builder-models"
      />
      <div className="builder-row">
        <label className="field-label">
          FLOP budgets (comma-separated)
          <input className="input" value={state.budgets} onChange={(e) => set({ budgets: e.target.value })} data-testid="builder-budgets" />
        </label>
        <label className="field-label">
          Seeds
          <input
            className="input"
            type="number"
            min={1}
            max={64}
            value={state.seeds}
            onChange={(e) => set({ seeds: Number(e.target.value) })}
            data-testid="builder-seeds"
          />
        </label>
      </div>
      {methods
        .filter((m) => state.methods.includes(m.id) && m.options.length > 0)
        .map((m) => (
          <details key={m.id} className="builder-options">
            <summary>
              {m.label} option values <span className="muted">(comma-separated; empty = the default)</span>
            </summary>
            <div className="builder-option-grid">
              {m.options.map((o) => (
                <label key={o.key} className="field-label" title={o.help}>
                  {o.label} <span className="muted">({o.choices ? o.choices.join(' / ') : `default ${String(o.default)}`})</span>
                  <input
                    className="input"
                    value={state.options[m.id]?.[o.key] ?? ''}
                    placeholder={String(o.default)}
                    onChange={(e) => setOption(m.id, o.key, e.target.value)}
                    data-testid={`builder-option-${m.id}-${o.key}`}
                  />
                </label>
              ))}
            </div>
          </details>
        ))}
      <div className="builder-row">
        {built.ok ? (
          <span className="muted" data-testid="builder-count">
            {built.runs} run{built.runs === 1 ? '' : 's'}
          </span>
        ) : (
          <span className="field-error" role="alert" data-testid="builder-error">
            {built.error}
          </span>
        )}
        <button
          className="btn btn-primary"
          disabled={disabled || !built.ok}
          onClick={() => built.ok && onRun(built.spec, `custom sweep (${built.runs} runs)`)}
          data-testid="builder-run"
        >
          Run sweep
        </button>
      </div>
    </div>
  );
}
