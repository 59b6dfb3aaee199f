/** Class frequencies over a sample of the dataset, most frequent first: balance vs long tail at a glance. */
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetPreview } from '../../train/explore';
import { ACCENT, AXIS_TICK, GRID, TOOLTIP_PROPS } from '../../ui/charts/chartTheme';

const HEIGHT = 190;
/** Above this many classes the bars get no names (they would overlap); the tooltip still names each. */
const NAMED_BARS = 12;

export function ClassHistogram({ preview }: { preview: DatasetPreview }) {
  const bars = [...preview.histogram].sort((a, b) => b.count - a.count);
  if (bars.length === 0)
    return (
      <div className="histogram-empty" data-testid="explorer-histogram" data-bars={0}>
        No class labels: methods that need labels cannot use this dataset as it is.
      </div>
    );
  return (
    <div data-testid="explorer-histogram" data-bars={bars.length}>
      <div className="subheading">
        class frequency over {preview.histogramSamples} images{bars.length > NAMED_BARS ? `, ${bars.length} classes sorted` : ''}
      </div>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <BarChart data={bars} margin={{ top: 4, right: 8, bottom: 4, left: 0 }} barCategoryGap={1}>
          <XAxis
            dataKey="name"
            tick={bars.length > NAMED_BARS ? false : { ...AXIS_TICK, fontSize: 11 }}
            angle={-40}
            textAnchor="end"
            interval={0}
            stroke={GRID}
            height={bars.length > NAMED_BARS ? 4 : 52}
          />
          <YAxis tick={AXIS_TICK} stroke={GRID} width={40} allowDecimals={false} />
          <Tooltip {...TOOLTIP_PROPS} formatter={(v) => [String(v), 'labels']} />
          <Bar dataKey="count" fill={ACCENT} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
