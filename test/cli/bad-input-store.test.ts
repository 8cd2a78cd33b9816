import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LATEST_SCHEMA_VERSION, openHistoryStore } from '@soulrecall/history-store';
import { CliSandbox } from '../helpers/cli.js';
import { expectJsonRefusal, expectRefusal, treeDigest } from './bad-input-store-support.js';

interface FlagCase {
  args: string[];
  /** What the one sentence must say besides the flag and the value. */
  error: RegExp;
}

/**
 * Numbers and times the history commands (and `logs --since`, which shares the parser) must
 * refuse as usage errors (exit 2) before they open anything: one sentence naming the flag, the
 * value and what is accepted, a hint, no stack trace, and not one byte of the data directory
 * changed.
 */
describe('soulrecall binary: bad numbers and times for the history commands', function () {
  this.timeout(300_000);
  const sandbox = new CliSandbox();

  before(() => {
    const store = openHistoryStore({ dataDir: sandbox.home });
    try {
      store.canisters.record({
        canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
        networkUrl: 'http://127.0.0.1:4943',
        environment: 'local',
        agent: 'my-agent',
      });
      store.promotions.create({
        agent: 'my-agent',
        fromEnvironment: 'local',
        toEnvironment: 'staging',
        strategy: 'in-place',
      });
    } finally {
      store.close();
    }
  });
  after(() => sandbox.cleanup());

  const limitRange = /--limit .*from 1 to 1000000/;
  const badLimits = [
    '1e30',
    '0',
    '-1',
    '1.5',
    '99999999999999999999',
    '9007199254740993',
    '1000001',
    'ten',
    '',
    '0x10',
  ];
  const cases: FlagCase[] = [
    ...badLimits.map((limit) => ({ args: ['history', '--limit', limit], error: limitRange })),
    ...badLimits.map((limit) => ({ args: ['promote', 'list', 'my-agent', '--limit', limit], error: limitRange })),
    ...[
      '99999999999999999d',
      '99999999999999999',
      '36525001d',
      '999999-01-01',
      '1e30m',
      '-5d',
      '',
      '2026-02-30',
      '2026-13-01',
      'yesterday',
    ].flatMap((since) => [
      { args: ['history', '--since', since], error: /--since/ },
      { args: ['logs', 'rrkah-fqaaa-aaaaa-aaaaq-cai', '--since', since], error: /--since/ },
    ]),
  ];

  for (const testCase of cases) {
    const shown = testCase.args.map((arg) => (arg === '' ? '""' : arg)).join(' ');
    it(`${shown} → exit 2, nothing touched`, async () => {
      const before = treeDigest(sandbox.home);
      const result = await sandbox.run(testCase.args);
      const value = testCase.args[testCase.args.length - 1]!;
      expectRefusal(result, 2, testCase.error);
      expect(result.stderr).to.contain(`"${value}"`);
      expect(treeDigest(sandbox.home), 'the data directory is unchanged').to.deep.equal(before);
    });
  }

  it('--json carries the code and exit code of a bad --limit and a bad --since', async () => {
    expectJsonRefusal(await sandbox.run(['history', '--limit', '1e30', '--json']), 2, 'INVALID_LIMIT');
    expectJsonRefusal(await sandbox.run(['promote', 'list', 'my-agent', '--limit', '0', '--json']), 2, 'INVALID_LIMIT');
    expectJsonRefusal(await sandbox.run(['history', '--since', '99999999999999999d', '--json']), 2, 'INVALID_SINCE');
  });

  it('accepts the edges of the ranges', async () => {
    for (const args of [
      ['history', '--limit', '1'],
      ['history', '--limit', '1000000'],
      ['promote', 'list', 'my-agent', '--limit', '1000000'],
      ['history', '--since', '36525d'],
      ['history', '--since', '5217w'],
      ['history', '--since', '2024-02-29'],
      ['history', '--since', '0001-01-01'],
    ]) {
      const result = await sandbox.run(args);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).to.equal(0);
    }
  });
});

interface StoreFileCase {
  name: string;
  write(dataDir: string): void;
  code: 'STORE_SCHEMA_TOO_NEW' | 'STORE_CORRUPT';
  error: RegExp;
}

function newerSoulrecallStore(dataDir: string, journalMode: 'wal' | 'delete'): void {
  openHistoryStore({ dataDir }).close();
  const raw = new Database(join(dataDir, 'history.db'));
  raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
  raw.pragma(`journal_mode = ${journalMode}`);
  raw.close();
}

function otherProgramsDatabase(dataDir: string, pragmas: string[]): void {
  const raw = new Database(join(dataDir, 'history.db'));
  for (const pragma of pragmas) raw.pragma(pragma);
  raw.exec(
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('buy milk'), ('call mum');",
  );
  raw.close();
}

/**
 * A history.db soulrecall must not write to is refused with exit 11 and left exactly as it was:
 * the same bytes, and no -wal or -shm file beside it that was not there before.
 */
describe('soulrecall binary: a history.db that is not ours to write', function () {
  this.timeout(300_000);
  const sandbox = new CliSandbox();
  after(() => sandbox.cleanup());

  const cases: StoreFileCase[] = [
    {
      name: "a newer soulrecall's store (WAL)",
      write: (dir) => newerSoulrecallStore(dir, 'wal'),
      code: 'STORE_SCHEMA_TOO_NEW',
      error: /schema version \d+, written by a newer soulrecall/,
    },
    {
      name: "a newer soulrecall's store (rollback journal)",
      write: (dir) => newerSoulrecallStore(dir, 'delete'),
      code: 'STORE_SCHEMA_TOO_NEW',
      error: /schema version \d+, written by a newer soulrecall/,
    },
    {
      name: "another program's database with its own application_id and user_version",
      write: (dir) => otherProgramsDatabase(dir, ['application_id = 1179797061', 'user_version = 2']),
      code: 'STORE_CORRUPT',
      error: /another program/,
    },
    {
      name: "another program's database without an application_id",
      write: (dir) => otherProgramsDatabase(dir, []),
      code: 'STORE_CORRUPT',
      error: /another program/,
    },
    {
      name: "another program's database in WAL mode",
      write: (dir) => otherProgramsDatabase(dir, ['journal_mode = WAL']),
      code: 'STORE_CORRUPT',
      error: /another program/,
    },
    {
      name: 'a text file',
      write: (dir) =>
        writeFileSync(join(dir, 'history.db'), 'this is not a database, it is a shopping list\n'.repeat(200)),
      code: 'STORE_CORRUPT',
      error: /not a SQLite database/,
    },
    {
      name: 'a file of a few bytes',
      write: (dir) => writeFileSync(join(dir, 'history.db'), 'hi\n'),
      code: 'STORE_CORRUPT',
      error: /not a SQLite database/,
    },
  ];

  cases.forEach((testCase, index) => {
    it(`${testCase.name} → ${testCase.code}, exit 11, every byte unchanged`, async () => {
      const home = join(sandbox.home, `case-${index}`);
      mkdirSync(home, { recursive: true });
      testCase.write(home);
      const before = treeDigest(home);
      expect(
        Object.keys(before).filter((name) => /-(wal|shm)$/.test(name)),
        'no WAL files to begin with',
      ).to.deep.equal([]);
      const env = { SOULRECALL_HOME: home };
      for (const args of [['history'], ['promote', 'list', 'my-agent'], ['history', '--since', '1d', '--limit', '5']]) {
        const result = await sandbox.run(args, { env });
        expectRefusal(result, 11, testCase.error);
        expect(result.stderr).to.contain(join(home, 'history.db'));
        expect(treeDigest(home), `${args.join(' ')} left the data directory as it was`).to.deep.equal(before);
      }
      expectJsonRefusal(await sandbox.run(['history', '--json'], { env }), 11, testCase.code);
      expect(treeDigest(home)).to.deep.equal(before);
    });
  });
});
