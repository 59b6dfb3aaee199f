/** Collapse monitors a method reports at log steps (DINO teacher entropies and centre drift, BYOL output spread, MAE trivial loss, CLIP logit scale), one small chart each. */
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatPlain } from '../../ui/charts/axisTicks';
import { Card } from '../../ui/Card';
import { ACCENT, AXIS_TICK, GRID, TOOLTIP_PROPS, stepAxis } from '../../ui/charts/chartTheme';
import { hasMonitors } from '../../ui/derived';
import { useLab } from '../../ui/labContext';

const HEIGHT = 170;

/** What each known monitor means; others are shown by their name alone. */
const MONITORS: Record<string, { label: string; help: string }> = {
  teacherEntropy: { label: 'Teacher entropy (nats)', help: '→ 0: one-hot collapse; → log K: uniform collapse' },
  teacherMarginalEntropy: { label: 'Batch target entropy (nats)', help: '→ 0: every image gets the same prototype' },
  centerDrift: { label: 'Centre drift', help: 'L2 norm of the last update of the teacher centre' },
  outputSpread: { label: 'Target output spread', help: '1: outputs spread over the sphere; → 0: collapse' },
  trivialLoss: { label: 'Loss of predicting nothing', help: 'a loss that stays here has learnt nothing' },
  logitScale: { label: 'Logit scale', help: '1 / temperature of the image–text logits (CLIP caps it at 100)' },
};

/** Full width unless the preview card sits beside it. */
export function MonitorsCard() {
  const records = useLab((s) => s.records);
  const steps = useLab((s) => s.runConfig?.steps ?? s.config?.steps ?? 1);
  if (!hasMonitors(records)) return null;
  const wide = !records.some((r) => r.preview);

  const points = records.filter((r) => r.monitors).map((r) => ({ step: r.step, ...r.monitors }));
  const names = [...new Set(points.flatMap((p) => Object.keys(p).filter((k) => k !== 'step')))];

  return (
    <Card title="Collapse monitors" subtitle="Read back from the method at each log step" className={wide ? 'card-wide' : undefined} testId="monitors-card">
      <div className="monitors" data-testid="monitors-chart" data-monitors={names.join(',')} data-points={points.length}>
        {names.map((name) => (
          <div key={name} className="monitor" data-testid={`monitor-${name}`}>
            <h3 className="subheading">{MONITORS[name]?.label ?? name}</h3>
            <ResponsiveContainer width="100%" height={HEIGHT}>
              <LineChart data={points} margin={{ top: 6, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke={GRID} strokeDasharray="3 3" />
                <XAxis {...stepAxis(steps)} />
                <YAxis type="number" domain={['auto', 'auto']} tick={AXIS_TICK} tickFormatter={formatPlain} stroke={GRID} width={56} />
                <Tooltip
                  {...TOOLTIP_PROPS}
                  labelFormatter={(step) => `step ${Number(step)}`}
                  formatter={(v) => [Number(v).toPrecision(4), MONITORS[name]?.label ?? name]}
                />
                <Line dataKey={name} stroke={ACCENT} strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
            {MONITORS[name] && <p className="field-hint">{MONITORS[name].help}</p>}
          </div>
        ))}
      </div>
    </Card>
  );
}
