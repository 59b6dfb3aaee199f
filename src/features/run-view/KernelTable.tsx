/** Every kernel of the profiled step with its FLOPs, calls and share of the step. */
import { formatFlops, formatInteger, formatPercent } from '../../ui/format';
import type { KernelRow } from './kernelRows';
import { EmptyRow } from '../../ui/KeyValueTable';

export function KernelTable({ rows, height }: { rows: KernelRow[]; height: number }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="kernel table" style={{ height }} data-testid="kernel-table">
      <table className="table">
        <thead>
          <tr>
            <th>kernel</th>
            <th className="num">FLOPs</th>
            <th className="num">calls</th>
            <th className="num">share</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && <EmptyRow columns={4}>no profile yet</EmptyRow>}
          {rows.map((r) => (
            <tr key={r.kernel} className={r.counted ? undefined : 'row-uncounted'}>
              <td className="kernel-name" title={r.counted ? undefined : 'no FLOP formula: counted as 0'}>
                {r.kernel}
                {!r.counted && <span className="tag tag-warn">no formula</span>}
              </td>
              <td className="num">{r.flops > 0 ? formatFlops(r.flops) : '0'}</td>
              <td className="num">{formatInteger(r.calls)}</td>
              <td className="num">{formatPercent(r.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
