/** Steps done out of the run's steps, with elapsed time and an ETA from recent step times. */
import { recentStepMs } from './derived';
import { formatDuration, formatInteger } from './format';
import { useLab } from './labContext';

export function ProgressBar() {
  const records = useLab((s) => s.records);
  const runSteps = useLab((s) => s.runConfig?.steps ?? null);
  const configSteps = useLab((s) => s.config?.steps ?? null);
  const status = useLab((s) => s.status);
  const total = runSteps ?? configSteps ?? 0;
  const last = records.length > 0 ? records[records.length - 1] : undefined;
  const done = last?.step ?? 0;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const stepMs = recentStepMs(records);
  const running = status === 'running' || status === 'paused' || status === 'starting';
  const eta = running && stepMs !== null ? formatDuration(Math.max(0, total - done) * stepMs) : '—';

  return (
    <div className="progress-block">
      <div
        className="progress"
        data-testid="progress"
        role="progressbar"
        aria-label="training steps done"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        data-step={done}
        data-steps={total}
      >
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(2)}%` }} />
      </div>
      <div className="progress-meta">
        <span>
          step <strong>{formatInteger(done)}</strong> / {formatInteger(total)} ({(fraction * 100).toFixed(0)}%)
        </span>
        <span>elapsed {last ? formatDuration(last.wallMs) : '—'}</span>
        <span>ETA {eta}</span>
      </div>
    </div>
  );
}
