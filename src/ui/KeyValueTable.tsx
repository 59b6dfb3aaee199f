import type React from 'react';
/** A two-column table of labelled values (row headers on the left): dataset facts, a sweep point's details. */
export function KeyValueTable({ rows, className }: { rows: readonly (readonly [string, string])[]; className: string }) {
  return (
    <table className={className}>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The one row a table shows while it has none: a note across all its `columns`. */
export function EmptyRow({ columns, children }: { columns: number; children: React.ReactNode }) {
  return (
    <tr>
      <td colSpan={columns} className="table-empty">
        {children}
      </td>
    </tr>
  );
}
