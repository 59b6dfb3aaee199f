/**
 * Transfer against pre-training compute (the paper's main axis), in FLOPs, hours
 * or CO2: the online probe's accuracy as the live proxy, and segmentation mIoU
 * points after fine-tuning, with the from-scratch baseline as a reference line.
 * Both are fractions on one axis but different protocols, and labelled so.
 */
import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CarbonParams } from '../carbon/co2';
import { estimateCarbon } from '../carbon/co2';
import { Card, EmptyChart } from './Card';
import { Segmented } from './Segmented';
import { ACCENT, AXIS_LABEL_STYLE, AXIS_TICK, GRID, TOOLTIP_CURSOR, TOOLTIP_ITEM_STYLE, TOOLTIP_LABEL_STYLE, TOOLTIP_STYLE } from './chartTheme';
import { logTicks } from './axisTicks';
import { activeCarbon } from './derived';
import { formatCo2, formatFlops, formatHours, formatPercent, formatSi } from './format';
import { useLab } from './labContext';

const HEIGHT = 280;

type XMode = 'flops' | 'hours' | 'co2';
const X_MODES: { id: XMode; label: string; axis: string }[] = [
  { id: 'flops', label: 'FLOPs', axis: 'cumulative pre-training FLOPs' },
  { id: 'hours', label: 'hours', axis: 'estimated time on the reference device' },
  { id: 'co2', label: 'kg CO₂', axis: 'estimated CO₂ on the reference device' },
];
const FULL: Record<XMode, (v: number) => string> = {
  flops: formatFlops,
  hours: formatHours,
  co2: formatCo2,
};

/** Ticks are placed and labelled in the unit that reads best (seconds below an hour, grams of CO2). */
function tickUnit(mode: XMode, max: number): { factor: number; unit: string } {
  if (mode === 'hours') return max < 1 ? { factor: 3600, unit: 's' } : { factor: 1, unit: 'h' };
  if (mode === 'co2') return { factor: 1000, unit: 'g' };
  return { factor: 1, unit: '' };
}

function xOf(flops: number, carbon: CarbonParams): { flops: number; hours: number; co2: number } {
  const c = estimateCarbon(flops, carbon);
  return { flops, hours: c.hours, co2: c.kgCo2 };
}

const MIOU_COLOUR = '#f472b6';

export function AccuracyChart() {
  const [mode, setMode] = useState<XMode>('flops');
  const records = useLab((s) => s.records);
  const input = useLab((s) => s.input);
  const config = useLab((s) => s.config);
  const runConfig = useLab((s) => s.runConfig);
  const carbon = activeCarbon({ input, config, runConfig });
  const transfer = useLab((s) => s.transfer);
  const progress = useLab((s) => s.transferProgress);
  const probeKind = (runConfig ?? config)?.probe.kind ?? 'knn';

  const points = records
    .filter((r) => r.probeAccuracy !== undefined && r.flops > 0)
    .map((r) => ({ step: r.step, ...xOf(r.flops, carbon), accuracy: r.probeAccuracy as number }));
  const miouPoints = transfer
    .filter((t) => t.init === 'pretrained' && t.pretrainFlops > 0)
    .map((t) => ({ step: t.step, ...xOf(t.pretrainFlops, carbon), miou: t.miou, seeds: t.runs.length }));
  const scratch = transfer.find((t) => t.init === 'scratch');
  const axis = X_MODES.find((m) => m.id === mode)!;
  const xs = [...points, ...miouPoints].map((p) => p[mode]);
  const { factor, unit } = tickUnit(mode, Math.max(...xs));
  const ticks = logTicks(Math.min(...xs) * factor, Math.max(...xs) * factor).map((t) => t / factor);

  const toggle = (
    <div className="axis-toggle">
      <span>x axis (log scale):</span>
      <Segmented<XMode> options={X_MODES} value={mode} onChange={setMode} label="x axis of the accuracy chart" testIdPrefix="accuracy-x-" />
    </div>
  );

  return (
    <Card title="Transfer vs compute" subtitle={toggle}>
      <div data-testid="accuracy-chart" data-points={points.length} data-miou-points={miouPoints.length} data-scratch={scratch?.miou} data-x={mode}>
        <div className="chart-legend">
          <span className="legend-item"><span className="legend-dot" style={{ background: ACCENT }} />{probeKind === 'linear' ? 'linear' : 'kNN'} probe accuracy (online proxy)</span>
          <span className="legend-item"><span className="legend-diamond" style={{ background: MIOU_COLOUR }} />segmentation mIoU, fine-tuned (median of seeds)</span>
          {scratch && <span className="legend-item"><span className="legend-dash" style={{ borderColor: MIOU_COLOUR }} />mIoU from scratch</span>}
          {progress && (
            <span className="legend-progress" data-testid="transfer-progress">
              fine-tuning {progress.init === 'scratch' ? 'from scratch' : `at step ${progress.step}`}: seed {progress.seedIndex + 1}/{progress.seeds}, step {progress.fineTuneStep}/{progress.fineTuneSteps}
            </span>
          )}
        </div>
        {points.length === 0 && miouPoints.length === 0 ? (
          <EmptyChart height={HEIGHT}>Probe evaluations appear here as the run reaches each probe interval.</EmptyChart>
        ) : (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <LineChart margin={{ top: 8, right: 16, bottom: 20, left: 0 }}>
              <CartesianGrid stroke={GRID} strokeDasharray="3 3" />
              <XAxis
                dataKey={mode}
                type="number"
                scale="log"
                domain={['auto', 'auto']}
                ticks={ticks}
                padding={{ left: 12, right: 12 }}
                tick={AXIS_TICK}
                tickFormatter={(v: number) => `${formatSi(v * factor)}${unit}`}
                stroke={GRID}
                label={{ value: axis.axis, position: 'insideBottom', offset: -12, style: AXIS_LABEL_STYLE }}
              />
              <YAxis
                type="number"
                domain={[0, 1]}
                ticks={[0, 0.25, 0.5, 0.75, 1]}
                tick={AXIS_TICK}
                tickFormatter={(v: number) => formatPercent(v, 0)}
                stroke={GRID}
                width={56}
              />
              {scratch && (
                <ReferenceLine
                  y={scratch.miou}
                  stroke={MIOU_COLOUR}
                  strokeDasharray="5 4"
                  label={{ value: `mIoU from scratch ${formatPercent(scratch.miou)}`, position: 'insideBottomRight', fill: MIOU_COLOUR, fontSize: 12 }}
                />
              )}
              <Tooltip
                contentStyle={TOOLTIP_STYLE}
                labelStyle={TOOLTIP_LABEL_STYLE}
                itemStyle={TOOLTIP_ITEM_STYLE}
                cursor={TOOLTIP_CURSOR}
                labelFormatter={(x) => FULL[mode](Number(x))}
                formatter={(v, name, item) => [`${formatPercent(Number(v))} (step ${item.payload.step})`, name === 'miou' ? 'mIoU' : 'probe accuracy']}
              />
              <Line
                data={points}
                dataKey="accuracy"
                stroke={ACCENT}
                strokeWidth={2}
                dot={{ r: 4, fill: ACCENT, stroke: ACCENT }}
                activeDot={{ r: 6 }}
                isAnimationActive={false}
              />
              <Line
                data={miouPoints}
                dataKey="miou"
                stroke={MIOU_COLOUR}
                strokeWidth={2}
                strokeDasharray="2 3"
                dot={{ r: 6, fill: MIOU_COLOUR, stroke: '#0b1120', strokeWidth: 2 }}
                activeDot={{ r: 8 }}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </Card>
  );
}
