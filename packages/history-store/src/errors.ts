import { PostgresRequestError } from './db/postgres.js';
/**
 * Every failure the store reports is a HistoryStoreError: one sentence a user can read,
 * a stable `code` for callers and exit codes, and a `hint` saying what to do about it.
 */
export const HISTORY_STORE_ERROR_CODES = [
  'STORE_CORRUPT',
  'STORE_READ_ONLY',
  'STORE_FULL',
  'STORE_BUSY',
  'STORE_IO',
  'STORE_CANT_OPEN',
  'STORE_CLOSED',
  'STORE_SCHEMA_TOO_NEW',
  'STORE_FOREIGN',
  'STORE_UNREACHABLE',
  'STORE_AUTH',
  'LOCK_HELD',
  'LOCK_LOST',
  'NOT_FOUND',
  'CONFLICT',
  'INVALID_TRANSITION',
  'INVALID_ARGUMENT',
  'ARTIFACT_CORRUPT',
] as const;

export type HistoryStoreErrorCode = (typeof HISTORY_STORE_ERROR_CODES)[number];

export interface HistoryStoreErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Structured facts about the failure (for --json output), e.g. the lock holder. */
  details?: Record<string, unknown>;
}

export class HistoryStoreError extends Error {
  override readonly name = 'HistoryStoreError';
  readonly code: HistoryStoreErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: HistoryStoreErrorCode, message: string, options: HistoryStoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isHistoryStoreError(value: unknown, code?: HistoryStoreErrorCode): value is HistoryStoreError {
  return value instanceof HistoryStoreError && (code === undefined || value.code === code);
}

/** Node's errno codes and PostgreSQL's SQLSTATEs for a server that is not (or no longer) there. */
const UNREACHABLE =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|57P0[123]|08\w{3})$/;

function translatePostgresError(
  error: PostgresRequestError,
  code: string,
  reason: string,
  location: string,
): HistoryStoreError {
  const cause = { cause: error };
  if (UNREACHABLE.test(code) || /Connection terminated|connection timeout|timeout expired/i.test(reason)) {
    return new HistoryStoreError('STORE_UNREACHABLE', `the history store ${location} cannot be reached (${reason})`, {
      ...cause,
      hint: 'start the PostgreSQL server or fix the URL of the store; an interrupted promotion can be resumed once it is back',
    });
  }
  if (code === '28P01' || code === '28000') {
    return new HistoryStoreError('STORE_AUTH', `the history store ${location} refused the login (${reason})`, {
      ...cause,
      hint: 'check the user and password in the URL (or ~/.pgpass); nothing was written',
    });
  }
  if (code === '3D000') {
    return new HistoryStoreError(
      'STORE_CANT_OPEN',
      `the history store ${location} does not exist on that server (${reason})`,
      {
        ...cause,
        hint: 'create it first (createdb <name>); soulrecall creates its tables in an empty database',
      },
    );
  }
  if (code === '55P03' || code === '40001' || code === '40P01') {
    return new HistoryStoreError(
      'STORE_BUSY',
      `the history store ${location} stayed locked by another soulrecall process beyond the lock timeout`,
      {
        ...cause,
        hint: 'another command is writing to the store; retry in a moment',
      },
    );
  }
  if (code.startsWith('23'))
    return new HistoryStoreError(
      'CONFLICT',
      `the history store rejected a write that conflicts with recorded data (${reason})`,
      cause,
    );
  if (code === '53100')
    return new HistoryStoreError(
      'STORE_FULL',
      `the server holding the history store ${location} is out of disk space (${reason})`,
      { ...cause, hint: 'free space on the server and retry; nothing was half-written' },
    );
  return new HistoryStoreError('STORE_IO', `the history store ${location} failed: ${reason}`, cause);
}

/**
 * Turns SQLite and file-system failures into HistoryStoreErrors. `location` names the file
 * or directory involved so the message says where the problem is. Anything else (a bug, a
 * caller's own exception thrown inside a transaction) is returned unchanged.
 */
export function translateError(error: unknown, location: string): unknown {
  if (error instanceof HistoryStoreError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const reason = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };
  if (error instanceof PostgresRequestError) return translatePostgresError(error, code, reason, location);

  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new HistoryStoreError(
      'STORE_BUSY',
      `the history store ${location} stayed locked by another soulrecall process beyond the busy timeout`,
      {
        ...cause,
        hint: 'another command is writing to the store; retry in a moment',
      },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new HistoryStoreError(
      'STORE_CORRUPT',
      `the history store ${location} is corrupted or is not a SQLite database (${reason})`,
      {
        ...cause,
        hint: 'move the file aside (soulrecall will create a new one) and restore it from a copy if you have one',
      },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new HistoryStoreError('STORE_READ_ONLY', `the history store ${location} is read-only (${reason})`, {
      ...cause,
      hint: 'make the data directory writable, or point SOULRECALL_HOME at a writable directory',
    });
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new HistoryStoreError('STORE_FULL', `the disk holding the history store ${location} is full (${reason})`, {
      ...cause,
      hint: 'free some disk space and retry; nothing was half-written',
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') {
    return new HistoryStoreError('STORE_CANT_OPEN', `cannot open the history store ${location} (${reason})`, {
      ...cause,
      hint: 'check that the data directory is a directory and history.db is a regular file',
    });
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') {
    return new HistoryStoreError('STORE_IO', `an I/O error occurred on the history store ${location} (${reason})`, {
      ...cause,
      hint: 'check the disk; nothing was half-written',
    });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new HistoryStoreError(
      'CONFLICT',
      `the history store rejected a write that conflicts with recorded data (${reason})`,
      cause,
    );
  }
  if (error instanceof TypeError && /database connection is not open/i.test(reason)) {
    return new HistoryStoreError('STORE_CLOSED', 'the history store has been closed', cause);
  }
  if (code.startsWith('SQLITE_')) {
    return new HistoryStoreError('STORE_IO', `the history store ${location} failed: ${reason}`, cause);
  }
  return error;
}
