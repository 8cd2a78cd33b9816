export interface Column<Row> {
  header: string;
  get: (row: Row) => string;
  /** Columns that may be shortened (with "…") when the table is wider than the terminal. */
  shrinkable?: boolean;
}

/**
 * Renders rows as a plain-text table no wider than `width` (default: the terminal, else 80),
 * shortening the shrinkable columns first so output fits an 80-column terminal.
 */
export function renderTable<Row>(rows: Row[], columns: Column<Row>[], width = process.stdout.columns || 80): string {
  const cells = rows.map((row) => columns.map((column) => column.get(row)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => row[index]!.length)));
  const gap = 2;
  let total = widths.reduce((sum, w) => sum + w, 0) + gap * (columns.length - 1);
  for (let index = columns.length - 1; index >= 0 && total > width; index--) {
    if (!columns[index]!.shrinkable) continue;
    const minimum = Math.max(columns[index]!.header.length, 6);
    const cut = Math.min(widths[index]! - minimum, total - width);
    if (cut > 0) {
      widths[index]! -= cut;
      total -= cut;
    }
  }
  const fit = (text: string, w: number) => (text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text.padEnd(w));
  const line = (values: string[]) => values.map((value, index) => fit(value, widths[index]!)).join(' '.repeat(gap)).trimEnd();
  return [line(columns.map((column) => column.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** A module hash as people read it in tables and messages: its first 12 hex digits. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}
