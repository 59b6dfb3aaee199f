/** FLOPs of one step by kernel: the top kernels as bars, every kernel in a table beside them. */
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Card, EmptyChart } from '../../ui/Card';
import { ACCENT, AXIS_TICK, GRID, TOOLTIP_PROPS } from '../../ui/charts/chartTheme';
import { formatFlops, formatSi } from '../../ui/format';
import { KernelTable } from './KernelTable';
import { kernelRows } from './kernelRows';
import { useLab } from '../../ui/labContext';

const TOP = 12;
const ROW_HEIGHT = 26;
const HEIGHT = TOP * ROW_HEIGHT + 40;

export function KernelBreakdown() {
  const profile = useLab((s) => s.profile);
  const rows = profile ? kernelRows(profile) : [];
  const top = rows.filter((r) => r.flops > 0).slice(0, TOP);

  return (
    <Card
      title="FLOPs of one step, by kernel"
      subtitle={profile ? `${rows.length} kernels ran; top ${top.length} by FLOPs` : 'profiled on the first step of a run'}
      className="card-wide"
      testId="kernel-breakdown"
    >
      <div className="kernel-layout">
        <div className="kernel-chart" data-testid="kernel-chart">
          {top.length === 0 ? (
            <EmptyChart height={HEIGHT}>Kernel FLOPs appear after the first profiled step.</EmptyChart>
          ) : (
            <ResponsiveContainer width="100%" height={HEIGHT}>
              <BarChart data={top} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }} barCategoryGap={4}>
                <CartesianGrid stroke={GRID} strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" tick={AXIS_TICK} tickFormatter={(v: number) => formatSi(v)} stroke={GRID} />
                <YAxis type="category" dataKey="kernel" width={150} tick={AXIS_TICK} stroke={GRID} interval={0} />
                <Tooltip {...TOOLTIP_PROPS} formatter={(v) => [formatFlops(Number(v)), 'FLOPs']} />
                <Bar dataKey="flops" fill={ACCENT} radius={[0, 3, 3, 0]} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          )}
        </div>
        <KernelTable rows={rows} height={HEIGHT} />
      </div>
    </Card>
  );
}
