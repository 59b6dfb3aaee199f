/** "FLOPs per step by method": the paper's Figure 3 for the current model and batch, and the MAE decoder's share (A.5). */
import { Card } from '../../ui/Card';
import { ComparisonChart } from './ComparisonChart';
import { expectedComparisonRows, modelLabel } from './comparisonRows';
import { isRunActive } from '../../ui/derived';
import { useLab, useLabStore } from '../../ui/labContext';
import { MaeShareTable } from './MaeShareTable';
import { fitPowerLaw } from '../../carbon/timeModel';

const EXPECTED = expectedComparisonRows();

export function MethodComparison() {
  const store = useLabStore();
  const comparison = useLab((s) => s.comparison);
  const config = useLab((s) => s.config);
  const runActive = useLab((s) => isRunActive(s.status));
  const running = comparison.status === 'running';
  // The figures describe the config they were profiled with; before that, the one being edited.
  const shown = comparison.config ?? config;
  const { rows } = comparison;

  const subtitle = shown
    ? `One profiled step of each method, and of MAE at 4 mask ratios × 2 decoders, for ${modelLabel(shown.model)} at batch ${shown.batchSize}`
    : 'One profiled step of each method for the current model and batch (fix the config first)';
  const why = runActive ? 'Wait for the run to finish' : !config ? 'Fix the experiment config first' : undefined;

  const actions = (
    <div className="comparison-actions">
      {running && (
        <span className="comparison-progress" data-testid="comparison-progress">
          profiling {rows.length} / {EXPECTED}
        </span>
      )}
      <button
        className="btn btn-small"
        data-testid="compare-button"
        disabled={runActive || running || !config}
        title={why}
        onClick={() => {
          store
            .getState()
            .compareMethods()
            .catch(() => {});
        }}
      >
        Compare methods
      </button>
    </div>
  );

  return (
    <Card title="FLOPs per step by method" subtitle={subtitle} actions={actions} className="card-wide" testId="method-comparison">
      {comparison.error && (
        <div className="alert alert-error comparison-error" role="alert" data-testid="comparison-error">
          <span>
            <strong>Comparison failed:</strong> {comparison.error}
          </span>
        </div>
      )}
      <div className="comparison-layout">
        <ComparisonChart
          rows={rows}
          expected={EXPECTED}
          running={running}
          empty={running ? 'Profiling the first method…' : 'Press “Compare methods” to profile one training step of every method.'}
        />
        <MaeShareTable rows={rows} />
      </div>
      <TimeFit rows={rows} running={running} />
    </Card>
  );
}

/**
 * The paper's A.1 time model on this device: the profiled steps' kernel time against their FLOPs,
 * fitted as a power law. An exponent well below 1 means steps here are bound by kernel launches
 * more than by arithmetic.
 */
function TimeFit({ rows, running }: { rows: { totalFlops: number; kernelMs: number }[]; running: boolean }) {
  const fit = running ? null : fitPowerLaw(rows.map((r) => ({ flops: r.totalFlops, ms: r.kernelMs })));
  if (!fit) return null;
  return (
    <p className="muted time-fit" data-testid="time-fit" data-b={fit.b} data-r2={fit.r2}>
      On this device, step kernel time ≈ {fit.a.toPrecision(3)} ms × FLOPs<sup>{fit.b.toFixed(2)}</sup> (R² {fit.r2.toFixed(2)}, {fit.n} profiled steps; the
      paper's A.1 time model). An exponent well below 1: steps here are bound by kernel launches more than by arithmetic.
    </p>
  );
}
