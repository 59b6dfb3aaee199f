/**
 * A sweep as the paper draws it (Figures 1 and 2): the measure against compute
 * on a log axis (FLOPs, hours on a device, or kg CO2), one line per method
 * variant x model x dataset, coloured by method, solid for the first model and
 * dashed for the next (the paper's ViT-B / ViT-L), a marker shape per dataset;
 * error bars over seeds (or the probe's 95 % interval); the Pareto frontier
 * dashed; the random-init level as a faint line. Self-contained (no store):
 * the Experiments card and the talk mode both render it from points.
 */
import { useMemo, useState } from 'react';
import { CartesianGrid, ErrorBar, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Symbols, Tooltip, XAxis, YAxis } from 'recharts';
import { DEFAULT_DEVICE_ID, DEFAULT_PUE, DEFAULT_REGION_ID, DEFAULT_UTILISATION, deviceById, regionById, type Device, type Region } from '../../carbon/devices';
import type { SweepPoint } from '../../experiments/sweepResults';
import { logTicks } from '../../ui/charts/axisTicks';
import { EmptyChart } from '../../ui/Card';
import { GRID, MUTED } from '../../ui/charts/chartTheme';
import { DEFAULT_CONFIG } from '../../ui/derived';
import { formatPercent, formatSi } from '../../ui/format';
import { MEASURE_LABEL, PinnedPoint, SweepTooltip } from './SweepPointDetails';
import { seriesNames, sweepSeries, xOf, type CarbonSetup, type CurvePoint, type Measure, type Series, type XAxisKind } from './sweepSeries';

export interface SweepChartProps {
  points: SweepPoint[];
  measure: Measure;
  xAxis: XAxisKind;
  /** Where the FLOPs would run, for the hours and CO2 axes (default: A100 at 40 %, PUE 1.1, europe-west1). */
  device?: Device;
  utilisation?: number;
  pue?: number;
  region?: Region;
  /** What this machine draws (W), for the "this device" readout in the tooltip. */
  localWatts?: number;
  /** Height of the plot in px (the legend sits above it, the pinned point below). */
  height?: number;
  /** Presenter sizes: bigger type, strokes and markers. */
  large?: boolean;
}

/** One hue per method, the same wherever a method appears; variants of a method are lighter and darker shades of it. */
const METHOD_COLOURS: Record<string, string> = { supervised: '#38bdf8', clip: '#fb923c', simclr: '#34d399', byol: '#fbbf24', dino: '#f472b6', mae: '#a78bfa' };
const SPARE_COLOURS = ['#e2e8f0', '#f87171', '#2dd4bf', '#c084fc'];
const SHADES = [0, 0.35, -0.3, 0.6, -0.5, 0.75, -0.65, 0.85];
/** Solid for the first model, dashed for the second (ViT-B solid, ViT-L dashed in the paper), then dotted. */
const MODEL_DASHES = ['', '8 5', '2 4', '10 4 2 4'];
const DATASET_SHAPES = ['circle', 'square', 'triangle', 'diamond', 'star', 'cross', 'wye'] as const;
type Shape = (typeof DATASET_SHAPES)[number];
const FRONTIER_COLOUR = '#f8fafc';

/** `hex` moved towards white (t > 0) or black (t < 0) by |t|. */
function shade(hex: string, t: number): string {
  const target = t > 0 ? 255 : 0;
  const mix = (i: number) => Math.round(parseInt(hex.slice(i, i + 2), 16) * (1 - Math.abs(t)) + target * Math.abs(t));
  return `rgb(${mix(1)}, ${mix(3)}, ${mix(5)})`;
}

const indexIn = (list: string[], v: string) => {
  if (!list.includes(v)) list.push(v);
  return list.indexOf(v);
};

interface SeriesStyle {
  colour: string;
  dash: string;
  shape: Shape;
}

/** Colour by method (shade by variant), dash by model, marker by dataset, in order of first appearance. */
function stylesOf(series: Series[]): Map<string, SeriesStyle> {
  const models: string[] = [];
  const datasets: string[] = [];
  const variants = new Map<string, string[]>();
  const spare: string[] = [];
  const styles = new Map<string, SeriesStyle>();
  for (const s of series) {
    const methodVariants = variants.get(s.method) ?? [];
    variants.set(s.method, methodVariants);
    const base = METHOD_COLOURS[s.method] ?? SPARE_COLOURS[indexIn(spare, s.method) % SPARE_COLOURS.length];
    styles.set(s.id, {
      colour: shade(base, SHADES[indexIn(methodVariants, s.variant) % SHADES.length]),
      dash: MODEL_DASHES[indexIn(models, s.model) % MODEL_DASHES.length],
      shape: DATASET_SHAPES[indexIn(datasets, s.dataset) % DATASET_SHAPES.length],
    });
  }
  return styles;
}

/** Ticks placed and labelled in the unit that reads best: seconds below an hour, grams of CO2. */
function tickUnit(axis: XAxisKind, max: number): { factor: number; unit: string; title: string } {
  if (axis === 'hours') return max < 1 ? { factor: 3600, unit: 's', title: 'time on' } : { factor: 1, unit: 'h', title: 'time on' };
  if (axis === 'co2') return { factor: 1000, unit: 'g', title: 'CO₂ on' };
  return { factor: 1, unit: '', title: 'pre-training FLOPs' };
}

/** 0 to the first tenth above every value shown (bars and the chance line included), so small differences stay readable. */
function yTop(values: number[]): number {
  const max = Math.max(0, ...values.filter(Number.isFinite));
  return Math.min(1, Math.ceil((max + 0.02) * 10) / 10);
}

interface Datum extends CurvePoint {
  label: string;
  /** ErrorBar offsets below and above y. */
  error: [number, number];
}

function MarkerLegend({ shape, colour, dash, size }: { shape?: Shape; colour: string; dash?: string; size: number }) {
  return (
    <svg width={size * 2.5} height={size} className="sweep-legend-glyph" aria-hidden>
      {dash !== undefined && <line x1={0} x2={size * 2.5} y1={size / 2} y2={size / 2} stroke={colour} strokeWidth={2} strokeDasharray={dash} />}
      {shape && <Symbols cx={size * 1.25} cy={size / 2} type={shape} size={size * size * 0.4} fill={colour} />}
    </svg>
  );
}

export function SweepChart({ points, measure, xAxis, device, utilisation, pue, region, localWatts, height = 320, large = false }: SweepChartProps) {
  const setup: CarbonSetup = {
    device: device ?? deviceById(DEFAULT_DEVICE_ID),
    utilisation: utilisation ?? DEFAULT_UTILISATION,
    pue: pue ?? DEFAULT_PUE,
    region: region ?? regionById(DEFAULT_REGION_ID),
  };
  const watts = localWatts ?? DEFAULT_CONFIG.carbon.localWatts;
  const ss = useMemo(() => sweepSeries(points, measure, xAxis, setup), [points, measure, xAxis, setup.device, setup.utilisation, setup.pue, setup.region]);
  // Pinned by curve and budget, so the pinned point follows a change of axis or measure.
  const [pinnedAt, setPinnedAt] = useState<{ seriesId: string; budget: number } | null>(null);
  const styles = stylesOf(ss.series);
  const names = seriesNames(ss.series);
  const datumOf = new Map<CurvePoint, Datum>();
  for (const s of ss.series) for (const p of s.points) datumOf.set(p, { ...p, label: s.label, error: [p.y - p.low, p.high - p.y] });
  const plotted = ss.series.reduce((n, s) => n + s.points.length, 0);

  const fontSize = large ? 18 : 13;
  const markerSize = large ? 130 : 60;
  const strokeWidth = large ? 3 : 2;
  const xs = [...datumOf.values()].map((d) => d.x).filter((x) => x > 0);
  const { factor, unit, title } = tickUnit(xAxis, Math.max(...xs));
  // Log domain a little wider than the data, so end markers clear the axes (and one budget still has a width).
  const lo = Math.min(...xs) / 1.3;
  const hi = Math.max(...xs) * 1.3;
  // A few budgets: tick each one (a sweep's budgets are round numbers of FLOPs); many: 1-2-5 ticks.
  const budgets = [...new Set([...datumOf.values()].map((d) => d.budget))].sort((a, b) => a - b);
  // Under the A.1 fit a budget's hours differ by method (steps differ), so budgets are no ticks there.
  const ticks =
    budgets.length <= 6 && !setup.device.stepFit ? budgets.map((b) => xOf(b, xAxis, setup)) : logTicks(lo * factor, hi * factor).map((t) => t / factor);
  const top = yTop([...[...datumOf.values()].map((d) => d.high), ...(ss.randomInit !== null ? [ss.randomInit] : [])]);
  const yTicks = Array.from({ length: Math.round(top / (top <= 0.3 ? 0.05 : 0.1)) + 1 }, (_, i) => Math.round(i * (top <= 0.3 ? 5 : 10)) / 100);
  const axisTitle =
    xAxis === 'flops'
      ? title
      : `${title} ${setup.device.name}${setup.device.measured ? '' : ` at ${Math.round(setup.utilisation * 100)} %`}${xAxis === 'co2' ? `, ${setup.region.name}, PUE ${setup.pue}` : ''}`;
  const tick = { fill: MUTED, fontSize };
  const pinned = pinnedAt && [...datumOf.values()].find((d) => d.seriesId === pinnedAt.seriesId && d.budget === pinnedAt.budget);

  return (
    <div
      className={`sweep-chart ${large ? 'is-large' : ''}`}
      data-testid="sweep-chart"
      data-points={plotted}
      data-series={ss.series.length}
      data-frontier={ss.frontier.length}
      data-excluded={ss.excluded.length}
      data-x={xAxis}
      data-measure={measure}
      data-random-init={ss.randomInit ?? undefined}
    >
      <ul className="sweep-legend" style={{ fontSize }}>
        {ss.series.map((s) => {
          const st = styles.get(s.id)!;
          return (
            <li key={s.id} className="legend-item" data-testid="sweep-legend-series">
              <MarkerLegend shape={st.shape} colour={st.colour} dash={st.dash} size={fontSize} />
              {names.get(s.id)}
            </li>
          );
        })}
        {ss.frontier.length > 1 && (
          <li className="legend-item">
            <MarkerLegend colour={FRONTIER_COLOUR} dash="6 4" size={fontSize} />
            Pareto frontier
          </li>
        )}
        {ss.randomInit !== null && (
          <li className="legend-item">
            <MarkerLegend colour={MUTED} dash="2 3" size={fontSize} />
            random init {formatPercent(ss.randomInit)} (mean of the runs)
          </li>
        )}
      </ul>
      {plotted === 0 ? (
        <EmptyChart height={points.length === 0 ? Math.min(height, 160) : height}>
          {points.length === 0 ? 'Run a preset, or open a results file, to plot its runs here.' : `No run has a ${MEASURE_LABEL[measure]} to plot yet.`}
        </EmptyChart>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          <ScatterChart margin={{ top: 10, right: 20, bottom: large ? 34 : 26, left: large ? 10 : 0 }}>
            <CartesianGrid stroke={GRID} strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type="number"
              scale="log"
              domain={[lo, hi]}
              ticks={ticks}
              allowDataOverflow
              tick={tick}
              stroke={GRID}
              tickFormatter={(v: number) => `${formatSi(v * factor)}${unit}`}
              label={{ value: axisTitle, position: 'insideBottom', offset: large ? -22 : -16, style: { fill: MUTED, fontSize } }}
            />
            <YAxis
              dataKey="y"
              type="number"
              domain={[0, top]}
              ticks={yTicks}
              tick={tick}
              stroke={GRID}
              width={large ? 70 : 52}
              tickFormatter={(v: number) => formatPercent(v, 0)}
            />
            {ss.randomInit !== null && <ReferenceLine y={ss.randomInit} stroke={MUTED} strokeOpacity={0.7} strokeDasharray="2 3" strokeWidth={large ? 2 : 1} />}
            <Tooltip
              cursor={false}
              isAnimationActive={false}
              content={({ active, payload }) => {
                const d = active ? (payload?.[0]?.payload as Datum | undefined) : undefined;
                return d?.runs ? <SweepTooltip point={d} label={d.label} measure={measure} setup={setup} localWatts={watts} large={large} /> : null;
              }}
            />
            {ss.frontier.length > 1 && (
              <Scatter
                data={ss.frontier.map((p) => datumOf.get(p)!)}
                line={{ stroke: FRONTIER_COLOUR, strokeWidth: strokeWidth - 0.5, strokeDasharray: '6 4', strokeOpacity: 0.8 }}
                shape={() => <g />}
                legendType="none"
                isAnimationActive={false}
              />
            )}
            {ss.series.map((s) => {
              const st = styles.get(s.id)!;
              return (
                <Scatter
                  key={s.id}
                  name={s.label}
                  data={s.points.map((p) => datumOf.get(p)!)}
                  fill={st.colour}
                  line={s.points.length > 1 ? { stroke: st.colour, strokeWidth, strokeDasharray: st.dash } : false}
                  isAnimationActive={false}
                  shape={(props: { cx?: number; cy?: number; payload?: Datum }) => (
                    <g
                      className="sweep-marker"
                      data-series={s.label}
                      data-budget={props.payload?.budget}
                      style={{ cursor: 'pointer' }}
                      onClick={() => props.payload && setPinnedAt({ seriesId: props.payload.seriesId, budget: props.payload.budget })}
                    >
                      <Symbols cx={props.cx} cy={props.cy} type={st.shape} size={markerSize} fill={st.colour} stroke="#0b1120" strokeWidth={1} />
                    </g>
                  )}
                >
                  <ErrorBar dataKey="error" direction="y" width={large ? 6 : 4} stroke={st.colour} strokeWidth={large ? 2 : 1.25} isAnimationActive={false} />
                </Scatter>
              );
            })}
          </ScatterChart>
        </ResponsiveContainer>
      )}
      {pinned && <PinnedPoint point={pinned} label={pinned.label} measure={measure} setup={setup} localWatts={watts} onClose={() => setPinnedAt(null)} />}
    </div>
  );
}
