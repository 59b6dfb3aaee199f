/** The MAE decoder's share of a step, in FLOPs and in measured kernel time, beside the paper's figures (A.5, §2.1). */
import type { ComparisonRow } from '../../train/records';
import { maeShareRows } from './comparisonRows';
import { formatPercent } from '../../ui/format';
import { EmptyRow } from '../../ui/KeyValueTable';

const share = (v: number | null) => (v === null ? 'n/a' : formatPercent(v, 0));

export function MaeShareTable({ rows }: { rows: ComparisonRow[] }) {
  const mae = maeShareRows(rows);
  return (
    <div className="mae-share" data-testid="mae-share-table">
      <h3 className="subheading">MAE decoder share</h3>
      <p className="table-note">
        Decoder share of forward + backward (the step less the optimizer update): FLOPs as counted, kernel time as measured. The paper’s shares are for its
        8-layer decoder; its tiny decoder has 1 layer.
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="MAE decoder share table">
        <table className="table">
          <thead>
            <tr>
              <th className="num">mask</th>
              <th>decoder</th>
              <th className="num">FLOP share</th>
              <th className="num">time share</th>
              <th className="num">tiny speed-up</th>
              <th title="Appendix A.5 (8-layer decoder, share of forward+backward time) and section 2.1 (1-layer decoder)">paper</th>
            </tr>
          </thead>
          <tbody>
            {mae.length === 0 && <EmptyRow columns={6}>MAE rows appear as the comparison profiles them.</EmptyRow>}
            {mae.map((r) => (
              <tr key={r.key} data-key={r.key}>
                <td className="num">{formatPercent(r.maskRatio, 0)}</td>
                <td>{r.decoder}</td>
                <td className="num strong">{share(r.flopShare)}</td>
                <td className="num strong">{share(r.timeShare)}</td>
                <td className="num">{r.decoder !== 'tiny' ? '—' : r.speedup === null ? 'n/a' : `${formatPercent(r.speedup, 0)} faster`}</td>
                <td className={r.paper === '—' ? 'muted' : undefined}>{r.paper}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="caveat">
        Toy scale: our “standard” decoder is the analogue of MAE’s 8-layer one (2 layers for toy-B), “tiny” has 1 layer, and kernel time is measured on this
        backend, so shares will differ from the paper’s TPU profile.
      </p>
    </div>
  );
}
