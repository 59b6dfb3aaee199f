/**
 * The paper's Table 1 at toy scale: method (variant) x pre-training dataset,
 * each cell the mean over seeds at the row's largest budget on that dataset,
 * for both measures side by side (the kNN probe and the patch mIoU, the
 * segmentation proxy), the best dataset of each method highlighted.
 */
import type { SweepPoint } from '../../experiments/sweepResults';
import { formatFlops, formatPercent } from '../../ui/format';
import { MEASURE_LABEL } from './SweepPointDetails';
import { sweepGrid, type Measure } from './sweepSeries';

const MEASURES: Measure[] = ['probe', 'patchMiou'];

function GridTable({ points, measure }: { points: SweepPoint[]; measure: Measure }) {
  const grid = sweepGrid(points, measure);
  return (
    <div className="sweep-grid-table">
      <h3 className="subheading">{MEASURE_LABEL[measure]}</h3>
      {grid.rows.length === 0 ? (
        <p className="muted sweep-grid-empty">
          No run recorded a {MEASURE_LABEL[measure]}
          {measure === 'patchMiou' ? ' (the dense patch probe was off)' : ''}.
        </p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="method by dataset grid">
          <table className="table" data-testid={`sweep-grid-${measure}`} data-rows={grid.rows.length}>
            <thead>
              <tr>
                <th>method</th>
                {grid.datasets.map((d) => (
                  <th key={d} className="num">
                    {d}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {grid.rows.map((row) => (
                <tr key={row.id}>
                  <th scope="row" className="sweep-grid-method">
                    {row.label}
                  </th>
                  {row.cells.map((cell, i) => {
                    const best = row.best.includes(i);
                    return (
                      <td
                        key={grid.datasets[i]}
                        className={`num ${best ? 'sweep-grid-best' : ''}`}
                        data-best={best || undefined}
                        title={
                          cell
                            ? `mean of ${cell.seeds} seed${cell.seeds === 1 ? '' : 's'} at ${formatFlops(cell.budget)}${best ? '; the best dataset for this method' : ''}`
                            : 'no measured run'
                        }
                      >
                        {cell ? formatPercent(cell.value) : '—'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function SweepGrid({ points }: { points: SweepPoint[] }) {
  return (
    <div className="sweep-grid" data-testid="sweep-grid">
      {MEASURES.map((m) => (
        <GridTable key={m} points={points} measure={m} />
      ))}
    </div>
  );
}
