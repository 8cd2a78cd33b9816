import { SoulrecallError } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(\d+)\s*([smhdw])$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/**
 * The longest span `--since` reaches back. Without a bound, `99999999999999999d` lands outside
 * the range of a JavaScript Date and fails later as an unexpected "Invalid time value"; nothing
 * soulrecall records is older than a century, so a longer span is a typo.
 */
export const MAX_SINCE_SPAN_MS = 36_525 * UNIT_MS.d!;
const HINT =
  'Use a duration such as 30s, 15m, 2h, 3d or 1w (up to 100 years, 36525d), or an ISO date such as 2026-11-26 or 2026-11-26T10:00:00Z.';

/**
 * `--since` of every command that has it: a span back from now (`90s`, `15m`, `2h`, `1d`, `1w`)
 * or an ISO date or time (`2026-11-26`, `2026-11-26T12:00:00Z`). Anything else is a usage error.
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative) {
    const spanMs = Number(relative[1]) * UNIT_MS[relative[2]!]!;
    if (spanMs > MAX_SINCE_SPAN_MS) throw invalidSince(`--since "${value}" reaches back more than 100 years.`);
    return new Date(now.getTime() - spanMs);
  }
  const iso = ISO_DATE.exec(text);
  if (iso) {
    const date = new Date(text.includes(' ') ? text.replace(' ', 'T') : text);
    // JavaScript rolls impossible days over (2026-02-30 is read as March 2): refuse them instead.
    if (!Number.isNaN(date.getTime()) && isCalendarDay(Number(iso[1]), Number(iso[2]), Number(iso[3]))) return date;
    throw invalidSince(`--since "${value}" is not a real date or time.`);
  }
  throw invalidSince(`--since "${value}" is neither a duration nor a date.`);
}

function isCalendarDay(year: number, month: number, day: number): boolean {
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 0–99 as they are
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

function invalidSince(message: string): SoulrecallError {
  return new SoulrecallError(message, { code: 'INVALID_SINCE', hint: HINT });
}
