/** Probe accuracy against pre-training compute (the paper's main axis), in FLOPs, hours or CO2. */
import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { estimateCarbon } from '../carbon/co2';
import { Card, EmptyChart } from './Card';
import { ACCENT, AXIS_LABEL_STYLE, AXIS_TICK, GRID, MUTED, TOOLTIP_CURSOR, TOOLTIP_ITEM_STYLE, TOOLTIP_LABEL_STYLE, TOOLTIP_STYLE } from './chartTheme';
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

export function AccuracyChart() {
  const [mode, setMode] = useState<XMode>('flops');
  const records = useLab((s) => s.records);
  const input = useLab((s) => s.input);
  const config = useLab((s) => s.config);
  const runConfig = useLab((s) => s.runConfig);
  const carbon = activeCarbon({ input, config, runConfig });
  const numClasses = (runConfig ?? config)?.dataset.numClasses;

  const points = records
    .filter((r) => r.probeAccuracy !== undefined && r.flops > 0)
    .map((r) => {
      const c = estimateCarbon(r.flops, carbon);
      return { step: r.step, flops: r.flops, hours: c.hours, co2: c.kgCo2, accuracy: r.probeAccuracy as number };
    });
  const axis = X_MODES.find((m) => m.id === mode)!;
  const xs = points.map((p) => p[mode]);
  const { factor, unit } = tickUnit(mode, Math.max(...xs));
  const ticks = logTicks(Math.min(...xs) * factor, Math.max(...xs) * factor).map((t) => t / factor);

  const toggle = (
    <div className="axis-toggle">
      <span>x axis (log scale):</span>
      <div className="segmented" role="group" aria-label="x axis of the accuracy chart">
        {X_MODES.map((m) => (
          <button
            key={m.id}
            className={`segmented-option ${m.id === mode ? 'is-active' : ''}`}
            aria-pressed={m.id === mode}
            data-testid={`accuracy-x-${m.id}`}
            onClick={() => setMode(m.id)}
          >
            {m.label}
          </button>
        ))}
      </div>
    </div>
  );

  return (
    <Card title="Probe accuracy vs compute" subtitle={toggle}>
      <div data-testid="accuracy-chart" data-points={points.length} data-x={mode}>
        {points.length === 0 ? (
          <EmptyChart height={HEIGHT}>Probe evaluations appear here as the run reaches each probe interval.</EmptyChart>
        ) : (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <LineChart data={points} margin={{ top: 8, right: 16, bottom: 20, left: 0 }}>
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
              {numClasses && (
                <ReferenceLine
                  y={1 / numClasses}
                  stroke={MUTED}
                  strokeDasharray="4 4"
                  label={{ value: 'chance', position: 'insideTopRight', fill: MUTED, fontSize: 12 }}
                />
              )}
              <Tooltip
                contentStyle={TOOLTIP_STYLE}
                labelStyle={TOOLTIP_LABEL_STYLE}
                itemStyle={TOOLTIP_ITEM_STYLE}
                cursor={TOOLTIP_CURSOR}
                labelFormatter={(x) => FULL[mode](Number(x))}
                formatter={(v, _n, item) => [`${formatPercent(Number(v))} (step ${item.payload.step})`, 'accuracy']}
              />
              <Line
                dataKey="accuracy"
                stroke={ACCENT}
                strokeWidth={2}
                dot={{ r: 4, fill: ACCENT, stroke: ACCENT }}
                activeDot={{ r: 6 }}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </Card>
  );
}
