import { Flags } from '@oclif/core';
import { SoulrecallError } from '@soulrecall/core';

/**
 * The most rows one `--limit` may ask for: more than any terminal or script reads at once, well inside what SQLite and
 * a JavaScript number hold exactly.
 */
export const MAX_LIMIT = 1_000_000;
const WHOLE_NUMBER = /^\d+$/;

/**
 * `--limit` of the history commands. It is a string flag on purpose: oclif rewrites an error
 * thrown while it parses a flag into several lines ("Parsing --limit … See more help"), and its
 * integer flag lets through numbers no query can use (99999999999999999999 became a SQLite
 * "datatype mismatch"). `parseLimit` checks the value in one place, in one sentence.
 */
export function limitFlag(things: string, fallback: number) {
  return Flags.string({
    summary: `Show at most this many ${things} (1 to ${MAX_LIMIT}).`,
    default: String(fallback),
    helpValue: '<n>',
  });
}

export function parseLimit(value: string): number {
  const text = value.trim();
  const limit = WHOLE_NUMBER.test(text) ? Number(text) : Number.NaN;
  if (limit >= 1 && limit <= MAX_LIMIT) return limit;
  throw new SoulrecallError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, not "${value}".`, {
    code: 'INVALID_LIMIT',
    hint: 'Pass a whole number such as --limit 100, or leave --limit out for the default.',
    details: { flag: 'limit', value, min: 1, max: MAX_LIMIT },
  });
}
