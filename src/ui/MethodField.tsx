/** Pre-training method: the registry's list, unavailable methods disabled with the reason. */
import { listMethods } from '../methods/catalog';
import type { MethodId } from '../train/config';
import { Field } from './fields';
import { useLab, useLabStore } from './labContext';

const METHODS = listMethods();

export function MethodField({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const method = useLab((s) => s.input.method ?? 'supervised');
  const info = METHODS.find((m) => m.id === method);
  return (
    <Field
      label="Method"
      hint={
        info?.available ? (
          <>
            {info.summary}{' '}
            {info.paper && (
              <a href={info.paper} target="_blank" rel="noreferrer">
                paper
              </a>
            )}
            {info.atLabScale && (
              <span className="method-at-scale" data-testid="method-at-scale">
                {' '}
                At the default experiment: {info.atLabScale}
              </span>
            )}
          </>
        ) : (
          info?.why
        )
      }
    >
      {(id) => (
        <select
          id={id}
          className="input"
          value={method}
          disabled={disabled}
          data-testid="method-select"
          onChange={(e) => store.getState().setInput({ method: e.target.value as MethodId })}
        >
          {METHODS.map((m) => (
            <option key={m.id} value={m.id} disabled={!m.available} title={m.why}>
              {m.available ? m.label : `${m.label} (not yet)`}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
