import { expect } from 'chai';
import { sharedPostgres, type PostgresServer } from '../../packages/history-store/test/postgres-server.js';
// The bench's generator writes promotions the way the engine does (steps, deployments, audit).
import { generatePromotions } from '../../bench/history-plugin/generate.mjs';
import { CliSandbox, STACK_TRACE, type CliResult } from '../helpers/cli.js';

const AGENTS = 10;
const PROMOTIONS = 1_000;

/**
 * `history push` through the binary: a machine's SQLite history moved into the team's PostgreSQL,
 * as a team does once when it starts sharing.
 */
describe('soulrecall binary: history push into a shared PostgreSQL', function () {
  this.timeout(300_000);
  const machine = new CliSandbox();
  let server: PostgresServer;
  let url: string;
  const ok = (result: CliResult) => expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0);
  const json = async (sandbox: CliSandbox, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await sandbox.run([...args, '--json'], { env });
    return { ...result, json: JSON.parse(result.stdout) };
  };
  /** What a user sees with the history in `url` (or in the local SQLite file). */
  const listings = async (historyUrl?: string) => {
    const env = historyUrl === undefined ? {} : { SOULRECALL_HISTORY_URL: historyUrl };
    const out: unknown[] = [];
    for (let agent = 0; agent < AGENTS; agent++) {
      const listed = await json(machine, ['promote', 'list', `agent-${agent}`, '--limit', String(PROMOTIONS)], env);
      ok(listed);
      out.push(listed.json);
    }
    const history = await json(machine, ['history', '--limit', '500'], env);
    ok(history);
    out.push(history.json);
    return out;
  };

  before(async () => {
    server = await sharedPostgres();
    url = server.url(server.createDatabase('pushed'));
    generatePromotions({ dataDir: machine.home, promotions: PROMOTIONS, agents: AGENTS });
  });
  after(() => machine.cleanup());

  it('pushes 1,000 promotions twice: the second adds nothing, and promote list --json is the same on both backends', async () => {
    const first = await json(machine, ['history', 'push', '--to', url]);
    ok(first);
    expect(first.json.to).to.equal(url.replace(/:[^:@/]*@/, '@'));
    expect(first.json.projects).to.have.length(1);
    expect(first.json.projects[0]).to.include({
      project: 'default',
      promotions: PROMOTIONS,
      deployments: PROMOTIONS,
      steps: PROMOTIONS * 7,
    });

    const second = await machine.run(['history', 'push', '--to', url]);
    ok(second);
    expect(second.stdout).to.match(/^default: already in .+, nothing added\.$/m);
    const secondJson = await json(machine, ['history', 'push', '--to', url]);
    const { project, ...added } = secondJson.json.projects[0];
    expect(project).to.equal('default');
    expect(
      Object.values(added).every((count) => count === 0),
      JSON.stringify(added),
    ).to.equal(true);

    const local = await listings();
    const shared = await listings(url);
    expect((local[0] as { promotions: unknown[] }).promotions).to.have.length(PROMOTIONS / AGENTS);
    expect(shared).to.deep.equal(local);
  });

  it('bad input: one clear sentence, a hint, a documented exit code, nothing written', async () => {
    const other = new CliSandbox();
    try {
      // Another machine with its own version 1 of the same agents: a different history.
      generatePromotions({ dataDir: other.home, promotions: 20, agents: 2 });
      const cases: {
        name: string;
        sandbox: CliSandbox;
        args: string[];
        exitCode: number;
        code: string;
        message: RegExp;
      }[] = [
        {
          name: 'not a store URL',
          sandbox: machine,
          args: ['--to', 'mysql://db/x'],
          exitCode: 2,
          code: 'USAGE',
          message: /--to "mysql:\/\/db\/x" is not a PostgreSQL store/,
        },
        {
          name: 'the local history itself',
          sandbox: machine,
          args: ['--to', 'sqlite'],
          exitCode: 2,
          code: 'USAGE',
          message: /--to "sqlite" is not a PostgreSQL store/,
        },
        {
          name: 'a URL without a database',
          sandbox: machine,
          args: ['--to', 'postgres://postgres:secret@127.0.0.1:5432'],
          exitCode: 2,
          code: 'USAGE',
          message: /is not a PostgreSQL store/,
        },
        {
          name: 'nothing listening',
          sandbox: machine,
          args: ['--to', 'postgres://postgres@127.0.0.1:1/soulrecall'],
          exitCode: 11,
          code: 'STORE_UNREACHABLE',
          message: /cannot be reached/,
        },
        {
          name: 'a database that does not exist',
          sandbox: machine,
          args: ['--to', server.url('missing_db')],
          exitCode: 11,
          code: 'STORE_CANT_OPEN',
          message: /does not exist/,
        },
        {
          name: 'a project this machine does not have',
          sandbox: machine,
          args: ['--to', url, '--project', 'nope'],
          exitCode: 4,
          code: 'PROJECT_NOT_FOUND',
          message: /has no project "nope"/,
        },
        {
          name: 'a different history of the same project',
          sandbox: other,
          args: ['--to', url],
          exitCode: 9,
          code: 'CONFLICT',
          message: /already has a different history/,
        },
      ];
      const before = await listings(url);
      for (const testCase of cases) {
        const human = await testCase.sandbox.run(['history', 'push', ...testCase.args]);
        expect(human.exitCode, `${testCase.name}: ${human.stdout}${human.stderr}`).to.equal(testCase.exitCode);
        expect(human.stderr, testCase.name).to.match(testCase.message).and.not.match(STACK_TRACE);
        expect(human.stderr.trim().split('\n')[0], testCase.name).to.match(/^Error: [^\n]+[.)]$/);
        const result = await json(testCase.sandbox, ['history', 'push', ...testCase.args]);
        expect(result.json.error.code, testCase.name).to.equal(testCase.code);
        expect(result.json.error.hint, testCase.name).to.be.a('string').and.not.empty;
      }
      expect(await listings(url), 'the shared store after the refusals').to.deep.equal(before);
    } finally {
      other.cleanup();
    }
  });
});
