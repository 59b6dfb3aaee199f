/** One horizontal bar per method (or MAE variant): FLOPs of one step stacked by model component. */
import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ComparisonRow } from '../../train/records';
import { EmptyChart } from '../../ui/Card';
import { AXIS_TICK, COMPONENT_COLORS, GRID, MUTED, OTHER_COMPONENT_COLOR, TOOLTIP_PROPS } from '../../ui/charts/chartTheme';
import { chartRows, componentsIn, type ChartRow } from './comparisonRows';
import { formatFlops, formatSi } from '../../ui/format';

const ROW_HEIGHT = 28;
const AXIS_HEIGHT = 36;
const LABEL_WIDTH = 210;
const colorOf = (component: string) => COMPONENT_COLORS[component] ?? OTHER_COMPONENT_COLOR;

interface ComparisonChartProps {
  rows: ComparisonRow[];
  /** Rows a full comparison yields. */
  expected: number;
  /** Whether a comparison is under way (its rows stream in). */
  running: boolean;
  empty: string;
}

export function ComparisonChart({ rows, expected, running, empty }: ComparisonChartProps) {
  const data = chartRows(rows);
  const components = componentsIn(rows);
  // Bars keep one thickness as rows stream in; the room of a full comparison is reserved so the card does not grow.
  const reserved = Math.max(expected, data.length, 4) * ROW_HEIGHT + AXIS_HEIGHT;
  const idleHeight = 4 * ROW_HEIGHT + AXIS_HEIGHT;

  return (
    <div
      data-testid="comparison-chart"
      data-rows={rows.length}
      data-keys={rows.map((r) => r.key).join(',')}
      data-flops={rows.map((r) => r.totalFlops).join(',')}
      data-kernel-ms={rows.map((r) => r.kernelMs).join(',')}
    >
      <ComponentLegend components={components} />
      <div style={{ minHeight: running || data.length > 0 ? reserved : idleHeight }}>
        {data.length === 0 ? <EmptyChart height={running ? reserved : idleHeight}>{empty}</EmptyChart> : <StackedBars data={data} components={components} />}
      </div>
    </div>
  );
}

function StackedBars({ data, components }: { data: ChartRow[]; components: string[] }) {
  // The total goes at the end of each bar, i.e. on the last component that row has.
  const lastOf = data.map((d) => [...components].reverse().find((c) => Number(d[c] ?? 0) > 0));
  return (
    <ResponsiveContainer width="100%" height={data.length * ROW_HEIGHT + AXIS_HEIGHT}>
      {/* Recharts stacks bars in the order they mount: remount when a new component appears so the order stays fixed. */}
      <BarChart key={components.join()} data={data} layout="vertical" margin={{ top: 4, right: 72, bottom: 4, left: 8 }} barCategoryGap={5}>
        <CartesianGrid stroke={GRID} strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" tick={AXIS_TICK} tickFormatter={(v: number) => formatSi(v)} stroke={GRID} />
        <YAxis type="category" dataKey="label" width={LABEL_WIDTH} tick={AXIS_TICK} stroke={GRID} interval={0} />
        <Tooltip
          {...TOOLTIP_PROPS}
          labelFormatter={(label, payload) => {
            const total = Number((payload?.[0]?.payload as { totalFlops?: number } | undefined)?.totalFlops);
            const name = typeof label === 'string' || typeof label === 'number' ? String(label) : '';
            return Number.isFinite(total) ? `${name}: ${formatFlops(total)} per step` : name;
          }}
          formatter={(v, name) => [formatFlops(Number(v)), String(name)]}
        />
        {components.map((c) => (
          <Bar key={c} dataKey={c} name={c} stackId="step" fill={colorOf(c)} isAnimationActive={false}>
            <LabelList
              dataKey="totalFlops"
              content={(p) =>
                lastOf[Number(p.index)] === c ? (
                  <text x={Number(p.x) + Number(p.width) + 6} y={Number(p.y) + Number(p.height) / 2} dy="0.35em" fill={MUTED} fontSize={12}>
                    {formatSi(Number(p.value), 3)}
                  </text>
                ) : null
              }
            />
          </Bar>
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

function ComponentLegend({ components }: { components: string[] }) {
  return (
    <ul className="legend" data-testid="comparison-legend" style={{ paddingLeft: LABEL_WIDTH + 8 }}>
      {components.map((c) => (
        <li key={c} className="legend-item">
          <span className="legend-swatch" style={{ background: colorOf(c) }} />
          {c}
        </li>
      ))}
    </ul>
  );
}
