/**
 * Transfer against pre-training compute (the paper's main axis), in FLOPs, hours
 * or CO2: the online probe's accuracy as the live proxy, with its 95% interval as
 * error bars and the same probe of the random-init encoder (step 0, which a log
 * axis cannot place) as a labelled reference line over a faint band of its
 * interval; and segmentation mIoU points after fine-tuning, with the from-scratch
 * baseline as a reference line. All are fractions on one axis but different
 * protocols, and labelled so.
 */
import { useState } from 'react';
import { CartesianGrid, ErrorBar, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CarbonParams } from '../../carbon/co2';
import { estimateCarbon } from '../../carbon/co2';
import { Card, EmptyChart } from '../../ui/Card';
import { ChartExport } from '../../ui/charts/ChartExport';
import { Segmented } from '../../ui/Segmented';
import { ACCENT, MUTED, AXIS_LABEL_STYLE, AXIS_TICK, GRID, TOOLTIP_PROPS } from '../../ui/charts/chartTheme';
import { logTicks } from '../../ui/charts/axisTicks';
import { activeCarbon } from '../../ui/derived';
import { formatCo2, formatFlops, formatHours, formatPercent, formatSi } from '../../ui/format';
import { useLab } from '../../ui/labContext';

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
const BASELINE_COLOUR = MUTED;
/** The raw-pixel probe line: amber, apart from the accent (probe), pink (mIoU) and grey (random init). */
const RAW_PIXELS_COLOUR = '#fbbf24';

/**
 * The y axis runs from 0 to the first of these tops above every value shown
 * (intervals and baselines included), so that small differences between probe
 * points, and their error bars, stay readable while accuracies are low.
 */
const Y_TOPS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];
function yAxisOf(values: number[]): { top: number; ticks: number[] } {
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const top = Y_TOPS.find((t) => t >= max + 0.02) ?? 1;
  const step = top <= 0.3 ? 0.05 : top <= 0.6 ? 0.1 : 0.2;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Math.round(i * step * 100) / 100);
  return { top, ticks };
}

/** Pixels the x axis leaves at each end of the plot (points clear of the y axis). */
const X_PAD = 12;

/**
 * The baseline's interval as a faint band across the whole plot (the axis padding
 * included, as the reference line is drawn), labelled just under the band, where
 * probe points above the baseline leave room (above it when the band is near the x axis).
 */
function BaselineBand(props: { x?: number; y?: number; width?: number; height?: number; label: string }) {
  const { x = 0, y = 0, width = 0, height = 0, label } = props;
  const below = y + height + 16 < HEIGHT - 56;
  return (
    <g>
      <rect x={x - X_PAD} y={y} width={width + 2 * X_PAD} height={height} fill={BASELINE_COLOUR} fillOpacity={0.12} />
      <text x={x - X_PAD + 4} y={below ? y + height + 13 : y - 5} fill={BASELINE_COLOUR} fontSize={12}>
        {label}
      </text>
    </g>
  );
}

/** "[12.1–16.5%]": an interval in percent, one unit sign. */
function formatInterval([lo, hi]: [number, number]): string {
  return `[${(lo * 100).toFixed(1)}–${formatPercent(hi)}]`;
}

export function AccuracyChart() {
  const [mode, setMode] = useState<XMode>('flops');
  const records = useLab((s) => s.records);
  const input = useLab((s) => s.input);
  const config = useLab((s) => s.config);
  const runConfig = useLab((s) => s.runConfig);
  const carbon = activeCarbon({ input, config, runConfig });
  const transfer = useLab((s) => s.transfer);
  const progress = useLab((s) => s.transferProgress);
  const baseline = useLab((s) => s.baseline);
  const probeKind = (runConfig ?? config)?.probe.kind ?? 'knn';

  const points = records
    .filter((r) => r.probeAccuracy !== undefined && r.flops > 0)
    .map((r) => {
      const accuracy = r.probeAccuracy as number;
      const interval = r.probeInterval ?? [accuracy, accuracy];
      // ErrorBar takes offsets below and above the value.
      return {
        step: r.step,
        ...xOf(r.flops, carbon),
        accuracy,
        interval,
        count: `${r.probeCorrect}/${r.probeTotal}`,
        error: [accuracy - interval[0], interval[1] - accuracy],
      };
    });
  const miouPoints = transfer
    .filter((t) => t.init === 'pretrained' && t.pretrainFlops > 0)
    .map((t) => ({ step: t.step, ...xOf(t.pretrainFlops, carbon), miou: t.miou, seeds: t.runs.length }));
  const scratch = transfer.find((t) => t.init === 'scratch');
  const axis = X_MODES.find((m) => m.id === mode)!;
  const xs = [...points, ...miouPoints].map((p) => p[mode]);
  const { factor, unit } = tickUnit(mode, Math.max(...xs));
  const yAxis = yAxisOf([
    ...points.map((p) => p.interval[1]),
    ...miouPoints.map((p) => p.miou),
    ...(baseline ? [baseline.interval[1]] : []),
    ...(baseline?.rawPixels ? [baseline.rawPixels.accuracy] : []),
    ...(scratch ? [scratch.miou] : []),
  ]);
  const ticks = logTicks(Math.min(...xs) * factor, Math.max(...xs) * factor).map((t) => t / factor);

  const toggle = (
    <div className="axis-toggle">
      <span>x axis (log scale):</span>
      <Segmented<XMode> options={X_MODES} value={mode} onChange={setMode} label="x axis of the accuracy chart" testIdPrefix="accuracy-x-" />
    </div>
  );

  return (
    <Card title="Transfer vs compute" subtitle={toggle} actions={<ChartExport target="accuracy-chart" name="transfer-vs-compute" />}>
      <div
        data-testid="accuracy-chart"
        data-points={points.length}
        data-miou-points={miouPoints.length}
        data-scratch={scratch?.miou}
        data-baseline={baseline?.accuracy}
        data-raw-pixels={baseline?.rawPixels?.accuracy}
        data-y-top={yAxis.top}
        data-x={mode}
      >
        <div className="chart-legend">
          <span className="legend-item">
            <span className="legend-dot" style={{ background: ACCENT }} />
            {probeKind === 'linear' ? 'linear' : 'kNN'} probe accuracy (online proxy), 95% interval
          </span>
          {baseline && (
            <span className="legend-item" title="The same probe of this seed's random-init encoder, before step 0, with its 95% interval shaded">
              <span className="legend-dash" style={{ borderColor: BASELINE_COLOUR }} />
              same probe at random init
            </span>
          )}
          {baseline?.rawPixels && (
            <span className="legend-item" title="The same probe on the raw pixels, no encoder: what template matching alone scores">
              <span className="legend-dash" style={{ borderColor: RAW_PIXELS_COLOUR, borderTopStyle: 'dotted' }} />
              same probe on raw pixels
            </span>
          )}
          <span className="legend-item">
            <span className="legend-diamond" style={{ background: MIOU_COLOUR }} />
            segmentation mIoU, fine-tuned (median of seeds)
          </span>
          {scratch && (
            <span className="legend-item">
              <span className="legend-dash" style={{ borderColor: MIOU_COLOUR }} />
              mIoU from scratch
            </span>
          )}
          {progress && (
            <span className="legend-progress" data-testid="transfer-progress">
              fine-tuning {progress.init === 'scratch' ? 'from scratch' : `at step ${progress.step}`}: seed {progress.seedIndex + 1}/{progress.seeds}, step{' '}
              {progress.fineTuneStep}/{progress.fineTuneSteps}
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
                padding={{ left: X_PAD, right: X_PAD }}
                tick={AXIS_TICK}
                tickFormatter={(v: number) => `${formatSi(v * factor)}${unit}`}
                stroke={GRID}
                label={{ value: axis.axis, position: 'insideBottom', offset: -12, style: AXIS_LABEL_STYLE }}
              />
              <YAxis
                type="number"
                domain={[0, yAxis.top]}
                ticks={yAxis.ticks}
                tick={AXIS_TICK}
                tickFormatter={(v: number) => formatPercent(v, 0)}
                stroke={GRID}
                width={56}
              />
              {baseline && (
                <ReferenceArea
                  y1={baseline.interval[0]}
                  y2={baseline.interval[1]}
                  ifOverflow="hidden"
                  shape={(p: { x?: number; y?: number; width?: number; height?: number }) => (
                    <BaselineBand {...p} label={`random init ${formatPercent(baseline.accuracy)}`} />
                  )}
                />
              )}
              {baseline && <ReferenceLine y={baseline.accuracy} stroke={BASELINE_COLOUR} strokeDasharray="6 4" />}
              {baseline?.rawPixels && (
                <ReferenceLine
                  y={baseline.rawPixels.accuracy}
                  stroke={RAW_PIXELS_COLOUR}
                  strokeDasharray="2 3"
                  label={{
                    value: `raw pixels ${formatPercent(baseline.rawPixels.accuracy)}`,
                    position: 'insideTopRight',
                    fill: RAW_PIXELS_COLOUR,
                    fontSize: 12,
                  }}
                />
              )}
              {scratch && (
                <ReferenceLine
                  y={scratch.miou}
                  stroke={MIOU_COLOUR}
                  strokeDasharray="5 4"
                  label={{ value: `mIoU from scratch ${formatPercent(scratch.miou)}`, position: 'insideBottomRight', fill: MIOU_COLOUR, fontSize: 12 }}
                />
              )}
              <Tooltip
                {...TOOLTIP_PROPS}
                labelFormatter={(x) => FULL[mode](Number(x))}
                formatter={(v, name, item) => {
                  const p = item.payload as { step: number; interval: [number, number]; count: string };
                  return name === 'miou'
                    ? [`${formatPercent(Number(v))} (step ${p.step})`, 'mIoU']
                    : [`${formatPercent(Number(v))} ${formatInterval(p.interval)}, ${p.count} (step ${p.step})`, 'probe accuracy'];
                }}
              />
              <Line
                data={points}
                dataKey="accuracy"
                stroke={ACCENT}
                strokeWidth={2}
                dot={{ r: 4, fill: ACCENT, stroke: ACCENT }}
                activeDot={{ r: 6 }}
                isAnimationActive={false}
              >
                <ErrorBar dataKey="error" direction="y" width={6} stroke={ACCENT} strokeWidth={1.5} isAnimationActive={false} />
              </Line>
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
