import type { Compilable, Kysely } from 'kysely';
import { hostname, userInfo } from 'node:os';
import type { SqlExecutor, RunResult } from './db/executor.js';
import type { ActorColumns, Database } from './db/tables.js';
import { HistoryStoreError, translateError } from './errors.js';
import type { Actor, ActorInput } from './types.js';

/**
 * What every repository shares: the executor (SQLite or PostgreSQL), the typed query builder,
 * the clock, the default actor, the project, and the two ways of touching the database (read,
 * or write in one serialized transaction).
 */
export interface StoreContextParts {
  executor: SqlExecutor;
  /** Builds the queries; `executor` runs them. */
  q: Kysely<Database>;
  dataDir: string;
  clock: () => Date;
  actor: Actor;
  /** Every record read or written through this context belongs to this project. */
  project: string;
}

export class StoreContext {
  readonly executor: SqlExecutor;
  readonly q: Kysely<Database>;
  readonly dataDir: string;
  private readonly clock: () => Date;
  readonly actor: Actor;
  readonly project: string;

  constructor(parts: StoreContextParts) {
    ({
      executor: this.executor,
      q: this.q,
      dataDir: this.dataDir,
      clock: this.clock,
      actor: this.actor,
      project: this.project,
    } = parts);
  }

  /** The same executor and transaction scope, for another project's records. */
  withProject(project: string): StoreContext {
    const { executor, q, dataDir, clock, actor } = this;
    return new StoreContext({ executor, q, dataDir, clock, actor, project });
  }

  get location(): string {
    return this.executor.location;
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

  /** Every row a query returns. */
  all<R>(query: Compilable<R>): R[] {
    return this.executor.all<R>(query.compile());
  }

  /** The first row, or undefined. */
  one<R>(query: Compilable<R>): R | undefined {
    return this.executor.all<R>(query.compile())[0];
  }

  /** An insert, update or delete: rows changed, and the rows of its RETURNING clause. */
  run<R>(query: Compilable<R>): RunResult<R> {
    return this.executor.run<R>(query.compile());
  }

  /**
   * Runs `fn` as one write transaction no other writer interleaves with: the write lock is taken
   * before the first read, so read-then-write sequences never lose to another process. Nested
   * calls become savepoints of the outer transaction.
   */
  write<T>(fn: () => T): T {
    try {
      return this.executor.transaction(fn);
    } catch (error) {
      throw translateError(error, this.location);
    }
  }

  read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateError(error, this.location);
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

/** What is missing, for callers that word their own hint (soulrecall's CLI names the command that lists them). */
export type MissingEntity = 'backup' | 'promotion' | 'snapshot-file';

export function notFound(what: string, hint?: string, entity?: MissingEntity): HistoryStoreError {
  return new HistoryStoreError('NOT_FOUND', what, { hint, details: entity === undefined ? undefined : { entity } });
}

export function invalidArgument(message: string): HistoryStoreError {
  return new HistoryStoreError('INVALID_ARGUMENT', message);
}

export function actorFromRow(row: ActorColumns): Actor {
  return { principal: row.by_principal, osUser: row.by_os_user, host: row.by_host };
}

export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
