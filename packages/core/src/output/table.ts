export interface Column<Row> {
  header: string;
  get: (row: Row) => string;
  /** Columns that may be shortened (with "…") when the table is wider than the terminal. */
  shrinkable?: boolean;
}

/** What `outputWidth` looks at: stdout (is it a terminal, how wide) and the environment. */
export interface OutputTarget {
  isTTY?: boolean;
  columns?: number;
}

/** Used on a terminal that reports no width (and no usable COLUMNS), as most terminals start. */
const FALLBACK_TERMINAL_WIDTH = 80;

/**
 * How many columns human output may use. On a terminal: `COLUMNS` when it is a positive whole
 * number (as ls, less and git honour it), else the terminal's width. Not on a terminal (a pipe,
 * a file): no limit, so nothing is ever cut or wrapped for a reader that has no width, such as
 * `soulrecall list | grep production`; COLUMNS, often exported by shells, is ignored there.
 */
export function outputWidth(target: OutputTarget = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (!target.isTTY) return Number.POSITIVE_INFINITY;
  const fromEnv = env.COLUMNS?.trim();
  if (fromEnv && /^[1-9]\d*$/.test(fromEnv)) return Number(fromEnv);
  return target.columns || FALLBACK_TERMINAL_WIDTH;
}

/**
 * Renders rows as a plain-text table no wider than `width` (default: `outputWidth()`), shortening
 * the shrinkable columns (last first) only when the table is wider than that.
 */
export function renderTable<Row>(rows: Row[], columns: Column<Row>[], width = outputWidth()): string {
  const cells = rows.map((row) => columns.map((column) => column.get(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((row) => row[index]!.length)),
  );
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
  const line = (values: string[]) =>
    values
      .map((value, index) => fit(value, widths[index]!))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(columns.map((column) => column.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/**
 * A module hash as people read it in tables and messages, everywhere the same: its first 12 hex
 * digits (`-` for none). The --json output keeps the full hash.
 */
export function shortHash(sha256: string | null): string {
  return sha256 ? sha256.slice(0, 12) : '-';
}
