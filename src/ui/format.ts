/** Number formatting for figures and chart axes: SI prefixes, durations, percentages. */

const BIG = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SMALL = ['', 'm', 'µ', 'n', 'p', 'f', 'a'];

/** Splits a value into a mantissa in [1, 1000) (after rounding to `digits`) and its SI prefix. */
function siParts(value: number, digits: number): { scaled: number; prefix: string } {
  const abs = Math.abs(value);
  if (abs === 0 || !Number.isFinite(abs)) return { scaled: value, prefix: '' };
  let exp = Math.floor(Math.log10(abs) / 3);
  exp = Math.max(-(SMALL.length - 1), Math.min(BIG.length - 1, exp));
  let scaled = value / 10 ** (3 * exp);
  // Rounding can turn 999.7 into "1000": move to the next prefix instead.
  const rounded = Number(toSignificant(scaled, digits));
  if (Math.abs(rounded) >= 1000 && exp < BIG.length - 1) {
    exp += 1;
    scaled = rounded / 1000;
  }
  return { scaled, prefix: exp >= 0 ? BIG[exp] : SMALL[-exp] };
}

/** Fixed significant digits without exponent notation (12.3, 1.23, 123). */
function toSignificant(x: number, digits: number): string {
  if (x === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  return x.toFixed(Math.max(0, digits - 1 - magnitude));
}

/** Compact SI value for axis ticks: formatSi(1.2e9) -> "1.2G", formatSi(3e-6) -> "3µ". */
export function formatSi(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '—';
  const { scaled, prefix } = siParts(value, digits);
  const text = toSignificant(scaled, digits).replace(/\.0+$|(\.\d*?)0+$/, '$1');
  return `${text}${prefix}`;
}

/** SI value with a unit and stable digits: formatSiUnit(2.1e-3, 'Wh') -> "2.10 mWh". */
export function formatSiUnit(value: number, unit: string, digits = 3): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return `0 ${unit}`;
  const { scaled, prefix } = siParts(value, digits);
  return `${toSignificant(scaled, digits)} ${prefix}${unit}`;
}

/** formatFlops(1.234e9) -> "1.23 GFLOP". */
export function formatFlops(flops: number): string {
  return formatSiUnit(flops, 'FLOP');
}

/** Milliseconds as "350 ms", "12.3 s", "1m 05s", "2h 03m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1) return formatSiUnit(ms / 1000, 's');
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    const m = Math.floor(totalSeconds / 60);
    return `${m}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  const h = Math.floor(totalMinutes / 60);
  if (h >= 48) return `${(h / 24).toFixed(1)} days`;
  return `${h}h ${String(totalMinutes % 60).padStart(2, '0')}m`;
}

/** Estimated compute time in hours, shown in the unit that reads best. */
export function formatHours(hours: number): string {
  if (!Number.isFinite(hours)) return '—';
  if (hours >= 24 * 365) return `${formatSi(hours / (24 * 365), 3)} years`;
  return formatDuration(hours * 3_600_000);
}

/** Energy given in kWh, shown with SI prefixes on Wh ("2.10 mWh", "1.50 MWh"). */
export function formatEnergy(kwh: number): string {
  return formatSiUnit(kwh * 1000, 'Wh');
}

/** Mass of CO2 given in kg, shown with SI prefixes on grams ("812 µg", "1.20 Mg"). */
export function formatCo2(kg: number): string {
  if (kg >= 1000) return `${toSignificant(kg / 1000, 3)} t`;
  return formatSiUnit(kg * 1000, 'g');
}

/** 0.4567 -> "45.7%". */
export function formatPercent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Integer with thin grouping: 1234567 -> "1,234,567". */
export function formatInteger(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}
