/**
 * The runs kept in this browser (IndexedDB): open one to see its charts again,
 * resume a stopped or interrupted one from its checkpoint (on WebGPU or wasm),
 * rename, export (JSON, CSV), delete, import a results file, and tick two or
 * more to compare them side by side. Shows the storage used and the quota.
 */
import { useState } from 'react';
import type { StoredRun } from '../../store/storedRun';
import { configToHash } from '../../store/urlState';
import { firstCheckpointStep } from '../../train/records';
import { isRunActive } from '../../ui/derived';
import { Card } from '../../ui/Card';
import { FileButton } from '../../ui/FileButton';
import { download } from '../../ui/download';
import { RunsCompare } from './RunsCompare';
import { formatDuration, formatFlops, formatPercent } from '../../ui/format';
import { formatStorageBytes } from '../../lib/bytes';
import { useSweepEta } from '../experiments/useSweepEta';
import { useLab, useLabStore } from '../../ui/labContext';

/** A URL whose hash holds the run's full resolved config (seed included): opening it restores the experiment exactly. */
const shareLink = (run: StoredRun) => `${location.origin}${location.pathname}${configToHash(run.config)}`;

const fileStem = (run: StoredRun) =>
  run.name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase() || 'run';
const lastProbe = (run: StoredRun) => [...run.records].reverse().find((r) => r.probeAccuracy !== undefined)?.probeAccuracy;
const isActiveRun = (run: StoredRun) => run.status === 'running' || run.status === 'paused';
const resumable = (run: StoredRun) => run.checkpointStep !== undefined && run.status !== 'done' && run.status !== 'running' && run.status !== 'paused';

export function RunsCard() {
  const store = useLabStore();
  const runs = useLab((s) => s.runs);
  const shownId = useLab((s) => s.runId);
  const active = useLab((s) => isRunActive(s.status));
  const storage = useLab((s) => s.storage);
  const storageError = useLab((s) => s.storageError);
  const sweep = useLab((s) => s.sweep);
  const eta = useSweepEta();
  const [selected, setSelected] = useState<string[]>([]);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const s = () => store.getState();
  const act = (f: () => Promise<unknown>, done?: string) => () =>
    f().then(
      () => done && setMessage({ error: false, text: done }),
      (e: Error) => setMessage({ error: true, text: e.message }),
    );
  const toggle = (id: string) => setSelected((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));
  const exportAs = (run: StoredRun, format: 'json' | 'csv') =>
    act(async () => download(`${fileStem(run)}.${format}`, await s().exportRun(run.id, format), format === 'json' ? 'application/json' : 'text/csv'));
  const rename = (run: StoredRun) => {
    const name = window.prompt('Rename run', run.name);
    if (name !== null) void act(() => s().renameRun(run.id, name))();
  };
  const remove = (run: StoredRun) => {
    if (window.confirm(`Delete "${run.name}" and its checkpoint? This cannot be undone.`)) {
      setSelected((ids) => ids.filter((x) => x !== run.id));
      void act(() => s().deleteRun(run.id))();
    }
  };
  const importFile = (file: File | undefined) =>
    file && act(async () => s().importRunFile(new Uint8Array(await file.arrayBuffer())), `Imported ${file.name}.`)();

  const compared = runs.filter((r) => selected.includes(r.id));
  const usage = storage
    ? `${formatStorageBytes(storage.usage)} of ${formatStorageBytes(storage.quota)} used${storage.persisted ? ', kept under storage pressure' : ''}`
    : null;

  return (
    <Card
      title="Runs"
      subtitle={
        <>
          {storageError ?? `Kept in this browser; a reload shows them again. ${usage ?? ''}`}
          {sweep.status !== 'idle' && (
            <span className="sweep-progress" data-testid="sweep-progress" data-status={sweep.status}>
              {' '}
              Sweep “{sweep.name}”: {sweep.results.length} / {sweep.total} runs
              {sweep.results.some((r) => r.status === 'error' || r.status === 'diverged') &&
                `, ${sweep.results.filter((r) => r.status === 'error' || r.status === 'diverged').length} failed`}
              {sweep.status === 'running' && eta !== null && `, about ${formatDuration(eta)} left`}
              {sweep.status !== 'running' && ` (${sweep.status})`}
            </span>
          )}
        </>
      }
      className="card-wide"
      testId="runs-card"
      actions={
        <FileButton accept=".json,application/json" inputTestId="import-run" onChange={(e) => importFile(e.target.files?.[0])}>
          Import results…
        </FileButton>
      }
    >
      {message && (
        <div className={`alert ${message.error ? 'alert-error' : 'alert-info'}`} role={message.error ? 'alert' : 'status'} data-testid="runs-message">
          <span>{message.text}</span>
          <button className="btn btn-small btn-ghost" onClick={() => setMessage(null)}>
            Dismiss
          </button>
        </div>
      )}
      <div className="table-scroll" tabIndex={0} role="region" aria-label="stored runs table">
        <table className="table runs-table" data-testid="runs-table" data-rows={runs.length}>
          <thead>
            <tr>
              <th aria-label="compare" />
              <th>run</th>
              <th>status</th>
              <th className="num">steps</th>
              <th className="num">FLOPs</th>
              <th className="num">probe</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No runs yet: press Run, or import a results file.
                </td>
              </tr>
            )}
            {runs.map((run) => {
              const last = run.records.at(-1);
              const probe = lastProbe(run);
              return (
                <tr key={run.id} className={run.id === shownId ? 'row-current' : undefined} data-testid="run-row" data-status={run.status}>
                  <td>
                    <input type="checkbox" aria-label={`compare ${run.name}`} checked={selected.includes(run.id)} onChange={() => toggle(run.id)} />
                  </td>
                  <td className="run-name" title={run.reason}>
                    {run.name}
                  </td>
                  <td>
                    <span className={`status-pill status-${run.status}`}>{run.status}</span>
                    {!resumable(run) &&
                      run.status !== 'done' &&
                      !isActiveRun(run) &&
                      run.checkpointStep === undefined &&
                      (run.records.at(-1)?.step ?? 0) < run.config.steps && (
                        <div className="field-hint" data-testid="no-checkpoint">
                          no checkpoint to resume from
                          {firstCheckpointStep(run.config) !== null
                            ? ` (the first falls at step ${firstCheckpointStep(run.config)})`
                            : ' (checkpoints are off)'}
                        </div>
                      )}
                  </td>
                  <td className="num">
                    {last?.step ?? 0} / {run.config.steps}
                  </td>
                  <td className="num">{last ? formatFlops(last.flops) : '—'}</td>
                  <td className="num">{probe !== undefined ? formatPercent(probe) : '—'}</td>
                  <td>
                    <div className="run-actions">
                      <button className="btn btn-small" disabled={active} onClick={act(() => s().openRun(run.id))} data-testid="open-run">
                        Open
                      </button>
                      {resumable(run) && (
                        <>
                          <button
                            className="btn btn-small btn-primary"
                            disabled={active}
                            onClick={act(() => s().resumeRun(run.id))}
                            data-testid="resume-run"
                            title={`from step ${run.checkpointStep}, on ${run.config.backend}`}
                          >
                            Resume
                          </button>
                          {run.config.backend !== 'wasm' && (
                            <button
                              className="btn btn-small"
                              disabled={active}
                              onClick={act(() => s().resumeRun(run.id, 'wasm'))}
                              data-testid="resume-run-wasm"
                              title={`from step ${run.checkpointStep}, on wasm`}
                            >
                              on wasm
                            </button>
                          )}
                        </>
                      )}
                      <button
                        className="btn btn-small btn-ghost"
                        onClick={act(() => navigator.clipboard.writeText(shareLink(run)), "Link copied: it opens this run's full config, seed included.")}
                        title="Copy a link that opens this run's config"
                      >
                        Link
                      </button>
                      <button className="btn btn-small btn-ghost" onClick={() => rename(run)}>
                        Rename
                      </button>
                      <button className="btn btn-small btn-ghost" onClick={exportAs(run, 'json')} data-testid="export-json">
                        JSON
                      </button>
                      <button className="btn btn-small btn-ghost" onClick={exportAs(run, 'csv')}>
                        CSV
                      </button>
                      <button className="btn btn-small btn-ghost btn-danger" disabled={active && run.id === shownId} onClick={() => remove(run)}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {compared.length >= 2 && <RunsCompare runs={compared} />}
    </Card>
  );
}
