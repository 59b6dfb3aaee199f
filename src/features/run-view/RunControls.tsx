/** Run / Pause / Resume / Stop, the status pill, where the run's checkpoints and probes stand, and the run error. */
import { useEffect, useRef } from 'react';
import { nextCheckpointStep } from '../../train/records';
import { isRunActive } from '../../ui/derived';
import { useLab, useLabStore } from '../../ui/labContext';
import { ProgressBar } from '../../ui/ProgressBar';

/** Which button takes the focus when the focused one disables itself, by the status it leads to. */
const NEXT_FOCUS: Record<string, string[]> = {
  running: ['pause-button', 'stop-button'],
  paused: ['resume-button', 'stop-button'],
};
const AT_REST = ['run-button'];

export function RunControls() {
  const store = useLabStore();
  const status = useLab((s) => s.status);
  const configValid = useLab((s) => s.config !== null);
  const runError = useLab((s) => s.runError);
  const runConfig = useLab((s) => s.runConfig);
  const records = useLab((s) => s.records);
  const row = useRef<HTMLDivElement>(null);
  /** Whether the keyboard focus was last on one of these buttons (a pressed button that disables itself drops it). */
  const focusedHere = useRef(false);
  const act = (f: () => Promise<unknown>) => () => {
    // Failures are recorded in the store (runError / status) and shown below.
    f().catch(() => undefined);
  };
  const s = () => store.getState();

  useEffect(() => {
    const track = (e: FocusEvent) => (focusedHere.current = !!row.current && row.current.contains(e.target as Node));
    document.addEventListener('focusin', track);
    return () => document.removeEventListener('focusin', track);
  }, []);
  useEffect(() => {
    // Focus left on a disabled button (or dropped to the body) moves to the control that now acts.
    const active = document.activeElement;
    const lost = active === document.body || active === null || (active instanceof HTMLButtonElement && active.disabled);
    if (!focusedHere.current || !lost || !row.current) return;
    for (const id of NEXT_FOCUS[status] ?? AT_REST) {
      const next = row.current.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`);
      if (next && !next.disabled) {
        next.focus({ preventScroll: true });
        return;
      }
    }
  }, [status, configValid]);

  const done = records.at(-1)?.step ?? 0;
  const lastProbe = [...records].reverse().find((r) => r.probeAccuracy !== undefined)?.step;
  const nextCheckpoint = runConfig && isRunActive(status) ? nextCheckpointStep(runConfig, done) : null;

  return (
    <section className="card run-controls">
      <div className="run-controls-row">
        <div className="button-row" ref={row}>
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
          <button className="btn btn-danger" data-testid="stop-button" disabled={status !== 'running' && status !== 'paused'} onClick={act(() => s().stop())}>
            Stop
          </button>
          {!configValid && !isRunActive(status) && <span className="run-hint">Fix the experiment config to run.</span>}
        </div>
        <span className={`status-pill status-${status}`} data-testid="status">
          {status}
        </span>
      </div>
      <ProgressBar />
      {isRunActive(status) && runConfig && (
        <div className="field-hint" data-testid="next-checkpoint">
          {nextCheckpoint !== null
            ? `Next checkpoint (what Resume continues from) at step ${nextCheckpoint}.`
            : 'No checkpoint falls before the end of this run.'}
        </div>
      )}
      {status === 'stopped' && runConfig && (
        <div className="alert alert-info" role="status" data-testid="stop-note">
          <span>
            {done === 0
              ? 'Stopped before its first step: nothing was trained.'
              : `Stopped; its last record is step ${done} of ${runConfig.steps}. Stop takes no final probe: ${lastProbe !== undefined ? `the last probe is from step ${lastProbe}` : 'no probe ran before the stop'}.`}
          </span>
        </div>
      )}
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
