/** Pre-training method: every catalogued method, with its summary, paper and what it reaches at the default experiment. */
import { listMethods } from '../../methods/catalog';
import { Field } from './fields';
import { useLab, useLabStore } from '../../ui/labContext';

const METHODS = listMethods();

export function MethodField({ disabled }: { disabled: boolean }) {
  const store = useLabStore();
  const method = useLab((s) => s.input.method ?? 'supervised');
  const info = METHODS.find((m) => m.id === method);
  return (
    <Field
      label="Method"
      hint={
        info && (
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
          onChange={(e) => store.getState().setInput({ method: e.target.value })}
        >
          {METHODS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
