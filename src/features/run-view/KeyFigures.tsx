/** The headline numbers of the run: FLOPs and time per step, cumulative FLOPs, accuracy, loss. */
import type { ReactNode } from 'react';
import { lastWith } from '../../ui/derived';
import { formatDuration, formatFlops, formatInteger, formatPercent } from '../../ui/format';
import { useLab } from '../../ui/labContext';
import type { TrainRecord } from '../../train/records';

interface FigureProps {
  label: string;
  value: ReactNode;
  note?: ReactNode;
  /** The note in full where the card shows it short. */
  noteTitle?: string;
  testId?: string;
  dataValue?: number;
}

function Figure({ label, value, note, noteTitle, testId, dataValue }: FigureProps) {
  return (
    <div className="figure">
      <div className="figure-label">{label}</div>
      <div className="figure-value" data-testid={testId} data-value={dataValue}>
        {value}
      </div>
      <div className="figure-note" title={noteTitle}>
        {note ?? '\u00a0'}
      </div>
    </div>
  );
}

export function KeyFigures() {
  const profile = useLab((s) => s.profile);
  const records = useLab((s) => s.records);
  const timestampQuery = useLab((s) => (s.backend ? s.backend.timestampQuery : null));
  const last = records.length > 0 ? records[records.length - 1] : undefined;
  const gpu = lastWith(records, 'gpuMs');
  const probe = lastWith(records, 'probeAccuracy');
  const patch = lastWith(records, 'patchMiou');
  const baseline = useLab((s) => s.baseline);
  const ms = (v: number) => (v < 1000 ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : formatDuration(v));

  return (
    <div className="figures" data-testid="key-figures">
      <Figure
        label="FLOPs per step"
        testId="flops-per-step"
        dataValue={profile?.totalFlops}
        value={profile ? formatFlops(profile.totalFlops) : '—'}
        note={profile ? `${formatInteger(profile.totalFlops)} exactly` : 'counted on the first step'}
      />
      <Figure label="Wall time per step" testId="ms-per-step" value={last ? ms(last.stepMs) : '—'} note="mean over the log interval" />
      <Figure
        label="GPU time per step"
        testId="gpu-ms-per-step"
        value={gpu?.gpuMs !== undefined ? ms(gpu.gpuMs) : last ? <span className="figure-na">n/a</span> : '—'}
        note={gpu ? `kernels of step ${gpu.step}` : last || timestampQuery === false ? 'n/a (no timestamp-query)' : 'sampled when timed'}
      />
      <Figure
        label="Cumulative FLOPs"
        testId="cumulative-flops"
        dataValue={last?.flops}
        value={last ? formatFlops(last.flops) : '—'}
        note={last && last.evalFlops > 0 ? `+ ${formatFlops(last.evalFlops)} probe eval` : 'pre-training only'}
      />
      <Figure
        label="Probe accuracy"
        testId="probe-accuracy"
        value={probe?.probeAccuracy !== undefined ? formatPercent(probe.probeAccuracy) : '—'}
        note={
          probe
            ? probe.probeInterval
              ? `step ${probe.step}, 95% CI ${(100 * probe.probeInterval[0]).toFixed(1)}–${formatPercent(probe.probeInterval[1])}`
              : `probe at step ${probe.step}`
            : 'no probe yet'
        }
      />
      <Figure
        label="Patch mIoU"
        testId="patch-miou"
        dataValue={patch?.patchMiou}
        value={patch?.patchMiou !== undefined ? formatPercent(patch.patchMiou) : '—'}
        note={baseline?.patchMiou !== undefined ? `dense probe; random init ${formatPercent(baseline.patchMiou)}` : 'dense probe on frozen patch tokens'}
      />
      <Figure
        label="Probe time"
        testId="probe-share"
        dataValue={last && last.wallMs > 0 ? last.evalMs / last.wallMs : undefined}
        value={last && last.wallMs > 0 ? formatPercent(last.evalMs / last.wallMs) : '—'}
        note={last ? probeTimeNote(last) : 'share of the wall time spent probing'}
        noteTitle={last ? probeTimeTitle(last) : undefined}
      />
      <Figure label="Loss" testId="loss" value={last ? last.loss.toFixed(4) : '—'} note={last ? `step ${formatInteger(last.step)}` : '\u00a0'} />
    </div>
  );
}

/** Where the probe time went: all in the training thread, or mostly on the second worker beside it (short: the card is narrow). */
function probeTimeNote(last: Pick<TrainRecord, 'evalMs' | 'wallMs' | 'probeWorkerMs'>): string {
  if (!last.probeWorkerMs) return `${formatDuration(last.evalMs)} of ${formatDuration(last.wallMs)} wall`;
  return `${formatDuration(last.evalMs)}; +${formatDuration(last.probeWorkerMs)} on 2nd worker`;
}

/** The same, in full, for the note's tooltip. */
function probeTimeTitle(last: Pick<TrainRecord, 'evalMs' | 'wallMs' | 'probeWorkerMs'>): string | undefined {
  if (!last.probeWorkerMs) return undefined;
  return `${formatDuration(last.evalMs)} of ${formatDuration(last.wallMs)} wall on the training thread; the probes took ${formatDuration(last.probeWorkerMs)} on a second worker beside training`;
}
