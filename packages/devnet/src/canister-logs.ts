import type { CanisterLogLine } from './execution/types.js';
import type { CanisterRecord } from './state/canister-record.js';

/** Bound of a canister's log, in content bytes; the oldest records go first (a replica keeps 4 KiB). */
const MAX_LOG_BYTES = 64 * 1024;

/** Appends the lines of one message to the canister's log, numbering them and dropping the oldest past the bound. */
export function appendLogs(record: CanisterRecord, lines: CanisterLogLine[]): void {
  for (const line of lines) {
    record.logs.push({ idx: record.nextLogIdx++, timestampNanos: line.timeNanos, content: line.content });
  }
  let total = record.logs.reduce((sum, entry) => sum + entry.content.length, 0);
  while (total > MAX_LOG_BYTES && record.logs.length > 1) total -= record.logs.shift()!.content.length;
}
