/** Training loss against step; the x axis spans the whole run so it never rescales. */
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Card, EmptyChart } from '../../ui/Card';
import { ChartExport } from '../../ui/charts/ChartExport';
import { ACCENT, AXIS_LABEL_STYLE, AXIS_TICK, GRID, TOOLTIP_PROPS, stepAxis } from '../../ui/charts/chartTheme';
import { formatPlain } from '../../ui/charts/axisTicks';
import { useLab } from '../../ui/labContext';

const HEIGHT = 280;

export function LossChart() {
  const records = useLab((s) => s.records);
  const steps = useLab((s) => s.runConfig?.steps ?? s.config?.steps ?? 1);
  const method = useLab((s) => s.runConfig?.method ?? s.config?.method ?? '');

  return (
    <Card title="Loss" subtitle={`${method} objective, logged every few steps`} testId="loss-chart" actions={<ChartExport target="loss-chart" name="loss" />}>
      {records.length === 0 ? (
        <EmptyChart height={HEIGHT}>The loss curve appears once the run logs its first step.</EmptyChart>
      ) : (
        <ResponsiveContainer width="100%" height={HEIGHT}>
          <LineChart data={records} margin={{ top: 8, right: 16, bottom: 20, left: 0 }}>
            <CartesianGrid stroke={GRID} strokeDasharray="3 3" />
            <XAxis {...stepAxis(steps)} label={{ value: 'step', position: 'insideBottom', offset: -12, style: AXIS_LABEL_STYLE }} />
            <YAxis type="number" domain={['auto', 'auto']} tick={AXIS_TICK} tickFormatter={formatPlain} stroke={GRID} width={56} />
            <Tooltip {...TOOLTIP_PROPS} labelFormatter={(step) => `step ${Number(step)}`} formatter={(v) => [Number(v).toFixed(4), 'loss']} />
            <Line dataKey="loss" stroke={ACCENT} strokeWidth={2} dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      )}
    </Card>
  );
}
