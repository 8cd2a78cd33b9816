// Takes the store's write lock, says "holding", waits until another connection is blocked on that
// lock, then creates the schema and commits: the other connection gets the lock after the commit.
import { writeSync } from 'node:fs';
import { PostgresExecutor } from '../../dist/db/postgres.js';
import { migratePostgres } from '../../dist/schema/postgres.js';

const [url] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const executor = new PostgresExecutor(url);
executor.transaction(() => {
  // Synchronous: the event loop does not run until the transaction ends, so process.send would wait.
  writeSync(1, 'holding\n');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = executor.exec("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    if (Number(row.n) > 0) break;
    if (Date.now() > deadline) throw new Error('no connection ever waited for the write lock');
    Atomics.wait(pause, 0, 0, 10);
  }
  migratePostgres(executor);
});
executor.close();
writeSync(1, 'committed\n');
