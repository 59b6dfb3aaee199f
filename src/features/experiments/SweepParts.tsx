/**
 * Parts of the Experiments card: the live sweep's progress, the runs that failed, the axis and
 * view controls, and the notes under the chart (frontier, unplotted runs, the hours and CO2 formula).
 */
import { DEFAULT_UTILISATION, DEVICES, REGIONS, type Device, type Region } from '../../carbon/devices';
import type { SweepPoint } from '../../experiments/sweepResults';
import { formatDuration, formatFlops, formatPercent } from '../../ui/format';
import { useLab } from '../../ui/labContext';
import { Segmented } from '../../ui/Segmented';
import { MEASURE_LABEL } from './SweepPointDetails';
import type { Measure, SweepSeries, XAxisKind } from './sweepSeries';
import { useSweepEta } from './useSweepEta';

const X_AXES: { id: XAxisKind; label: string }[] = [
  { id: 'flops', label: 'FLOPs' },
  { id: 'hours', label: 'hours on' },
  { id: 'co2', label: 'kg CO₂' },
];
const MEASURES: { id: Measure; label: string }[] = [
  { id: 'probe', label: 'probe' },
  { id: 'patchMiou', label: 'patch mIoU' },
];
const VIEWS: { id: 'chart' | 'grid'; label: string }[] = [
  { id: 'chart', label: 'chart' },
  { id: 'grid', label: 'method × dataset' },
];
export const THIS_DEVICE = 'this-device';
export const THIS_DEVICE_FIT = 'this-device-fit';

/** A run that ended without a result. */
const failed = (p: SweepPoint) => p.status === 'error' || p.status === 'diverged';

/** The live sweep's progress bar, runs done, ETA and the run now training; nothing when no sweep has started. */
export function SweepProgressBlock() {
  const sweep = useLab((s) => s.sweep);
  const eta = useSweepEta();
  const currentStep = useLab((s) => s.records.at(-1)?.step ?? 0);
  const currentSteps = useLab((s) => s.runConfig?.steps ?? 0);
  const running = sweep.status === 'running';
  if (sweep.status === 'idle') return null;
  return (
    <div
      className="progress-block experiments-progress"
      data-testid="experiments-progress"
      data-status={sweep.status}
      data-done={sweep.results.length}
      data-total={sweep.total}
    >
      <div
        className="progress"
        role="progressbar"
        aria-label="sweep runs done"
        aria-valuemin={0}
        aria-valuemax={sweep.total}
        aria-valuenow={sweep.results.length}
      >
        <div className="progress-fill" style={{ width: `${sweep.total ? (100 * sweep.results.length) / sweep.total : 0}%` }} />
      </div>
      <div className="progress-meta">
        <span>
          “{sweep.name}”: <strong>{sweep.results.length}</strong> / {sweep.total} runs {running ? '' : `(${sweep.status})`}
        </span>
        {running && <span data-testid="sweep-eta">{eta === null ? 'ETA after the first record' : `about ${formatDuration(eta)} left`}</span>}
        {running && sweep.current && (
          <span className="experiments-current" title={sweep.current}>
            now: {sweep.current} · step {currentStep} / {currentSteps}
          </span>
        )}
      </div>
    </div>
  );
}

/** The runs that errored or diverged, each with its reason. */
export function SweepFailures({ points }: { points: readonly SweepPoint[] }) {
  const fails = points.filter(failed);
  if (fails.length === 0) return null;
  return (
    <ul className="experiments-failures" data-testid="sweep-failures" data-count={fails.length}>
      {fails.map((p) => (
        <li key={p.key}>
          <span className={`status-pill status-${p.status === 'error' ? 'error' : 'diverged'}`}>{p.status}</span> <code>{p.key}</code>:{' '}
          {p.reason ?? 'no reason recorded'}
        </li>
      ))}
    </ul>
  );
}

interface AxisControlsProps {
  xAxis: XAxisKind;
  setXAxis(x: XAxisKind): void;
  deviceId: string;
  setDeviceId(id: string): void;
  measured: Device | null;
  fitted: Device | null;
  regionId: string;
  setRegionId(id: string): void;
  measure: Measure;
  setMeasure(m: Measure): void;
  view: 'chart' | 'grid';
  setView(v: 'chart' | 'grid'): void;
}

/** The x axis (FLOPs, hours or CO2, with the device and region), the measure and the view. */
export function SweepAxisControls({
  xAxis,
  setXAxis,
  deviceId,
  setDeviceId,
  measured,
  fitted,
  regionId,
  setRegionId,
  measure,
  setMeasure,
  view,
  setView,
}: AxisControlsProps) {
  return (
    <div className="experiments-controls">
      <div className="axis-toggle">
        <span>x axis:</span>
        <Segmented<XAxisKind> options={X_AXES} value={xAxis} onChange={setXAxis} label="x axis of the sweep chart" testIdPrefix="sweep-x-" />
        {xAxis !== 'flops' && (
          <select
            className="input input-compact"
            value={deviceId}
            onChange={(e) => setDeviceId(e.target.value)}
            aria-label="device for hours and CO2"
            data-testid="sweep-device"
          >
            {DEVICES.map((d) => (
              <option key={d.id} value={d.id} title={d.source}>
                {d.name.replace(/^NVIDIA /, '')} · {d.peakTflops} TFLOP/s {d.precision.split(' ')[0]} · {d.watts} W
              </option>
            ))}
            <option value={THIS_DEVICE} disabled={!measured}>
              {measured ? measured.name : 'this device (measured once a run finishes)'}
            </option>
            <option value={THIS_DEVICE_FIT} disabled={!fitted}>
              {fitted ? fitted.name : 'this device, A.1 fit (profile the methods first)'}
            </option>
          </select>
        )}
        {xAxis === 'co2' && (
          <select
            className="input input-compact"
            value={regionId}
            onChange={(e) => setRegionId(e.target.value)}
            aria-label="grid region"
            data-testid="sweep-region"
          >
            {REGIONS.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}, {r.gCo2PerKwh} g/kWh
              </option>
            ))}
          </select>
        )}
      </div>
      <div className="axis-toggle">
        <span>y:</span>
        <Segmented<Measure> options={MEASURES} value={measure} onChange={setMeasure} label="measure" testIdPrefix="sweep-measure-" />
        <Segmented<'chart' | 'grid'> options={VIEWS} value={view} onChange={setView} label="view" testIdPrefix="sweep-view-" />
      </div>
    </div>
  );
}

interface NotesProps {
  ss: SweepSeries;
  names: Map<string, string>;
  measure: Measure;
  view: 'chart' | 'grid';
  xAxis: XAxisKind;
  device: Device;
  pue: number;
  region: Region;
}

/** Under the chart: the Pareto frontier, the runs not plotted, and how hours and CO2 are computed. */
export function SweepNotes({ ss, names, measure, view, xAxis, device, pue, region }: NotesProps) {
  return (
    <>
      <p className="muted frontier-list" data-testid="sweep-frontier" data-points={ss.frontier.length}>
        Pareto frontier (best {MEASURE_LABEL[measure]} for its compute):{' '}
        {ss.frontier.map((p) => `${names.get(p.seriesId)} at ${formatFlops(p.budget)} (${formatPercent(p.y)})`).join(' → ') || '—'}
      </p>
      {ss.excluded.some((e) => !failed(e.point)) && (
        <p className="muted experiments-note" data-testid="sweep-unplotted">
          Not plotted:{' '}
          {ss.excluded
            .filter((e) => !failed(e.point))
            .map((e) => `${e.point.key} (${e.reason})`)
            .join('; ')}
          .
        </p>
      )}
      {view === 'chart' && xAxis !== 'flops' && (
        <p className="formula">
          {device.stepFit
            ? `Hours = steps × ${device.stepFit.a.toPrecision(3)} ms × (FLOPs per step)^${device.stepFit.b.toFixed(2)} (the A.1 fit here)`
            : `Hours = FLOPs ÷ (${device.measured ? 'the measured rate' : `peak × ${DEFAULT_UTILISATION * 100} % assumed utilisation`})`}
          ; kg CO₂ = hours × {device.watts} W × PUE {pue} × {region.gCo2PerKwh} g/kWh ({region.name}). Sources in docs/carbon.md.
        </p>
      )}
    </>
  );
}
