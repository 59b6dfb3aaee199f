/**
 * Two or more stored runs side by side: probe accuracy against cumulative
 * pre-training FLOPs (log axis), one line per run, and a table of what
 * differs and where each ended (probe with its interval, patch mIoU,
 * fine-tuned mIoU, FLOPs, wall time).
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { StoredRun } from '../../store/storedRun';
import { logTicks } from '../../ui/charts/axisTicks';
import { AXIS_TICK, GRID, TOOLTIP_PROPS } from '../../ui/charts/chartTheme';
import { formatDuration, formatFlops, formatPercent } from '../../ui/format';
import { paretoFrontier } from '../../experiments/sweep';
import { modelLabel } from '../comparison/comparisonRows';

/** Distinct hues, so that runs are told apart at a glance. */
const RUN_COLOURS = ['#38bdf8', '#f472b6', '#34d399', '#fbbf24', '#a78bfa', '#fb923c', '#e2e8f0', '#f87171'];

const probePoints = (run: StoredRun) => run.records.filter((r) => r.probeAccuracy !== undefined && r.flops > 0);

/** Each run's final probe against the FLOPs it spent, and the runs no cheaper run beats. */
function frontierOf(runs: StoredRun[]) {
  const finals = runs.flatMap((run) => {
    const last = probePoints(run).at(-1);
    return last?.probeAccuracy !== undefined ? [{ x: last.flops, y: last.probeAccuracy, run }] : [];
  });
  return paretoFrontier(finals);
}

export function RunsCompare({ runs }: { runs: StoredRun[] }) {
  const frontier = frontierOf(runs);
  const flops = runs.flatMap((r) => probePoints(r).map((p) => p.flops));
  const ticks = flops.length ? logTicks(Math.min(...flops), Math.max(...flops)) : [];
  return (
    <div className="runs-compare" data-testid="runs-compare" data-runs={runs.length}>
      <h3 className="subheading">Probe accuracy vs pre-training FLOPs</h3>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid stroke={GRID} strokeDasharray="3 3" />
          <XAxis
            dataKey="flops"
            type="number"
            scale="log"
            domain={['dataMin', 'dataMax']}
            ticks={ticks}
            tickFormatter={formatFlops}
            tick={AXIS_TICK}
            allowDuplicatedCategory={false}
          />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} tick={AXIS_TICK} width={48} />
          <Tooltip {...TOOLTIP_PROPS} labelFormatter={(v) => `${formatFlops(Number(v))} FLOPs`} formatter={(v) => formatPercent(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {runs.map((run, i) => (
            <Line
              key={run.id}
              data={probePoints(run)}
              dataKey="probeAccuracy"
              name={run.name}
              stroke={RUN_COLOURS[i % RUN_COLOURS.length]}
              dot
              isAnimationActive={false}
            />
          ))}
          {frontier.length > 1 && (
            <Line
              data={frontier.map((p) => ({ flops: p.x, frontier: p.y }))}
              dataKey="frontier"
              name="Pareto frontier (final probes)"
              stroke="#e2e8f0"
              strokeDasharray="6 4"
              dot={false}
              isAnimationActive={false}
            />
          )}
        </LineChart>
      </ResponsiveContainer>
      <p className="muted frontier-list" data-testid="pareto-frontier" data-runs={frontier.length}>
        Pareto frontier (best final probe for its FLOPs): {frontier.map((p) => p.run.name).join(' → ') || '—'}
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="run comparison table">
        <table className="table" data-testid="runs-compare-table">
          <thead>
            <tr>
              <th>run</th>
              <th>method</th>
              <th>dataset</th>
              <th>model</th>
              <th className="num">FLOPs</th>
              <th className="num">probe (95 % interval)</th>
              <th className="num">patch mIoU</th>
              <th className="num">fine-tuned mIoU</th>
              <th className="num">wall time</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const last = run.records.at(-1);
              const probe = probePoints(run).at(-1);
              const tuned = run.transfer.filter((t) => t.init === 'pretrained').at(-1);
              return (
                <tr key={run.id}>
                  <td className="run-name">{run.name}</td>
                  <td>{run.config.method}</td>
                  <td className="nowrap">{run.config.dataset.preset}</td>
                  <td className="nowrap">{modelLabel(run.config.model)}</td>
                  <td className="num">{last ? formatFlops(last.flops) : '—'}</td>
                  <td className="num">
                    {probe?.probeAccuracy !== undefined ? formatPercent(probe.probeAccuracy) : '—'}
                    {probe?.probeInterval && ` (${formatPercent(probe.probeInterval[0], 0)}–${formatPercent(probe.probeInterval[1], 0)})`}
                  </td>
                  <td className="num">{probe?.patchMiou !== undefined ? formatPercent(probe.patchMiou) : '—'}</td>
                  <td className="num">{tuned ? formatPercent(tuned.miou) : '—'}</td>
                  <td className="num">{last ? formatDuration(last.wallMs) : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
