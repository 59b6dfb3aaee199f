/** Backend choice; unavailable backends are disabled and their reason listed. */
import { BACKEND_IDS, type BackendChoice, type BackendOption } from '../../engine/backendIds';
import { Field } from './fields';
import { useLab, useLabStore } from '../../ui/labContext';

const FALLBACK_OPTIONS: BackendOption[] = BACKEND_IDS.map((id) => ({ id, label: id, available: true }));

export function BackendField({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const backend = useLab((s) => s.input.backend ?? 'auto');
  const loaded = useLab((s) => s.backendOptions);
  const options = loaded.length > 0 ? loaded : FALLBACK_OPTIONS;
  const unavailable = options.filter((o) => !o.available);
  const choose = (id: BackendChoice) => {
    const s = store.getState();
    s.setInput({ backend: id });
    if (store.getState().config) void s.initBackend();
  };
  return (
    <Field
      label="Backend"
      hint={
        unavailable.length > 0 &&
        unavailable.map((o) => (
          <div key={o.id}>
            {o.label}: {o.why ?? 'unavailable'}
          </div>
        ))
      }
    >
      {(id) => (
        <select
          id={id}
          className="input"
          value={backend}
          disabled={disabled}
          data-testid="backend-select"
          onChange={(e) => choose(e.target.value as BackendChoice)}
        >
          {options.map((o) => (
            <option key={o.id} value={o.id} disabled={!o.available} title={o.why}>
              {o.available ? o.label : `${o.label} (unavailable)`}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
