import { ExitCode, SoulrecallError } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(\d+)\s*([smhdw])$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--since` of every command that has it: a span back from now (`90s`, `15m`, `2h`, `1d`, `1w`)
 * or an ISO date or time (`2026-11-26`, `2026-11-26T12:00:00Z`). Anything else is a usage error.
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!]!);
  if (ISO_DATE.test(text)) {
    const date = new Date(text.includes(' ') ? text.replace(' ', 'T') : text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new SoulrecallError(`--since "${value}" is neither a duration nor a date.`, {
    code: 'INVALID_SINCE',
    exitCode: ExitCode.Usage,
    hint: 'Use a duration such as 30s, 15m, 2h, 3d or 1w, or an ISO date such as 2026-11-26 or 2026-11-26T10:00:00Z.',
  });
}
