import type Database from 'better-sqlite3';
import { hostname, userInfo } from 'node:os';
import { HistoryStoreError, translateError } from './errors.js';
import type { Actor, ActorInput } from './types.js';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * What every repository shares: the connection, a statement cache, the clock, the default
 * actor and the two ways of touching the database (read, or write in an immediate transaction).
 */
export class StoreContext {
  private readonly statements: Map<string, Statement>;
  /** One reusable transaction wrapper: creating a new one per call costs more than the write. */
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    readonly db: Database.Database,
    readonly dbPath: string,
    readonly dataDir: string,
    private readonly clock: () => Date,
    readonly actor: Actor,
    /** Every record read or written through this context belongs to this project. */
    readonly project: string,
    shared?: { statements: Map<string, Statement>; runInTransaction: Database.Transaction<(fn: () => unknown) => unknown> },
  ) {
    this.statements = shared?.statements ?? new Map();
    this.runInTransaction = shared?.runInTransaction ?? db.transaction((fn: () => unknown) => fn());
  }

  /** The same connection, statements and transaction scope, for another project's records. */
  withProject(project: string): StoreContext {
    return new StoreContext(this.db, this.dbPath, this.dataDir, this.clock, this.actor, project, { statements: this.statements, runInTransaction: this.runInTransaction });
  }

  now(): Date {
    return this.clock();
  }

  nowIso(): string {
    return this.clock().toISOString();
  }

  resolveActor(input?: ActorInput): Actor {
    return {
      principal: input?.principal ?? this.actor.principal,
      osUser: input?.osUser ?? this.actor.osUser,
      host: input?.host ?? this.actor.host,
    };
  }

  stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in a BEGIN IMMEDIATE transaction: the write lock is taken before the first read,
   * so read-then-write sequences never lose to another process (no SQLITE_BUSY_SNAPSHOT).
   * Nested calls become savepoints of the outer transaction.
   */
  write<T>(fn: () => T): T {
    try {
      return this.runInTransaction.immediate(fn) as T;
    } catch (error) {
      throw translateError(error, this.dbPath);
    }
  }

  read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateError(error, this.dbPath);
    }
  }
}

export function defaultActor(): Actor {
  let osUser = process.env.USER ?? 'unknown';
  try {
    osUser = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep the environment's idea of the user.
  }
  return { principal: null, osUser, host: hostname() };
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A project name as soulrecall.yaml and the store take it: lower case, digits, ".", "_", "-". */
export function checkProjectName(name: string): string {
  if (!PROJECT_NAME.test(name)) {
    throw new HistoryStoreError('INVALID_ARGUMENT', `"${name}" is not a valid project name`, {
      hint: 'use 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  }
  return name;
}

export function notFound(what: string, hint?: string): HistoryStoreError {
  return new HistoryStoreError('NOT_FOUND', what, hint === undefined ? {} : { hint });
}

export function invalidArgument(message: string): HistoryStoreError {
  return new HistoryStoreError('INVALID_ARGUMENT', message);
}

/** Columns shared by every table that records who did something. */
export interface ActorColumns {
  by_principal: string | null;
  by_os_user: string;
  by_host: string;
}

export function actorFromRow(row: ActorColumns): Actor {
  return { principal: row.by_principal, osUser: row.by_os_user, host: row.by_host };
}

export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
