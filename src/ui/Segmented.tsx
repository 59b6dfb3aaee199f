/** A row of mutually exclusive buttons (x-axis unit, dataset preset): one pressed at a time. */
interface SegmentedOption<T extends string> {
  id: T;
  label: string;
  title?: string;
}

interface SegmentedProps<T extends string> {
  options: SegmentedOption<T>[];
  value: T;
  onChange(id: T): void;
  label: string;
  testIdPrefix: string;
  className?: string;
  disabled?: boolean;
}

export function Segmented<T extends string>({ options, value, onChange, label, testIdPrefix, className, disabled }: SegmentedProps<T>) {
  return (
    <div className={`segmented ${className ?? ''}`} role="group" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.id}
          className={`segmented-option ${o.id === value ? 'is-active' : ''}`}
          aria-pressed={o.id === value}
          title={o.title}
          disabled={disabled}
          data-testid={`${testIdPrefix}${o.id}`}
          onClick={() => onChange(o.id)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}
