/**
 * The one CSV writer (runs, sweep results, profile tables): RFC 4180, so spreadsheets and
 * `csv.reader` read every file the same way.
 */

/** A cell: empty for undefined or null, JSON for an object; quoted when it holds a comma, a quote or a line break, quotes doubled. */
export function csvCell(value: unknown): string {
  const s =
    value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean | bigint);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text: cells joined by commas, each line ended by CRLF (RFC 4180), the last one too. */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}
