import { expect } from 'chai';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const T = 1_000_000_000_000n;

/**
 * Issue 17: `network start` funds soulrecall's selected identity on the network's cycles ledger,
 * and `network fund <principal> [--amount]` gives any principal cycles, on the real binary.
 */
describe('soulrecall binary: network fund and the funded identity', function () {
  this.timeout(180_000);
  const sandbox = new CliSandbox();
  let port: number;
  let ownPrincipal: string;

  const run = (args: string[]) => sandbox.run(args);
  const jsonOf = (result: CliResult) => {
    expect(result.exitCode, `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).to.equal(0);
    return JSON.parse(result.stdout);
  };

  before(async () => {
    port = await freePort();
    const started = jsonOf(
      await run([
        'network',
        'start',
        '--background',
        '--port',
        String(port),
        '--state-dir',
        join(sandbox.home, 'net'),
        '--json',
      ]),
    );
    ownPrincipal = jsonOf(await run(['identity', 'export-principal', '--json'])).principal;
    expect(started.fundedPrincipal).to.equal(ownPrincipal);
  });

  after(async () => {
    await run(['network', 'stop', '--port', String(port)]);
    sandbox.cleanup();
  });

  it('starts with soulrecall’s own identity holding 100 T cycles', async () => {
    const topped = jsonOf(
      await run(['network', 'fund', ownPrincipal, '--amount', '1', '--port', String(port), '--json']),
    );
    expect(topped).to.deep.equal({ principal: ownPrincipal, cycles: '1', balance: (100n * T + 1n).toString() });
  });

  it('funds another principal with the amount asked for, and says so in one line', async () => {
    const other = 'rdmx6-jaaaa-aaaaa-aaadq-cai';
    const result = await run(['network', 'fund', other, '--amount', '2.5t', '--port', String(port)]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(
      `Funded ${other} with 2500000000000 cycles; its cycles-ledger balance is 2500000000000.\n`,
    );
    const again = jsonOf(await run(['network', 'fund', other, '--port', String(port), '--json']));
    expect(again.balance).to.equal((2_500_000_000_000n + 100n * T).toString());
  });

  /** `message`: the one sentence, as --json reports it and as stderr shows it after `Error: `. */
  const cases: Array<{ name: string; args: () => string[]; exitCode: number; message: RegExp }> = [
    {
      name: 'not a principal',
      args: () => ['network', 'fund', 'not-a-principal', '--port', String(port)],
      exitCode: 5,
      message: /^"not-a-principal" is not a principal\.$/,
    },
    {
      name: 'a negative amount',
      args: () => ['network', 'fund', ownPrincipal, '--amount=-5', '--port', String(port)],
      exitCode: 2,
      message: /^"-5" is not a positive whole number of cycles\.$/,
    },
    {
      name: 'a zero amount',
      args: () => ['network', 'fund', ownPrincipal, '--amount', '0', '--port', String(port)],
      exitCode: 2,
      message: /^"0" is not a positive whole number of cycles\.$/,
    },
    {
      name: 'a non-numeric amount',
      args: () => ['network', 'fund', ownPrincipal, '--amount', 'lots', '--port', String(port)],
      exitCode: 2,
      message: /^"lots" is not a positive whole number of cycles\.$/,
    },
    {
      name: 'a fraction of a cycle',
      args: () => ['network', 'fund', ownPrincipal, '--amount', '1.5', '--port', String(port)],
      exitCode: 2,
      message: /^"1\.5" is not a positive whole number of cycles\.$/,
    },
    {
      name: 'no running network',
      args: () => ['network', 'fund', ownPrincipal, '--port', String(port + 1)],
      exitCode: 4,
      message: /^No network started by `soulrecall network start` is running on port \d+\.$/,
    },
  ];

  describe('bad input', () => {
    let balanceBefore: bigint;
    const balance = async () =>
      BigInt(
        jsonOf(await run(['network', 'fund', ownPrincipal, '--amount', '1', '--port', String(port), '--json'])).balance,
      );

    before(async () => {
      balanceBefore = await balance();
    });

    for (const testCase of cases) {
      for (const json of [false, true]) {
        it(`refuses ${testCase.name}${json ? ' (--json)' : ''} with exit ${testCase.exitCode}, one sentence and a hint`, async () => {
          const result = await run([...testCase.args(), ...(json ? ['--json'] : [])]);
          const shown = `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
          expect(result.exitCode, shown).to.equal(testCase.exitCode);
          expect(result.stderr, shown).to.not.match(STACK_TRACE);
          if (json) {
            const { error } = JSON.parse(result.stdout);
            expect(error.message, shown).to.match(testCase.message);
            expect(error.hint, shown).to.be.a('string').and.not.equal('');
          } else {
            expect(result.stdout, shown).to.equal('');
            const lines = result.stderr.trimEnd().split('\n');
            expect(lines[0]!.replace(/^Error: /, ''), shown).to.match(testCase.message);
            expect(lines[0], shown).to.match(/^Error: /);
            expect(
              lines.filter((line) => line.startsWith('Hint: ')),
              shown,
            ).to.have.length(1);
          }
        });
      }
    }

    it('funded nothing: the balance moved only by the two probes’ one cycle each', async () => {
      expect((await balance()) - balanceBefore).to.equal(1n);
    });
  });
});
