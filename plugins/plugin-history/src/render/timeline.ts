import type { TimelineEvent } from '@soulrecall/history-store';
import { outputWidth } from '@soulrecall/core';
import { formatTime, wrap } from './format.js';

const KIND_WIDTH = 10;
const TIME_WIDTH = 19;

/**
 * `history`: one event per entry, `time  kind  summary`; on a terminal the summary is wrapped
 * under itself, in a pipe (unlimited width) each event is one line, for grep and friends.
 */
export function renderTimeline(
  events: TimelineEvent[],
  options: { width?: number; showProject?: boolean } = {},
): string {
  const width = options.width ?? outputWidth();
  const indent = TIME_WIDTH + 2 + KIND_WIDTH + 2;
  const header = `${'WHEN'.padEnd(TIME_WIDTH)}  ${'KIND'.padEnd(KIND_WIDTH)}  WHAT`;
  const rows = events.map((event) => {
    // Across projects each line says whose it is: the same agent name may live in several.
    const summary = `${options.showProject ? `[${event.project}] ` : ''}${event.summary} (by ${event.by.osUser})`;
    const [first, ...rest] = wrap(summary, width - indent, 0);
    return [
      `${formatTime(event.at)}  ${event.kind.padEnd(KIND_WIDTH)}  ${first}`,
      ...rest.map((line) => `${' '.repeat(indent)}${line}`),
    ].join('\n');
  });
  return [header, ...rows].join('\n');
}

export const CSV_COLUMNS = [
  'id',
  'at',
  'kind',
  'action',
  'agent',
  'environment',
  'subject',
  'summary',
  'principal',
  'osUser',
  'host',
  'project',
] as const;

/** RFC 4180 CSV with a header row; every field quoted only when it needs to be. */
export function renderTimelineCsv(events: TimelineEvent[]): string {
  const rows = events.map((event) => [
    String(event.id),
    event.at,
    event.kind,
    event.action,
    event.agent ?? '',
    event.environment ?? '',
    event.subject ?? '',
    event.summary,
    event.by.principal ?? '',
    event.by.osUser,
    event.by.host,
    event.project,
  ]);
  return [[...CSV_COLUMNS], ...rows].map((row) => row.map(csvField).join(',')).join('\r\n');
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
