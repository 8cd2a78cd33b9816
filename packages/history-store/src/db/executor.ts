import type Database from 'better-sqlite3';
import type { Compilable, CompiledQuery } from 'kysely';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from './kysely.js';
import type { Database as Tables } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

/** What a statement that changes rows reports. */
export interface RunResult<R> {
  changes: number;
  /** The rows of a `RETURNING` clause. */
  rows: R[];
}

/**
 * Runs compiled queries synchronously, so the store's API stays synchronous on every backend:
 * a deploy journals a step and goes on in the same tick, as it always has with SQLite.
 */
export interface SqlExecutor {
  readonly dialect: Dialect;
  /** Where the data lives, for messages: a file path or a URL without its password. */
  readonly location: string;
  all<R>(query: CompiledQuery): R[];
  run<R>(query: CompiledQuery): RunResult<R>;
  /**
   * Runs `fn` as one write transaction that no other writer interleaves with (SQLite's BEGIN
   * IMMEDIATE; on PostgreSQL a transaction-scoped advisory lock), so read-then-write sequences
   * such as "next version number" never race. Nested calls become savepoints.
   */
  transaction<T>(fn: () => T): T;
  readonly isOpen: boolean;
  close(): void;
}

/**
 * The query builder: typed against the tables, compile-only (the executor runs what it
 * builds), one per dialect. The same builder call yields SQLite or PostgreSQL text.
 */
export function queryBuilder(dialect: Dialect): Kysely<Tables> {
  return new Kysely<Tables>({
    dialect:
      dialect === 'sqlite'
        ? {
            createAdapter: () => new SqliteAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new SqliteIntrospector(db),
            createQueryCompiler: () => new SqliteQueryCompiler(),
          }
        : {
            createAdapter: () => new PostgresAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new PostgresIntrospector(db),
            createQueryCompiler: () => new PostgresQueryCompiler(),
          },
  });
}

export function compile(query: Compilable): CompiledQuery {
  return query.compile();
}

type Statement = Database.Statement<unknown[], unknown>;

/** better-sqlite3: one connection, prepared statements cached by their text. */
export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  /** One reusable transaction wrapper: creating a new one per call costs more than the write. */
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    readonly db: Database.Database,
    readonly location: string,
  ) {
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  all<R>(query: CompiledQuery): R[] {
    return this.statement(query.sql).all(...(query.parameters as unknown[])) as R[];
  }

  run<R>(query: CompiledQuery): RunResult<R> {
    const statement = this.statement(query.sql);
    if (statement.reader) {
      const rows = statement.all(...(query.parameters as unknown[])) as R[];
      return { changes: rows.length, rows };
    }
    return { changes: statement.run(...(query.parameters as unknown[])).changes, rows: [] };
  }

  transaction<T>(fn: () => T): T {
    return this.runInTransaction.immediate(fn) as T;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
