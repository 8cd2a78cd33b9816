import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { openHistoryStore } from '../src/index.js';
import { LineReader, ensureBuilt, forkWorker, makeTempDir, removeDir, waitForExit } from './helpers.js';
import { sharedPostgres } from './postgres-server.js';

interface WorkerReport {
  type: 'done';
  versions: number[];
  errors: string[];
}

describe('several processes sharing one store', function () {
  this.timeout(170_000);
  let dir: string;
  before(() => ensureBuilt());
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`8 processes × 200 deployments of one agent/environment [${backend}]: versions 1..1600, no gap, no duplicate, no BUSY`, async () => {
      const server = backend === 'postgres' ? await sharedPostgres() : undefined;
      const url = server?.url(server.createDatabase('concurrency'));
      await deployFromEightProcesses(url);
    });
  }

  async function deployFromEightProcesses(url: string | undefined): Promise<void> {
    const workers = Array.from({ length: 8 }, (_, i) =>
      forkWorker('deploy-worker.mjs', [dir, '200', `worker-${i}`, ...(url ? [url] : [])]),
    );
    // A worker that dies before it reports fails the test with its stderr, instead of a silent wait until the timeout.
    const stderr = workers.map(() => '');
    workers.forEach((worker, i) => worker.stderr!.on('data', (chunk: Buffer) => (stderr[i] += chunk.toString())));
    const nextMessage = <T>(i: number) =>
      new Promise<T>((resolve, reject) => {
        const onExit = (code: number | null, signal: string | null) =>
          reject(new Error(`worker-${i} exited (code ${code}, signal ${signal}) before reporting:\n${stderr[i]}`));
        // 'close' comes after the worker's stdio and IPC channel are drained, so a report sent just before exiting is
        // seen first.
        workers[i]!.once('close', onExit);
        workers[i]!.once('message', (message) => {
          workers[i]!.off('close', onExit);
          resolve(message as T);
        });
      });
    await Promise.all(workers.map((_, i) => nextMessage(i)));
    const reports = workers.map((_, i) => nextMessage<WorkerReport>(i));
    // All start writing at the same moment.
    for (const worker of workers) worker.send('go');
    const results = await Promise.all(reports);
    const exits = await Promise.all(workers.map(waitForExit));

    expect(exits.map((e) => e.code)).to.deep.equal(Array(8).fill(0));
    expect(results.flatMap((r) => r.errors)).to.deep.equal([]);
    const reported = results.flatMap((r) => r.versions).sort((a, b) => a - b);
    expect(reported).to.deep.equal(Array.from({ length: 1600 }, (_, i) => i + 1));

    const store = openHistoryStore({ dataDir: dir, url });
    const rows = store.deployments.list({ agent: 'bot', environment: 'local', limit: 10_000 });
    expect(rows).to.have.length(1600);
    expect(rows.map((d) => d.version).sort((a, b) => a - b)).to.deep.equal(reported);
    expect(rows.filter((d) => d.status === 'pending')).to.have.length(0);
    // Each worker's own deployments got increasing versions (the interleaving is real).
    for (let i = 0; i < 8; i++) {
      const mine = rows
        .filter((d) => d.by.principal === `worker-${i}`)
        .map((d) => d.version)
        .reverse();
      expect(mine).to.have.length(200);
      expect(mine).to.deep.equal([...mine].sort((a, b) => a - b));
    }
    expect(store.audit.list({ action: 'deployment.begin', limit: 10_000 })).to.have.length(1600);
    expect(store.integrityCheck()).to.deep.equal([]);
    store.close();
  }

  it('8 processes opening each of 40 new PostgreSQL databases at once: every one creates or adopts the schema, none calls it foreign', async () => {
    // CI saw one of 8 processes opening one new database call it another program's. Before the
    // fix this failed about once in 13 databases; 40 makes a regression very likely to show.
    const server = await sharedPostgres();
    const workers = Array.from({ length: 8 }, () => forkWorker('open-postgres-worker.mjs', []));
    try {
      const reply = (worker: (typeof workers)[number]) =>
        new Promise<{ ok: boolean; code?: string; message?: string }>((resolve) => worker.once('message', resolve));
      await Promise.all(workers.map(reply));
      const failures: string[] = [];
      for (let round = 0; round < 40; round++) {
        const url = server.url(server.createDatabase('open'));
        const replies = workers.map(reply);
        for (const worker of workers) worker.send({ url });
        for (const result of await Promise.all(replies))
          if (!result.ok) failures.push(`${result.code}: ${result.message}`);
      }
      expect(failures).to.deep.equal([]);
    } finally {
      for (const worker of workers) worker.disconnect();
      await Promise.all(workers.map(waitForExit));
    }
  });

  it('a writer killed with SIGKILL inside a transaction leaves a sound file and no partial promotion', async () => {
    const worker = forkWorker('crash-worker.mjs', [dir]);
    try {
      const lines = new LineReader(worker);
      const committedId = (await lines.next((l) => l.startsWith('committed '))).split(' ')[1]!;
      const doomedId = (await lines.next((l) => l.startsWith('inside '))).split(' ')[1]!;

      // The transaction really is open: the write lock is held right now.
      const probe = new Database(join(dir, 'history.db'), { timeout: 0 });
      expect(() => probe.exec('BEGIN IMMEDIATE')).to.throw(/locked|busy/i);
      probe.close();

      worker.kill('SIGKILL');
      const exit = await waitForExit(worker);
      expect(exit.signal).to.equal('SIGKILL');
      assertRecovered(committedId, doomedId);
    } finally {
      // Never leave a blocked worker behind, whatever failed above.
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    }
  });

  function assertRecovered(committedId: string, doomedId: string): void {
    const store = openHistoryStore({ dataDir: dir });
    expect(store.integrityCheck()).to.deep.equal([]);
    expect(store.promotions.get(committedId)?.steps).to.have.length(1);
    expect(store.promotions.get(doomedId)).to.equal(null);
    expect(store.promotions.list().map((p) => p.id)).to.deep.equal([committedId]);
    expect(store.audit.list({ subject: doomedId })).to.deep.equal([]);
    const raw = new Database(join(dir, 'history.db'));
    expect(raw.prepare('SELECT count(*) AS n FROM promotion_steps').get()).to.deep.equal({ n: 1 });
    raw.close();
    // The store is writable again straight away.
    expect(
      store.promotions.create({
        agent: 'bot',
        fromEnvironment: 'staging',
        toEnvironment: 'production',
        strategy: 'in-place',
      }).status,
    ).to.equal('planned');
    store.close();
  }
});
