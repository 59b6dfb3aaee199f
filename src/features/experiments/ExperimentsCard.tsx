/**
 * "Experiments": the paper's figures and table as sweeps to run here. Pick a
 * preset (what it mirrors, the question it answers, how long it takes), run
 * it (each run is an ordinary stored run), watch it fill in, and read the
 * answer: the measure against FLOPs, hours or kg CO2 with the Pareto frontier,
 * or the method x dataset grid. Results export as JSON / CSV and open again
 * without running. It shows whatever sweep the store holds, so a sweep started
 * from `window.floplab.sweep(...)` appears here too.
 */
import { useEffect, useState } from 'react';
import {
  DEFAULT_DEVICE_ID,
  DEFAULT_PUE,
  DEFAULT_REGION_ID,
  DEFAULT_UTILISATION,
  deviceById,
  fittedDevice,
  measuredDevice,
  regionById,
  type Device,
} from '../../carbon/devices';
import { fitPowerLaw } from '../../carbon/timeModel';
import { EXPERIMENT_PRESETS, presetSpec, type ExperimentPreset } from '../../experiments/presets';
import { expandSweep } from '../../experiments/sweep';
import { parseSweepFile, sweepCsv, sweepFile, type SweepFile, type SweepPoint } from '../../experiments/sweepResults';
import { Card } from '../../ui/Card';
import { FileButton } from '../../ui/FileButton';
import { isRunActive } from '../../ui/derived';
import { download } from '../../ui/download';
import { formatSiUnit } from '../../ui/format';
import { useLab, useLabStore } from '../../ui/labContext';
import { SweepChart } from './SweepChart';
import { SweepAxisControls, SweepFailures, SweepNotes, SweepProgressBlock, THIS_DEVICE, THIS_DEVICE_FIT } from './SweepParts';
import { SweepBuilder } from './SweepBuilder';
import { SweepGrid } from './SweepGrid';
import { seriesNames, sweepSeries, type Measure, type XAxisKind } from './sweepSeries';

const presetById = (id: string | undefined): ExperimentPreset | undefined => EXPERIMENT_PRESETS.find((p) => p.id === id);
const fileStem = (name: string) =>
  name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase() || 'sweep';

/** How many runs a preset queues, or why it cannot. */
function runsOf(preset: ExperimentPreset, seeds: number): { runs: number } | { error: string } {
  try {
    return { runs: expandSweep(presetSpec(preset, { seeds })).length };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The rate these runs reached here (FLOPs / wall time, probes included), as a device; null before any finished run. */
function measuredFrom(points: SweepPoint[], watts: number, where: string): Device | null {
  const done = points.filter((p) => p.status === 'done' && p.flops > 0 && p.wallMs > 0);
  const flops = done.reduce((s, p) => s + p.flops, 0);
  const ms = done.reduce((s, p) => s + p.wallMs, 0);
  if (done.length === 0) return null;
  const device = measuredDevice(flops, ms, watts);
  return { ...device, name: `${where} (${done[0].backend}, ${formatSiUnit(flops / (ms / 1000), 'FLOP/s')} measured)` };
}

export function ExperimentsCard() {
  const store = useLabStore();
  const sweep = useLab((s) => s.sweep);
  const runActive = useLab((s) => isRunActive(s.status));
  const backend = useLab((s) => s.config?.backend);
  const localWatts = useLab((s) => s.config?.carbon.localWatts ?? s.runConfig?.carbon.localWatts);
  const [presetId, setPresetId] = useState(EXPERIMENT_PRESETS[0].id);
  const [seedsText, setSeedsText] = useState('1');
  const [loaded, setLoaded] = useState<{ file: SweepFile; fileName: string } | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [xAxis, setXAxis] = useState<XAxisKind>('flops');
  const [deviceId, setDeviceId] = useState(DEFAULT_DEVICE_ID);
  const [regionId, setRegionId] = useState<string>(DEFAULT_REGION_ID);
  const [measure, setMeasure] = useState<Measure>('probe');
  const [view, setView] = useState<'chart' | 'grid'>('chart');

  const preset = presetById(presetId)!;
  const seeds = Number(seedsText);
  const running = sweep.status === 'running';
  // What is shown: an opened file, else the store's sweep (run here or through window.floplab).
  const shown = loaded
    ? { name: loaded.file.name, preset: loaded.file.preset, order: loaded.file.order, points: loaded.file.points, shard: loaded.file.shard }
    : { name: sweep.name, preset: sweep.preset, order: sweep.order, points: sweep.results, shard: sweep.shard };
  const shownPreset = presetById(loaded ? loaded.file.preset : sweep.status !== 'idle' ? sweep.preset : presetId);

  // Each preset opens on the measure the paper plots and the view that shows it.
  useEffect(() => {
    if (!shownPreset) return;
    setPresetId(shownPreset.id);
    setMeasure(shownPreset.measure);
    setView(shownPreset.view === 'grid' ? 'grid' : 'chart');
  }, [shownPreset]);
  // A sweep that starts (here or from the API) takes over from an opened file.
  useEffect(() => {
    if (sweep.status === 'running') setLoaded(null);
  }, [sweep.startedAt, sweep.status]);

  const watts = localWatts ?? 45;
  const measured = measuredFrom(shown.points, watts, loaded ? 'the runs’ device' : 'this device');
  // The paper's A.1 model: step time vs step FLOPs across the methods profiled here ("FLOPs per step by method").
  const comparison = useLab((s) => s.comparison);
  const fit = comparison.status === 'done' ? fitPowerLaw(comparison.rows.map((r) => ({ flops: r.totalFlops, ms: r.kernelMs }))) : null;
  const fitted = fit ? fittedDevice(fit, watts) : null;
  const device =
    deviceId === THIS_DEVICE && measured
      ? measured
      : deviceId === THIS_DEVICE_FIT && fitted
        ? fitted
        : deviceById(deviceId === THIS_DEVICE || deviceId === THIS_DEVICE_FIT ? DEFAULT_DEVICE_ID : deviceId);
  const region = regionById(regionId);
  // A machine at home or in an office has no data-centre overhead to count (as the "this tab" readout).
  const pue = device.measured ? 1 : DEFAULT_PUE;
  const setup = { device, utilisation: DEFAULT_UTILISATION, pue, region };
  const ss = sweepSeries(shown.points, measure, xAxis, setup);
  const names = seriesNames(ss.series);
  const count = preset.kind === 'sweep' ? runsOf(preset, seeds) : null;

  const run = () => {
    setMessage(null);
    setLoaded(null);
    if (preset.kind === 'profile') {
      // Figure 3 trains nothing: it profiles one step of every method, drawn by the "FLOPs per step by method" card.
      document.querySelector('[data-testid="method-comparison"]')?.scrollIntoView({ behavior: 'smooth' });
      store
        .getState()
        .compareMethods({ ...preset.profile, ...(backend ? { backend } : {}) })
        .catch((e: Error) => setMessage({ error: true, text: e.message }));
      return;
    }
    try {
      const spec = presetSpec(preset, { seeds, ...(backend && backend !== 'auto' ? { backend } : {}) });
      store
        .getState()
        .runSweep(spec, { name: preset.title, preset: preset.id })
        .catch((e: Error) => setMessage({ error: true, text: e.message }));
    } catch (e) {
      setMessage({ error: true, text: (e as Error).message });
    }
  };

  const exportAs = (format: 'json' | 'csv') => {
    const file = sweepFile(shown.name, shown.order, shown.points, {
      ...(shown.preset ? { preset: shown.preset } : {}),
      ...(shown.shard ? { shard: shown.shard } : {}),
    });
    if (format === 'json') download(`${fileStem(shown.name)}.json`, JSON.stringify(file, null, 2), 'application/json');
    else download(`${fileStem(shown.name)}.csv`, sweepCsv(file), 'text/csv');
  };

  const open = async (input: HTMLInputElement) => {
    const f = input.files?.[0];
    input.value = ''; // the same file picked again still fires a change
    if (!f) return;
    try {
      const file = parseSweepFile(await f.text());
      setLoaded({ file, fileName: f.name });
      setMessage({
        error: false,
        text: `Showing ${f.name}: “${file.name}”, ${file.points.length} runs, saved ${file.createdAt.slice(0, 16).replace('T', ' ')}.`,
      });
    } catch (e) {
      setMessage({ error: true, text: `${f.name}: ${(e as Error).message}. Nothing was changed.` });
    }
  };

  const actions = (
    <div className="experiments-actions">
      <button className="btn btn-small" disabled={shown.points.length === 0} onClick={() => exportAs('json')} data-testid="sweep-export-json">
        Export JSON
      </button>
      <button className="btn btn-small" disabled={shown.points.length === 0} onClick={() => exportAs('csv')} data-testid="sweep-export-csv">
        Export CSV
      </button>
      <FileButton
        className="btn btn-small experiments-open"
        accept=".json,application/json"
        inputTestId="sweep-open-file"
        onChange={(e) => void open(e.target)}
      >
        Open results file…
      </FileButton>
    </div>
  );

  return (
    <Card
      title="Experiments"
      subtitle="The paper’s figures as sweeps you can run here: where should the FLOPs go?"
      actions={actions}
      className="card-wide"
      testId="experiments-card"
    >
      <div className="experiments-picker">
        <label className="field experiments-preset">
          <span className="field-label">Preset</span>
          <select className="input" value={presetId} onChange={(e) => setPresetId(e.target.value)} disabled={running} data-testid="experiment-preset">
            {EXPERIMENT_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
              </option>
            ))}
          </select>
        </label>
        {preset.kind === 'profile' ? (
          <div aria-hidden />
        ) : (
          <label className="field experiments-seeds">
            <span className="field-label">Seeds</span>
            <input
              className="input"
              inputMode="numeric"
              value={seedsText}
              onChange={(e) => setSeedsText(e.target.value)}
              aria-invalid={count !== null && 'error' in count}
              disabled={running}
              data-testid="experiment-seeds"
            />
          </label>
        )}
        <div className="button-row experiments-run">
          <button
            className="btn btn-primary"
            onClick={run}
            disabled={running || runActive || (count !== null && 'error' in count)}
            title={runActive && !running ? 'Wait for the run in progress to finish' : undefined}
            data-testid="experiment-run"
          >
            {preset.kind === 'profile' ? 'Profile' : 'Run'}
          </button>
          <button className="btn" onClick={() => void store.getState().stopSweep()} disabled={!running} data-testid="experiment-stop">
            Stop
          </button>
        </div>
        <dl className="experiments-about" data-testid="experiment-about">
          <div>
            <dt>Mirrors</dt>
            <dd>{preset.mirrors}</dd>
          </div>
          <div>
            <dt>Question</dt>
            <dd>{preset.question}</dd>
          </div>
          <div>
            <dt>Wall time</dt>
            <dd>
              {count && 'runs' in count && `${count.runs} run${count.runs === 1 ? '' : 's'}; `}
              here: {preset.wallTime.here}; laptop GPU: {preset.wallTime.laptopGpu}
            </dd>
          </div>
        </dl>
      </div>
      <details className="experiments-custom" data-testid="experiments-custom">
        <summary>Custom sweep: your own methods, datasets, models, budgets and option values</summary>
        <SweepBuilder
          disabled={running || runActive}
          onRun={(spec, name) => {
            setMessage(null);
            setLoaded(null);
            store
              .getState()
              .runSweep(spec, { name })
              .catch((e: Error) => setMessage({ error: true, text: e.message }));
          }}
        />
      </details>
      {preset.kind === 'profile' && (
        <p className="muted experiments-note">
          Figure 3 trains nothing: “Profile” measures one step of every method and draws it in the “FLOPs per step by method” card below.
        </p>
      )}
      {count && 'error' in count && (
        <div className="alert alert-error" role="alert">
          {count.error}
        </div>
      )}
      {message && (
        <div className={`alert ${message.error ? 'alert-error' : 'alert-info'}`} role={message.error ? 'alert' : 'status'} data-testid="experiments-message">
          <span>{message.text}</span>
          {loaded && !message.error && (
            <button
              className="btn btn-small"
              onClick={() => {
                setLoaded(null);
                setMessage(null);
              }}
            >
              {sweep.status === 'idle' ? 'Close the file' : 'Back to the live sweep'}
            </button>
          )}
          <button className="btn btn-small btn-ghost" onClick={() => setMessage(null)}>
            Dismiss
          </button>
        </div>
      )}
      {!loaded && <SweepProgressBlock />}
      <SweepFailures points={shown.points} />
      <SweepAxisControls {...{ xAxis, setXAxis, deviceId, setDeviceId, measured, fitted, regionId, setRegionId, measure, setMeasure, view, setView }} />
      {view === 'chart' ? (
        <SweepChart points={shown.points} measure={measure} xAxis={xAxis} device={device} pue={pue} region={region} localWatts={watts} height={340} />
      ) : (
        <SweepGrid points={shown.points} />
      )}
      {shown.points.length > 0 && <SweepNotes {...{ ss, names, measure, view, xAxis, device, pue, region }} />}
    </Card>
  );
}
