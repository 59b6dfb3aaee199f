/** The experiment being edited: every input writes through `setInput`, validated by the schema. */
import type { ExperimentInput } from '../../train/config';
import { BackendField } from './BackendField';
import { Card } from '../../ui/Card';
import { DEFAULT_CONFIG, isRunActive } from '../../ui/derived';
import { issueAt, NumberField } from './fields';
import { useLab, useLabStore } from '../../ui/labContext';
import { MethodField } from './MethodField';
import { MemoryEstimate } from './MemoryEstimate';
import { MethodOptions } from './MethodOptions';
import { ModelField } from './ModelField';
import { DatasetField, presetInfoOf } from './DatasetField';
import { ProbeField, TransferFields } from './TransferFields';

/** The schema validates the value; the UI passes unparsable text through unchanged. */
const asNumber = (v: number | string) => v as number;

export function ExperimentPanel() {
  const store = useLabStore();
  const input = useLab((s) => s.input);
  const configIssues = useLab((s) => s.configIssues);
  const disabled = useLab((s) => isRunActive(s.status));
  const set = (patch: Partial<ExperimentInput>) => store.getState().setInput(patch);
  const dataset = { ...input.dataset };
  const optim = { ...input.optim };
  const D = DEFAULT_CONFIG;
  const presetInfo = presetInfoOf(dataset.preset);
  const bad = (path: string) => issueAt(configIssues, path);

  return (
    <Card title="Experiment" subtitle="Edits are validated live; the URL keeps the config." className="experiment-panel">
      <div className="form">
        {configIssues.length > 0 && (
          // A summary up top; each field says its own problem beside it.
          <div className="alert alert-error" role="alert" data-testid="config-error">
            {configIssues.length === 1 ? configIssues[0].sentence : `${configIssues.length} settings to fix: ${configIssues.map((i) => i.sentence).join('; ')}`}
          </div>
        )}
        <MethodField disabled={disabled} />
        <MethodOptions disabled={disabled} />
        <ModelField disabled={disabled} />
        <DatasetField disabled={disabled} />
        <div className="form-grid">
          <NumberField
            label="Dataset size"
            invalid={bad('dataset.size')}
            testId="dataset-size-input"
            value={dataset.size ?? presetInfo?.defaultSize ?? ''}
            disabled={disabled || dataset.preset === 'imported'}
            hint={dataset.preset === 'imported' ? 'all imported images' : undefined}
            onChange={(v) => set({ dataset: { ...dataset, size: asNumber(v) } })}
          />
          {dataset.preset === 'shapes' && (
            <NumberField
              label="Classes"
              invalid={bad('dataset.numClasses')}
              value={dataset.numClasses ?? 10}
              disabled={disabled}
              onChange={(v) => set({ dataset: { ...dataset, numClasses: asNumber(v) } })}
            />
          )}
          <NumberField
            label="Batch size"
            invalid={bad('batchSize')}
            testId="batch-input"
            value={input.batchSize ?? D.batchSize}
            disabled={disabled}
            onChange={(v) => set({ batchSize: asNumber(v) })}
          />
          <NumberField
            label="Steps"
            invalid={bad('steps')}
            testId="steps-input"
            value={input.steps ?? D.steps}
            disabled={disabled || input.budgetFlops !== undefined}
            hint={input.budgetFlops !== undefined ? 'set by the FLOP budget' : undefined}
            onChange={(v) => set({ steps: asNumber(v) })}
          />
          <NumberField
            label="FLOP budget"
            invalid={bad('budgetFlops')}
            testId="budget-input"
            value={input.budgetFlops ?? ''}
            disabled={disabled}
            hint="optional (e.g. 3.3e11): sets the steps; the schedule ends at the budget"
            onChange={(v) => set({ budgetFlops: typeof v === 'string' && v.trim() === '' ? undefined : asNumber(v) })}
          />
          <NumberField
            label="Seed"
            invalid={bad('seed')}
            testId="seed-input"
            value={input.seed ?? D.seed}
            disabled={disabled}
            onChange={(v) => set({ seed: asNumber(v) })}
          />
          <NumberField
            label="Learning rate"
            invalid={bad('optim.lr')}
            value={optim.lr ?? D.optim.lr}
            disabled={disabled}
            onChange={(v) => set({ optim: { ...optim, lr: asNumber(v) } })}
          />
          <NumberField
            label="Log every (steps)"
            invalid={bad('logEvery')}
            value={input.logEvery ?? D.logEvery}
            disabled={disabled}
            onChange={(v) => set({ logEvery: asNumber(v) })}
          />
          <NumberField
            label="Probe every (steps)"
            invalid={bad('evalEvery')}
            value={input.evalEvery ?? D.evalEvery}
            disabled={disabled}
            onChange={(v) => set({ evalEvery: asNumber(v) })}
          />
        </div>
        <MemoryEstimate />
        <ProbeField disabled={disabled} />
        <TransferFields disabled={disabled} />
        <BackendField disabled={disabled} />
      </div>
    </Card>
  );
}
