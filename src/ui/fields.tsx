/** Labelled form controls. Numbers are parsed; unparsable text is passed on as is so validation names it. */
import { useId, useState, type ReactNode } from 'react';

/** Whether a schema error message ("a.b: reason; c: reason") names the field at `path`. */
export function errorNames(error: string | null, path: string): boolean {
  return error !== null && error.split('; ').some((part) => part.startsWith(`${path}:`));
}

/** A number when the text is one, else the raw text (empty included) for the schema to reject. */
export function parseNumberInput(text: string): number | string {
  if (text.trim() === '') return text;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

const show = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

interface FieldProps {
  label: string;
  hint?: ReactNode;
  children: (id: string) => ReactNode;
}

export function Field({ label, hint, children }: FieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children(id)}
      {hint && <div className="field-hint">{hint}</div>}
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
  /** Set when the config error names this field. */
  invalid?: boolean;
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
    <Field label={label} hint={hint}>
      {(id) => (
        <input
          id={id}
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
          aria-invalid={invalid || undefined}
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
        <input
          id={id}
          className="input"
          type="text"
          value={value}
          disabled={disabled}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
