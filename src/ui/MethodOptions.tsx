/** The chosen method's own hyper-parameters (CATALOG[method].options), written to `input.methodOptions`. */
import { CATALOG, type OptionMeta } from '../methods/catalog';
import type { MethodId } from '../train/config';
import { Field, NumberField } from './fields';
import { useLab, useLabStore } from './labContext';

type OptionValue = number | string | boolean;

/** Why a number option's value is out of its bounds, or null when it is fine. */
function numberProblem(option: OptionMeta, value: unknown): string | null {
  const bounds = option.min !== undefined || option.max !== undefined ? ` in ${option.min ?? '…'}–${option.max ?? '…'}` : '';
  if (typeof value !== 'number' || !Number.isFinite(value)) return `Enter a number${bounds}`;
  if ((option.min !== undefined && value < option.min) || (option.max !== undefined && value > option.max)) return `Out of range: must be${bounds}`;
  return null;
}

export function MethodOptions({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const method = useLab((s) => (s.input.method ?? 'supervised') as MethodId);
  const values = useLab((s) => s.input.methodOptions);
  const options = CATALOG[method]?.options ?? [];
  if (options.length === 0) return null;

  const set = (key: string, value: unknown) => {
    const { input } = store.getState();
    store.getState().setInput({ methodOptions: { ...input.methodOptions, [key]: value } });
  };
  const current = (o: OptionMeta): unknown => values?.[o.key] ?? o.default;

  return (
    <fieldset className="method-options" data-testid="method-options" disabled={disabled}>
      <legend className="subheading">Method options</legend>
      <div className="form-grid">
        {options.map((o) =>
          o.kind === 'number' ? (
            <NumberOption key={o.key} option={o} value={current(o)} disabled={disabled} onChange={(v) => set(o.key, v)} />
          ) : o.kind === 'choice' ? (
            <ChoiceOption key={o.key} option={o} value={current(o)} disabled={disabled} onChange={(v) => set(o.key, v)} />
          ) : (
            <BooleanOption key={o.key} option={o} value={current(o)} disabled={disabled} onChange={(v) => set(o.key, v)} />
          ),
        )}
      </div>
    </fieldset>
  );
}

interface OptionProps<T> {
  option: OptionMeta;
  value: unknown;
  disabled: boolean;
  onChange(value: T): void;
}

function NumberOption({ option, value, disabled, onChange }: OptionProps<number | string>) {
  const problem = numberProblem(option, value);
  return (
    <NumberField
      label={option.label}
      value={value}
      min={option.min}
      max={option.max}
      step={option.step}
      disabled={disabled}
      invalid={problem !== null}
      testId={`option-${option.key}`}
      hint={
problem ? <span className="field-error">{problem}</span> : option.help
      }
      onChange={onChange}
    />
  );
}

function ChoiceOption({ option, value, disabled, onChange }: OptionProps<OptionValue>) {
  const choices = option.choices ?? [];
  return (
    <Field label={option.label} hint={option.help}>
      {(id) => (
        <select
          id={id}
          className="input"
          value={String(value)}
          disabled={disabled}
          data-testid={`option-${option.key}`}
          // Choices may be numbers (mask ratios) or strings: write back the original, typed value.
          onChange={(e) => onChange(choices.find((c) => String(c) === e.target.value) ?? e.target.value)}
        >
          {choices.map((c) => (
            <option key={String(c)} value={String(c)}>
              {String(c)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function BooleanOption({ option, value, disabled, onChange }: OptionProps<boolean>) {
  return (
    <div className="field span-2">
      <label className="checkbox-field">
        <input
          type="checkbox"
          checked={value === true}
          disabled={disabled}
          data-testid={`option-${option.key}`}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>{option.label}</span>
      </label>
      <div className="field-hint">{option.help}</div>
    </div>
  );
}
