/** Tick positions for log-scale axes: 1-2-5 steps inside the data range, or powers of ten when it spans many decades. */
export function logTicks(min: number, max: number, maxTicks = 7): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const inRange = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  for (const mantissas of [[1, 2, 5], [1, 3], [1]]) {
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) for (const m of mantissas) if (inRange(m * 10 ** e)) ticks.push(m * 10 ** e);
    if (ticks.length <= maxTicks && ticks.length >= 2) return ticks;
    if (ticks.length > maxTicks && mantissas.length === 1) {
      const stride = Math.ceil(ticks.length / maxTicks);
      return ticks.filter((_, i) => i % stride === 0);
    }
  }
  // Less than a 1-2-5 step apart: label both ends.
  return min === max ? [min] : [min, max];
}

/** Loss-style numbers: at most 3 significant digits, no exponent for the usual range. */
export function formatPlain(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
