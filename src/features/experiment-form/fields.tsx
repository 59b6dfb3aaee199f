/** Labelled form controls. Numbers are parsed; unparsable text is passed on as is so validation names it. */
import { useId, useState, type ReactNode } from 'react';
import type { ConfigIssue } from '../../train/config';

/** The sentence of the config issue at `path` (what the form shows beside that field), or null. */
export function issueAt(issues: readonly ConfigIssue[], path: string): string | null {
  const found = issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
  return found.length > 0 ? found.map((i) => i.sentence).join('; ') : null;
}

/** A number when the text is one, else the raw text (empty included) for the schema to reject. */
function parseNumberInput(text: string): number | string {
  if (text.trim() === '') return text;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

const show = (value: unknown): string => (value === undefined || value === null ? '' : String(value as string | number | boolean));

interface FieldProps {
  label: string;
  hint?: ReactNode;
  /** What is wrong with the value, in words: shown instead of the hint, and what the control's aria-describedby names. */
  error?: string | null;
  /** Gets the control's id and the id of its message (for aria-describedby; undefined without an error). */
  children: (id: string, describedBy: string | undefined) => ReactNode;
}

export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const messageId = `${id}-message`;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children(id, error ? messageId : undefined)}
      {error ? (
        <div className="field-hint field-error" id={messageId} data-testid="field-error">
          {error}
        </div>
      ) : (
        hint && <div className="field-hint">{hint}</div>
      )}
    </div>
  );
}

interface NumberFieldProps {
  label: string;
  value: unknown;
  onChange(value: number | string): void;
  disabled?: boolean;
  testId?: string;
  hint?: ReactNode;
  /** The config issue's sentence for this field (true: invalid, said elsewhere). */
  invalid?: string | boolean | null;
  /** Given any of these, the input is a native number input with spinner bounds. */
  min?: number;
  max?: number;
  step?: number | 'any';
}

/** Keeps the typed text (so "0." or "1e-" survive) while the store holds the parsed value. */
export function NumberField({ label, value, onChange, disabled, testId, hint, invalid, min, max, step }: NumberFieldProps) {
  const bounded = min !== undefined || max !== undefined || step !== undefined;
  const [text, setText] = useState(() => show(value));
  const [seen, setSeen] = useState(value);
  if (!Object.is(seen, value)) {
    // Changed from outside (another control, a loaded config): show it unless it is what we typed.
    setSeen(value);
    if (!Object.is(parseNumberInput(text), value)) setText(show(value));
  }
  return (
    <Field label={label} hint={hint} error={typeof invalid === 'string' ? invalid : null}>
      {(id, describedBy) => (
        <input
          id={id}
          aria-describedby={describedBy}
          className="input"
          type={bounded ? 'number' : 'text'}
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          spellCheck={false}
          autoComplete="off"
          value={text}
          disabled={disabled}
          aria-invalid={invalid ? true : undefined}
          data-testid={testId}
          onChange={(e) => {
            setText(e.target.value);
            onChange(parseNumberInput(e.target.value));
          }}
        />
      )}
    </Field>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  onChange(value: string): void;
  disabled?: boolean;
  testId?: string;
}

export function TextField({ label, value, onChange, disabled, testId }: TextFieldProps) {
  return (
    <Field label={label}>
      {(id) => (
        <input id={id} className="input" type="text" value={value} disabled={disabled} data-testid={testId} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}
