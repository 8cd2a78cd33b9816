/**
 * The Kysely values the store uses at run time, from one module that the build replaces with a
 * single-file bundle (scripts/bundle-dependency.mjs at the repository root). Kysely ships as some
 * 280 ES modules, and loading them cost every soulrecall command about 300 ms on a busy 2-core
 * machine (the bundle: about 25 ms), enough to double `promote list`. Types keep coming from 'kysely' itself.
 */
export {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
