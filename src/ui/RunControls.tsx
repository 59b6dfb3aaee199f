/** Run / Pause / Resume / Stop, the status pill and the run error. */
import { isRunActive } from './derived';
import { useLab, useLabStore } from './labContext';
import { ProgressBar } from './ProgressBar';

export function RunControls() {
  const store = useLabStore();
  const status = useLab((s) => s.status);
  const configValid = useLab((s) => s.config !== null);
  const runError = useLab((s) => s.runError);
  const act = (f: () => Promise<unknown>) => () => {
    // Failures are recorded in the store (runError / status) and shown below.
    f().catch(() => undefined);
  };
  const s = () => store.getState();

  return (
    <section className="card run-controls">
      <div className="run-controls-row">
        <div className="button-row">
          <button
            className="btn btn-primary"
            data-testid="run-button"
            disabled={!configValid || isRunActive(status)}
            title={configValid ? undefined : 'Fix the experiment config first'}
            onClick={act(() => s().start())}
          >
            Run
          </button>
          <button className="btn" data-testid="pause-button" disabled={status !== 'running'} onClick={act(() => s().pause())}>
            Pause
          </button>
          <button className="btn" data-testid="resume-button" disabled={status !== 'paused'} onClick={act(() => s().resume())}>
            Resume
          </button>
          <button
            className="btn btn-danger"
            data-testid="stop-button"
            disabled={status !== 'running' && status !== 'paused'}
            onClick={act(() => s().stop())}
          >
            Stop
          </button>
          {!configValid && !isRunActive(status) && <span className="run-hint">Fix the experiment config to run.</span>}
        </div>
        <span className={`status-pill status-${status}`} data-testid="status">
          {status}
        </span>
      </div>
      <ProgressBar />
      {runError && (
        <div className="alert alert-error" role="alert" data-testid="run-error">
          <span>
            <strong>Run failed:</strong> {runError}
          </span>
        </div>
      )}
    </section>
  );
}
