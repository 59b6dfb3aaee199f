/** Shared chart styling: one accent, slate greys, readable tick sizes on a projector. */
import type { CSSProperties } from 'react';
import { formatSi } from '../format';

export const ACCENT = '#38bdf8';
/** Lighter and darker steps of the accent, for series that must be told apart. */
export const ACCENT_STEPS = ['#7dd3fc', '#38bdf8', '#0284c7', '#075985', '#bae6fd', '#0ea5e9', '#0369a1', '#e0f2fe'];
export const GRID = '#334155';
export const MUTED = '#94a3b8';

export const AXIS_TICK = { fill: MUTED, fontSize: 13 };
export const AXIS_LABEL_STYLE = { fill: MUTED, fontSize: 13 };

const TOOLTIP_STYLE: CSSProperties = {
  background: '#0f172a',
  border: `1px solid ${GRID}`,
  borderRadius: 6,
  color: '#e2e8f0',
  fontSize: 13,
};
const TOOLTIP_LABEL_STYLE: CSSProperties = { color: MUTED, marginBottom: 4 };
const TOOLTIP_ITEM_STYLE: CSSProperties = { color: '#e2e8f0', padding: 0 };
const TOOLTIP_CURSOR = { stroke: GRID, fill: 'rgba(148, 163, 184, 0.08)' };

/** One fixed colour per model component, the encoder in the accent (the FLOP comparison and its legend). */
export const COMPONENT_COLORS: Record<string, string> = {
  encoder: ACCENT,
  decoder: '#a78bfa',
  head: '#34d399',
  teacher: '#f472b6',
  text: '#fbbf24',
  loss: '#fb923c',
  optimizer: '#64748b',
  ema: '#cbd5e1',
};
export const OTHER_COMPONENT_COLOR = '#475569';

/** Every chart's tooltip look, spread into recharts' `<Tooltip {...TOOLTIP_PROPS} />`. */
export const TOOLTIP_PROPS = { contentStyle: TOOLTIP_STYLE, labelStyle: TOOLTIP_LABEL_STYLE, itemStyle: TOOLTIP_ITEM_STYLE, cursor: TOOLTIP_CURSOR };

/** A step axis from 0 to `steps` (the loss and monitor charts), spread into recharts' `<XAxis {...stepAxis(steps)} />`. */
export const stepAxis = (steps: number) => ({
  dataKey: 'step',
  type: 'number' as const,
  domain: [0, steps],
  allowDecimals: false,
  tick: AXIS_TICK,
  tickFormatter: (v: number) => formatSi(v, 3),
  stroke: GRID,
});
