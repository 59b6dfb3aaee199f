/** Evaluation settings: the online probe (live proxy) and segmentation fine-tuning (the paper's transfer measure). */
import type { ExperimentInput } from '../../train/config';
import { DEFAULT_CONFIG } from '../../ui/derived';
import { issueAt, Field, NumberField } from './fields';
import { useLab, useLabStore } from '../../ui/labContext';
import { probeHint } from '../run-view/probeHint';

const asNumber = (v: number | string) => v as number;

export function ProbeField({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const probe = useLab((s) => s.input.probe) ?? {};
  const kind = probe.kind ?? DEFAULT_CONFIG.probe.kind;
  const preset = useLab((s) => s.input.dataset?.preset);
  const imported = useLab((s) => s.imported);
  return (
    <Field label="Online probe" hint={probeHint(preset, imported)}>
      {(id) => (
        <select
          id={id}
          className="input"
          value={kind}
          disabled={disabled}
          data-testid="probe-select"
          onChange={(e) => store.getState().setInput({ probe: { ...probe, kind: e.target.value as 'knn' | 'linear' | 'none' } })}
        >
          <option value="knn">kNN (k = {probe.k ?? DEFAULT_CONFIG.probe.k}, no training)</option>
          <option value="linear">linear (logistic regression)</option>
          <option value="none">none</option>
        </select>
      )}
    </Field>
  );
}

/** "1, 50, 100" -> [1, 50, 100]; anything unparsable is passed on for the schema to name. */
function parseSteps(text: string): unknown {
  if (text.trim() === '') return [];
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const nums = parts.map(Number);
  return nums.every((n) => Number.isFinite(n)) ? nums : text;
}

export function TransferFields({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const input = useLab((s) => s.input);
  const configIssues = useLab((s) => s.configIssues);
  const transfer = { ...input.transfer };
  const D = DEFAULT_CONFIG.transfer;
  const on = (transfer.kind ?? D.kind) === 'segmentation';
  const set = (patch: Partial<NonNullable<ExperimentInput['transfer']>>) => store.getState().setInput({ transfer: { ...transfer, ...patch } });
  const bad = (path: string) => issueAt(configIssues, `transfer.${path}`);
  return (
    <fieldset className="fieldset" data-testid="transfer-fields">
      <label className="checkbox-field">
        <input
          type="checkbox"
          checked={on}
          disabled={disabled}
          data-testid="transfer-toggle"
          onChange={(e) => set({ kind: e.target.checked ? 'segmentation' : 'none' })}
        />
        Segmentation transfer (mIoU) after the run
      </label>
      {on && (
        <div className="form-grid">
          <NumberField
            label="Fine-tune steps"
            invalid={bad('steps')}
            testId="transfer-steps"
            value={transfer.steps ?? D.steps}
            disabled={disabled}
            onChange={(v) => set({ steps: asNumber(v) })}
          />
          <NumberField
            label="Seeds (median)"
            invalid={bad('seeds')}
            testId="transfer-seeds"
            value={transfer.seeds ?? D.seeds}
            disabled={disabled}
            onChange={(v) => set({ seeds: asNumber(v) })}
          />
          <NumberField
            label="Fine-tune batch"
            invalid={bad('batchSize')}
            value={transfer.batchSize ?? D.batchSize}
            disabled={disabled}
            onChange={(v) => set({ batchSize: asNumber(v) })}
          />
          <NumberField label="Fine-tune lr" invalid={bad('lr')} value={transfer.lr ?? D.lr} disabled={disabled} onChange={(v) => set({ lr: asNumber(v) })} />
          <Field label="Also at steps" hint="checkpoints, e.g. 100, 200" error={bad('at')}>
            {(id, describedBy) => (
              <input
                id={id}
                className="input"
                defaultValue={(transfer.at ?? []).join(', ')}
                disabled={disabled}
                aria-invalid={bad('at') ? true : undefined}
                aria-describedby={describedBy}
                data-testid="transfer-at"
                onChange={(e) => set({ at: parseSteps(e.target.value) as number[] })}
              />
            )}
          </Field>
          <label className="checkbox-field checkbox-cell">
            <input
              type="checkbox"
              checked={transfer.scratch ?? D.scratch}
              disabled={disabled}
              data-testid="transfer-scratch"
              onChange={(e) => set({ scratch: e.target.checked })}
            />
            from-scratch baseline
          </label>
        </div>
      )}
    </fieldset>
  );
}
