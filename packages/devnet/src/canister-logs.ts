import type { CanisterLogLine } from './execution/types.js';
import type { CanisterLogRecord, CanisterRecord } from './state/canister-record.js';

/** Bound of a canister's log, in content bytes; the oldest records go first (a replica keeps 4 KiB). */
export const MAX_LOG_BYTES = 64 * 1024;

/** Drops the oldest records past the bound. */
export function boundLogs(records: CanisterLogRecord[]): CanisterLogRecord[] {
  let total = records.reduce((sum, entry) => sum + entry.content.length, 0);
  while (total > MAX_LOG_BYTES && records.length > 1) total -= records.shift()!.content.length;
  return records;
}

/** Appends the lines of one message to the canister's log, numbering them; returns the new records. */
export function appendLogs(record: CanisterRecord, lines: CanisterLogLine[]): CanisterLogRecord[] {
  const added = lines.map((line) => ({ idx: record.nextLogIdx++, timestampNanos: line.timeNanos, content: line.content }));
  record.logs.push(...added);
  boundLogs(record.logs);
  return added;
}
