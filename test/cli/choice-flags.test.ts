import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';

/**
 * Flags with a fixed set of values (declared with Flags.option, so the command receives the typed
 * value): a value outside the set is a usage error naming the allowed values, in one sentence and
 * one hint, exit code 2, nothing written. No network or project is needed to get there.
 */
describe("soulrecall binary: values outside a flag's fixed choices", () => {
  const sandbox = new CliSandbox();
  const folder = join(sandbox.home, 'empty-folder');
  mkdirSync(folder, { recursive: true });

  after(() => sandbox.cleanup());

  const cases = [
    { args: ['deploy', 'my-agent', '-e', 'local', '--mode', 'bogus'], allowed: 'auto, install, reinstall, upgrade' },
    { args: ['init', '--from', 'bogus'], allowed: 'dfx, icp' },
    {
      args: ['history', '--kind', 'deployment', '--kind', 'bogus'],
      allowed: 'deployment, promotion, route, rollback, backup, deletion',
    },
    {
      args: ['promote', 'list', 'my-agent', '--status', 'bogus'],
      allowed: 'planned, running, succeeded, failed, aborted, rolled-back',
    },
  ];

  for (const { args, allowed } of cases) {
    const flag = args.at(-2)!;
    it(`${args.slice(0, args.indexOf(flag)).join(' ')} ${flag} bogus`, async () => {
      const result = await sandbox.run(args, { cwd: folder });
      expect(result.exitCode).to.equal(2);
      expect(result.stdout).to.equal('');
      expect(result.stderr).to.equal(
        `Error: Expected ${flag}=bogus to be one of: ${allowed}\nHint: See --help for usage.\n`,
      );
      expect(result.stderr).not.to.match(STACK_TRACE);
      expect(existsSync(join(folder, 'soulrecall.yaml')), 'nothing written').to.equal(false);
    });

    it(`${args.slice(0, args.indexOf(flag)).join(' ')} ${flag} bogus --json: the same error as JSON`, async () => {
      const result = await sandbox.run([...args, '--json'], { cwd: folder });
      expect(result.exitCode).to.equal(2);
      const { error } = JSON.parse(result.stdout) as { error: Record<string, unknown> };
      expect(error).to.deep.equal({
        code: 'USAGE',
        message: `Expected ${flag}=bogus to be one of: ${allowed}`,
        hint: 'See --help for usage.',
        exitCode: 2,
      });
    });
  }
});
