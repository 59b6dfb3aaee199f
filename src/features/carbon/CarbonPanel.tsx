/** Editable carbon parameters and the estimate for the compute spent so far and for the full run. */
import { estimateCarbon, type CarbonEstimate, type CarbonParams } from '../../carbon/co2';
import { PAPER_SETUP, paperEquivalent, thisTab } from '../../carbon/paperEquivalent';
import { Card } from '../../ui/Card';
import { activeCarbon, DEFAULT_CONFIG } from '../../ui/derived';
import { issueAt, NumberField, TextField } from '../experiment-form/fields';
import { formatCo2, formatEnergy, formatFlops, formatHours } from '../../ui/format';
import { useLab, useLabStore } from '../../ui/labContext';

type NumericParam = Exclude<keyof CarbonParams, 'deviceName'> | 'localWatts';
const NUMERIC: { key: NumericParam; label: string }[] = [
  { key: 'peakTflops', label: 'Peak TFLOP/s' },
  { key: 'utilization', label: 'Utilisation (0–1)' },
  { key: 'watts', label: 'Board power (W)' },
  { key: 'pue', label: 'Datacentre PUE' },
  { key: 'gridGCo2PerKwh', label: 'Grid g CO₂ / kWh' },
  { key: 'localWatts', label: 'This machine (W)' },
];

export function CarbonPanel() {
  const store = useLabStore();
  const input = useLab((s) => s.input);
  const config = useLab((s) => s.config);
  const runConfig = useLab((s) => s.runConfig);
  const profile = useLab((s) => s.profile);
  const records = useLab((s) => s.records);
  const configIssues = useLab((s) => s.configIssues);
  const edited = { ...DEFAULT_CONFIG.carbon, ...input.carbon };
  const params = activeCarbon({ input, config, runConfig });
  const setParam = (key: keyof CarbonParams | 'localWatts', value: number | string) => store.getState().setInput({ carbon: { ...edited, [key]: value } });

  const soFar = records.length > 0 ? records[records.length - 1].flops : 0;
  const steps = runConfig?.steps ?? config?.steps ?? 0;
  const projected = profile ? profile.totalFlops * steps : null;
  const wallMs = records.length > 0 ? records[records.length - 1].wallMs : 0;
  const localWatts = (runConfig ?? config)?.carbon.localWatts ?? DEFAULT_CONFIG.carbon.localWatts;

  return (
    <Card title="Compute, energy and carbon" subtitle={`on ${params.deviceName}`} className="card-wide" testId="carbon-panel">
      <div className="carbon-layout">
        <div className="form-grid carbon-form">
          <div className="span-2">
            <TextField label="Reference device" value={edited.deviceName} onChange={(v) => setParam('deviceName', v)} testId="carbon-deviceName" />
          </div>
          {NUMERIC.map((p) => (
            <NumberField
              key={p.key}
              label={p.label}
              value={edited[p.key]}
              onChange={(v) => setParam(p.key, v)}
              testId={`carbon-${p.key}`}
              invalid={issueAt(configIssues, `carbon.${p.key}`)}
            />
          ))}
        </div>
        <div>
          <table className="table carbon-table" data-testid="carbon-estimate">
            <thead>
              <tr>
                <th />
                <th className="num">so far</th>
                <th className="num">full run</th>
              </tr>
            </thead>
            <tbody>
              <EstimateRow label="FLOPs" soFar={formatFlops(soFar)} full={projected !== null ? formatFlops(projected) : '—'} />
              <Rows soFar={estimateCarbon(soFar, params)} full={projected !== null ? estimateCarbon(projected, params) : null} />
            </tbody>
          </table>
          <p className="formula">
            hours = FLOPs ÷ (peak TFLOP/s × 10¹² × utilisation) ÷ 3600 · kWh = hours × W ÷ 1000 × PUE · kg CO₂ = kWh × g/kWh ÷ 1000. Full run = FLOPs per step ×{' '}
            {steps} steps.
          </p>
          <table className="table carbon-table carbon-readouts" data-testid="carbon-readouts">
            <thead>
              <tr>
                <th>other readouts, so far</th>
                <th className="num">time</th>
                <th className="num">energy</th>
                <th className="num">CO₂</th>
              </tr>
            </thead>
            <tbody>
              <ReadoutRow
                label="Paper-equivalent"
                title={`${PAPER_SETUP.chips} TPUv3 chips (${PAPER_SETUP.peakTflopsPerChip} TFLOP/s each at an assumed ${PAPER_SETUP.utilization * 100} %), ${PAPER_SETUP.wattsPerChip} W per chip, ${PAPER_SETUP.region} ${PAPER_SETUP.gridGCo2PerKwh} g/kWh, through the ML CO2 Impact arithmetic (paper A.1; docs/carbon.md)`}
                r={paperEquivalent(soFar)}
                testId="paper-equivalent"
              />
              <ReadoutRow
                label="This tab"
                title={`measured wall time × ${localWatts} W (this machine, as stated) × PUE 1, at ${params.gridGCo2PerKwh} g/kWh`}
                r={thisTab(wallMs, localWatts, params.gridGCo2PerKwh)}
                testId="this-tab"
              />
            </tbody>
          </table>
        </div>
      </div>
    </Card>
  );
}

function Rows({ soFar, full }: { soFar: CarbonEstimate; full: CarbonEstimate | null }) {
  return (
    <>
      <EstimateRow label="Time" soFar={formatHours(soFar.hours)} full={full ? formatHours(full.hours) : '—'} title={`${soFar.hours} h`} />
      <EstimateRow label="Energy" soFar={formatEnergy(soFar.kwh)} full={full ? formatEnergy(full.kwh) : '—'} title={`${soFar.kwh} kWh`} />
      <EstimateRow label="CO₂" soFar={formatCo2(soFar.kgCo2)} full={full ? formatCo2(full.kgCo2) : '—'} title={`${soFar.kgCo2} kg`} />
    </>
  );
}

function ReadoutRow({ label, title, r, testId }: { label: string; title: string; r: { hours: number; kwh: number; kgCo2: number }; testId: string }) {
  return (
    <tr title={title} data-testid={testId} data-kg={r.kgCo2}>
      <th scope="row">{label}</th>
      <td className="num">{formatHours(r.hours)}</td>
      <td className="num">{formatEnergy(r.kwh)}</td>
      <td className="num">{formatCo2(r.kgCo2)}</td>
    </tr>
  );
}

function EstimateRow({ label, soFar, full, title }: { label: string; soFar: string; full: string; title?: string }) {
  return (
    <tr title={title}>
      <th scope="row">{label}</th>
      <td className="num">{soFar}</td>
      <td className="num">{full}</td>
    </tr>
  );
}
