/**
 * What one point of the sweep chart is: its full config summary, what it
 * reached, what it cost (FLOPs, wall time, and energy and CO2 three ways: on
 * the chosen device, paper-equivalent, this device), and, once pinned by a
 * click, a link per seed that reopens that run's config in a new tab.
 */
import { KeyValueTable } from '../../ui/KeyValueTable';
import { co2Of, hoursOn } from '../../carbon/devices';
import { paperEquivalent, thisTab } from '../../carbon/paperEquivalent';
import { configToHash } from '../../store/urlState';
import type { ExperimentInput } from '../../train/config';
import { formatCo2, formatDuration, formatEnergy, formatFlops, formatHours, formatPercent } from '../../ui/format';
import type { CarbonSetup, CurvePoint, Measure } from './sweepSeries';

export const MEASURE_LABEL: Record<Measure, string> = { probe: 'kNN probe accuracy', patchMiou: 'patch mIoU (dense probe)' };

/** "120" when every seed took the same steps, else "118–121". */
function stepsOf(p: CurvePoint): string {
  const steps = p.runs.map((r) => r.steps);
  const lo = Math.min(...steps);
  const hi = Math.max(...steps);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

function valueOf(p: CurvePoint): string {
  const v = formatPercent(p.y);
  if (p.spread === 'seeds') return `${v} (mean of ${p.seeds.length} seeds; ${formatPercent(p.low)}–${formatPercent(p.high)})`;
  if (p.spread === 'probe interval') return `${v} (95 % interval ${formatPercent(p.low)}–${formatPercent(p.high)})`;
  return v;
}

interface DetailsProps {
  point: CurvePoint;
  label: string;
  measure: Measure;
  setup: CarbonSetup;
  localWatts: number;
}

function Rows({ point: p, label, measure, setup, localWatts }: DetailsProps) {
  const first = p.runs[0];
  const options = Object.entries(first.options);
  const hours = hoursOn(p.flops, setup.device, setup.utilisation, p.steps);
  const onDevice = co2Of(hours, setup.device.watts, setup.pue, setup.region);
  const paper = paperEquivalent(p.flops);
  const here = thisTab(p.wallMs, localWatts, setup.region.gCo2PerKwh);
  const rows: [string, string][] = [
    [MEASURE_LABEL[measure], valueOf(p)],
    ['method', first.method + (options.length ? ` (${options.map(([k, v]) => `${k} ${String(v)}`).join(', ')})` : ' (default options)')],
    ['dataset · model', `${first.dataset} · ${first.model}`],
    ['budget · steps', `${formatFlops(p.budget)} · ${stepsOf(p)} steps`],
    [p.seeds.length > 1 ? 'seeds' : 'seed', p.seeds.join(', ')],
    ['FLOPs spent', formatFlops(p.flops)],
    ['wall time here', `${formatDuration(p.wallMs)}${p.seeds.length > 1 ? ' (mean)' : ''} on ${first.backend || '?'}`],
    [
      setup.device.measured ? 'at the measured rate' : `on ${setup.device.name.replace(/^NVIDIA /, '')}`,
      `${formatHours(hours)} · ${formatEnergy(onDevice.kwh)} · ${formatCo2(onDevice.kgCo2)} CO₂`,
    ],
    ['paper-equivalent', `${formatHours(paper.hours)} · ${formatEnergy(paper.kwh)} · ${formatCo2(paper.kgCo2)} CO₂`],
    ['this device', `${formatEnergy(here.kwh)} · ${formatCo2(here.kgCo2)} CO₂ (${localWatts} W)`],
  ];
  return (
    <>
      <div className="sweep-point-title">{label}</div>
      <KeyValueTable rows={rows} className="sweep-point-table" />
    </>
  );
}

/** The hover tooltip. */
export function SweepTooltip(props: DetailsProps & { large?: boolean }) {
  return (
    <div className={`sweep-tooltip ${props.large ? 'is-large' : ''}`} data-testid="sweep-tooltip">
      <Rows {...props} />
      <div className="sweep-point-hint">Click the point to pin it, with a link to its config.</div>
    </div>
  );
}

/** A clicked point, kept under the chart, with links that reopen each seed's config. */
export function PinnedPoint(props: DetailsProps & { onClose(): void }) {
  return (
    <div className="sweep-pinned" data-testid="sweep-pinned">
      <Rows {...props} />
      <div className="sweep-pinned-actions">
        {props.point.runs.map((r) => (
          <a
            key={r.key}
            className="btn btn-small"
            href={configToHash(r.config as ExperimentInput)}
            target="_blank"
            rel="noreferrer"
            data-testid="sweep-point-link"
          >
            Open seed {r.seed}’s config ↗
          </a>
        ))}
        <button className="btn btn-small btn-ghost" onClick={props.onClose}>
          Unpin
        </button>
      </div>
    </div>
  );
}
