import type { CanisterLogLine } from './execution/types.js';
import type { CanisterLogRecord, CanisterRecord } from './state/canister-record.js';

/**
 * Default bound of a canister's log, in content bytes (its `log_memory_limit` setting); the oldest
 * records go first.
 */
export const MAX_LOG_BYTES = 64 * 1024;

/** Drops the oldest records past the canister's `log_memory_limit`. */
export function boundLogs(records: CanisterLogRecord[], limitBytes: bigint): CanisterLogRecord[] {
  let total = records.reduce((sum, entry) => sum + entry.content.length, 0);
  while (BigInt(total) > limitBytes && records.length > 1) total -= records.shift()!.content.length;
  return records;
}

/** Appends the lines of one message to the canister's log, numbering them; returns the new records. */
export function appendLogs(record: CanisterRecord, lines: CanisterLogLine[]): CanisterLogRecord[] {
  const added = lines.map((line) => ({
    idx: record.nextLogIdx++,
    timestampNanos: line.timeNanos,
    content: line.content,
  }));
  record.logs.push(...added);
  boundLogs(record.logs, record.settings.logMemoryLimit);
  return added;
}
