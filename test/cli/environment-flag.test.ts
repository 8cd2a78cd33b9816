import { Config, Parser, type Command } from '@oclif/core';
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT_FLAG_SPELLINGS } from '@soulrecall/core';
import { CliSandbox, repoRoot } from '../helpers/cli.js';

/**
 * Every command that takes an environment, in the CLI and every bundled plugin, takes it under
 * the same spellings (`-e staging`, `--env staging`, `--network staging`, as the guides write
 * them), so that a user never has to remember which command calls it what.
 */
describe('the environment flag: one set of spellings in every command', function () {
  this.timeout(120_000);
  let commands: Command.Loadable[];

  before(async () => {
    const config = await Config.load(repoRoot);
    commands = config.commands.filter((command) => !command.hidden);
  });

  it('no command names an environment flag differently', () => {
    for (const command of commands) {
      for (const flag of Object.values(command.flags)) {
        const names = [flag.name, ...(flag.aliases ?? [])];
        const looksLikeEnvironment = flag.char === 'e' || names.includes('env') || names.includes('network');
        if (!looksLikeEnvironment) continue;
        expect({ command: command.id, name: flag.name, char: flag.char, aliases: flag.aliases }).to.deep.equal({
          command: command.id,
          name: 'env',
          char: 'e',
          aliases: ['network'],
        });
      }
    }
  });

  it('the commands that take one are the ones expected (a new one is added here on purpose)', () => {
    const taking = commands
      .filter((command) => 'env' in command.flags)
      .map((command) => command.id)
      .sort();
    expect(taking).to.deep.equal([
      'backup:create',
      'backup:list',
      'backup:upload',
      'bluegreen:abort',
      'bluegreen:finish',
      'bluegreen:status',
      'bluegreen:switch',
      'config:get',
      'config:set',
      'delete',
      'deploy',
      'health',
      'history',
      'list',
      'logs',
      'promote:list',
      'rollback',
      'status',
    ]);
  });

  for (const spelling of ENVIRONMENT_FLAG_SPELLINGS) {
    it(`every such command parses ${spelling} staging as the environment`, async () => {
      for (const command of commands.filter((candidate) => 'env' in candidate.flags)) {
        const loaded = await command.load();
        const argv = [...requiredArgs(loaded), ...requiredFlags(loaded), spelling, 'staging'];
        const { flags } = await Parser.parse(argv, {
          args: loaded.args,
          flags: { ...loaded.baseFlags, ...loaded.flags },
          strict: loaded.strict,
        });
        expect(flags.env, `${command.id} ${argv.join(' ')}`).to.equal('staging');
      }
    });
  }

  it('the binary gives the same answer whichever spelling is used', async () => {
    const sandbox = new CliSandbox();
    try {
      const project = join(sandbox.home, 'project');
      mkdirSync(project, { recursive: true });
      writeFileSync(
        join(project, 'soulrecall.yaml'),
        'pipeline: [local]\nenvironments:\n  local: { network: local }\nagents:\n  my-agent: { wasm: agent.wasm }\n',
      );
      const results = [];
      for (const spelling of ENVIRONMENT_FLAG_SPELLINGS)
        results.push(await sandbox.run(['list', spelling, 'nowhere', '--json'], { cwd: project }));
      const [first, ...rest] = results;
      expect(first!.exitCode, first!.stdout + first!.stderr).to.not.equal(0);
      expect(JSON.parse(first!.stdout)).to.have.nested.property('error.message').that.includes('nowhere');
      for (const result of rest)
        expect({ exitCode: result.exitCode, stdout: result.stdout }).to.deep.equal({
          exitCode: first!.exitCode,
          stdout: first!.stdout,
        });
    } finally {
      sandbox.cleanup();
    }
  });
});

function requiredArgs(command: Command.Class): string[] {
  return Object.values(command.args ?? {})
    .filter((arg) => arg.required)
    .map((arg) => arg.options?.[0] ?? 'x');
}

function requiredFlags(command: Command.Class): string[] {
  return Object.entries(command.flags ?? {})
    .filter(([name, flag]) => flag.required && name !== 'env')
    .flatMap(([name, flag]) => (flag.type === 'boolean' ? [`--${name}`] : [`--${name}`, flag.options?.[0] ?? 'x']));
}
