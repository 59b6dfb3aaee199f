/** A small horizontal bar chart of name -> FLOPs with each bar's share of the total as its label. */
import { Bar, BarChart, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { EmptyChart } from '../Card';
import { ACCENT_STEPS, AXIS_TICK, GRID, MUTED, TOOLTIP_PROPS } from './chartTheme';
import { formatFlops, formatPercent, formatSi } from '../format';

interface ShareBarsProps {
  data: { name: string; value: number }[];
  height: number;
  testId: string;
  empty: string;
}

export function ShareBars({ data, height, testId, empty }: ShareBarsProps) {
  const total = data.reduce((sum, d) => sum + d.value, 0);
  const rows = data.map((d) => ({ ...d, label: total > 0 ? formatPercent(d.value / total, 0) : '' }));
  return (
    <div data-testid={testId}>
      {rows.length === 0 ? (
        <EmptyChart height={height}>{empty}</EmptyChart>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 48, bottom: 4, left: 8 }} barCategoryGap={6}>
            <XAxis type="number" tick={AXIS_TICK} tickFormatter={(v: number) => formatSi(v)} stroke={GRID} />
            <YAxis type="category" dataKey="name" width={96} tick={AXIS_TICK} stroke={GRID} interval={0} />
            <Tooltip {...TOOLTIP_PROPS} formatter={(v) => [formatFlops(Number(v)), 'FLOPs']} />
            <Bar dataKey="value" radius={[0, 3, 3, 0]} isAnimationActive={false}>
              {rows.map((r, i) => (
                <Cell key={r.name} fill={ACCENT_STEPS[i % ACCENT_STEPS.length]} />
              ))}
              <LabelList dataKey="label" position="right" fill={MUTED} fontSize={13} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
