/**
 * Segmentation transfer results: each fine-tuned checkpoint and the from-scratch
 * baseline, with median and per-seed mIoU and the fine-tuning FLOPs, which are
 * counted apart from (and never added to) the pre-training FLOPs.
 */
import { NUM_SEG_CLASSES } from '../../transfer/ade';
import { Card } from '../../ui/Card';
import { formatFlops, formatPercent } from '../../ui/format';
import { useLab } from '../../ui/labContext';
import { EmptyRow } from '../../ui/KeyValueTable';

export function TransferCard() {
  const transfer = useLab((s) => s.transfer);
  const kind = useLab((s) => (s.runConfig ?? s.config)?.transfer.kind ?? 'none');
  const progress = useLab((s) => s.transferProgress);
  if (transfer.length === 0 && !progress && kind === 'none') return null;
  const scratch = transfer.find((t) => t.init === 'scratch');
  const totalFinetune = transfer.reduce((sum, t) => sum + t.finetuneFlops, 0);

  return (
    <Card
      title="Segmentation transfer (ADE-like)"
      subtitle={`Encoder + conv head fine-tuned on held-out scenes; mIoU on the fixed validation split, ${NUM_SEG_CLASSES} classes incl. background.`}
      className="card-wide"
      testId="transfer-card"
    >
      <div className="table-scroll" tabIndex={0} role="region" aria-label="segmentation transfer table">
        <table className="table" data-testid="transfer-table" data-rows={transfer.length}>
          <thead>
            <tr>
              <th>encoder</th>
              <th className="num">pre-training FLOPs</th>
              <th className="num">mIoU (median)</th>
              <th className="num">vs scratch</th>
              <th>per seed</th>
              <th className="num">fine-tune FLOPs</th>
            </tr>
          </thead>
          <tbody>
            {transfer.length === 0 && (
              <EmptyRow columns={6}>{progress ? 'Fine-tuning…' : 'Fine-tuning runs when pre-training reaches its last step (and any checkpoints).'}</EmptyRow>
            )}
            {transfer.map((t, i) => (
              <tr key={i} data-testid={`transfer-row-${t.init}`}>
                <td>{t.init === 'scratch' ? 'from scratch' : `pre-trained, step ${t.step}`}</td>
                <td className="num">{t.init === 'scratch' ? '—' : formatFlops(t.pretrainFlops)}</td>
                <td className="num" data-testid="transfer-miou" data-value={t.miou}>
                  {formatPercent(t.miou)}
                </td>
                <td className="num">
                  {scratch && t.init !== 'scratch' ? `${t.miou >= scratch.miou ? '+' : ''}${((t.miou - scratch.miou) * 100).toFixed(1)} pt` : ''}
                </td>
                <td>{t.runs.map((r) => formatPercent(r.miou)).join(' · ')}</td>
                <td className="num">{formatFlops(t.finetuneFlops)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {transfer.length > 0 && <div className="caveat">Fine-tuning FLOPs in all: {formatFlops(totalFinetune)} (not part of the pre-training axis).</div>}
    </Card>
  );
}
