/**
 * The chosen method's own options, drawn from its options schema in the catalog
 * (label, help, the paper's value, range, default), written to
 * `input.methodOptions`. Each value is checked by the same schema the config
 * validation uses; the rarely changed ones sit under "more options".
 */
import { listMethods } from '../../methods/catalog';
import type { OptionControl } from '../../methods/spec';
import { Field, issueAt, NumberField } from './fields';
import { useLab, useLabStore } from '../../ui/labContext';

type OptionValue = number | string | boolean;

const CONTROLS = new Map(listMethods().map((m) => [m.id, m.options]));

export function MethodOptions({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const method = useLab((s) => s.input.method ?? 'supervised');
  const values = useLab((s) => s.input.methodOptions);
  const controls = CONTROLS.get(method) ?? [];
  if (controls.length === 0) return null;

  const set = (key: string, value: unknown) => {
    const { input } = store.getState();
    store.getState().setInput({ methodOptions: { ...input.methodOptions, [key]: value } });
  };
  const render = (o: OptionControl) => {
    // React reads `key` only as a JSX attribute, never from a spread object.
    const props = { option: o, value: values?.[o.key] ?? o.default, disabled, method, onChange: (v: unknown) => set(o.key, v) };
    return o.kind === 'choice' ? (
      <ChoiceOption key={o.key} {...props} />
    ) : o.kind === 'boolean' ? (
      <BooleanOption key={o.key} {...props} />
    ) : (
      <NumberOption key={o.key} {...props} />
    );
  };
  const main = controls.filter((o) => !o.advanced);
  const more = controls.filter((o) => o.advanced);
  const changedMore = more.filter((o) => values?.[o.key] !== undefined).length;

  return (
    <fieldset className="method-options" data-testid="method-options" disabled={disabled}>
      <legend className="subheading">Method options</legend>
      <div className="form-grid">{main.map(render)}</div>
      {more.length > 0 && (
        <details className="more-options" open={changedMore > 0 || undefined}>
          <summary>
            More options ({more.length}
            {changedMore > 0 ? `, ${changedMore} changed` : ''})
          </summary>
          <div className="form-grid">{more.map(render)}</div>
        </details>
      )}
    </fieldset>
  );
}

interface OptionProps {
  option: OptionControl;
  value: unknown;
  disabled: boolean;
  method: string;
  onChange(value: unknown): void;
}

/** The help line: what it does, then the paper's value and the lab default. */
function Hint({ option }: { option: OptionControl }) {
  return (
    <>
      {option.help}{' '}
      <span className="option-paper">
        Paper: {option.paper}; lab default {String(option.default)}.
      </span>
    </>
  );
}

function NumberOption({ option, value, disabled, onChange }: OptionProps) {
  // The config's own issue for this option, in words ("Mask ratio must be a number below 1").
  const problem = useLab((s) => issueAt(s.configIssues, `methodOptions.${option.key}`));
  return (
    <NumberField
      label={option.label}
      value={value}
      min={option.min}
      max={option.max}
      step={option.step ?? 'any'}
      disabled={disabled}
      invalid={problem}
      testId={`option-${option.key}`}
      hint={<Hint option={option} />}
      onChange={onChange}
    />
  );
}

function ChoiceOption({ option, value, disabled, onChange }: OptionProps) {
  const choices = option.choices ?? [];
  return (
    <Field label={option.label} hint={<Hint option={option} />}>
      {(id) => (
        <select
          id={id}
          className="input"
          value={String(value)}
          disabled={disabled}
          data-testid={`option-${option.key}`}
          // Choices may be numbers or strings: write back the original, typed value.
          onChange={(e) => onChange(choices.find((c) => String(c) === e.target.value) ?? e.target.value)}
        >
          {choices.map((c: OptionValue) => (
            <option key={String(c)} value={String(c)}>
              {String(c)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function BooleanOption({ option, value, disabled, onChange }: OptionProps) {
  return (
    <div className="field span-2">
      <label className="checkbox-field">
        <input type="checkbox" checked={value === true} disabled={disabled} data-testid={`option-${option.key}`} onChange={(e) => onChange(e.target.checked)} />
        <span>{option.label}</span>
      </label>
      <div className="field-hint">
        <Hint option={option} />
      </div>
    </div>
  );
}
