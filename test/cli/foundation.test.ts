import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const project = `pipeline: [local, staging, production]
environments:
  local:      { network: local }
  staging:    { network: "http://127.0.0.1:4944" }
  production: { network: ic, aliases: [prod], protected: true, identity: prod-deployer }
agents:
  my-agent: { wasm: dist/agent.wasm, health: { method: health } }
`;

describe('soulrecall binary: foundation', () => {
  const sandbox = new CliSandbox();
  const projectDir = join(sandbox.home, 'project');
  before(() => {
    mkdirSync(join(projectDir, 'sub', 'dir'), { recursive: true });
    writeFileSync(join(projectDir, 'soulrecall.yaml'), project);
  });
  after(() => sandbox.cleanup());

  it('env list --json prints the resolved environments and nothing else on stdout', async () => {
    const result = await sandbox.run(['env', 'list', '--json'], { cwd: join(projectDir, 'sub', 'dir') });
    expect(result.exitCode, result.stderr).to.equal(0);
    const output = JSON.parse(result.stdout);
    expect(output.configFile).to.equal(join(projectDir, 'soulrecall.yaml'));
    expect(output.pipeline).to.deep.equal(['local', 'staging', 'production']);
    expect(output.environments.map((e: { networkUrl: string }) => e.networkUrl)).to.deep.equal([
      'http://127.0.0.1:4943',
      'http://127.0.0.1:4944',
      'https://icp-api.io',
    ]);
    expect(output.environments[2]).to.deep.include({
      name: 'production',
      aliases: ['prod'],
      protected: true,
      identity: 'prod-deployer',
      rootKey: 'builtin-mainnet',
      stage: 3,
    });
  });

  it('env list prints a table that fits 80 columns', async () => {
    const result = await sandbox.run(['env', 'list'], { cwd: projectDir });
    expect(result.exitCode).to.equal(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^STAGE\s+NAME\s+NETWORK/);
    expect(lines).to.have.length(4);
    expect(lines[3]).to.match(/^3\s+production\s+https:\/\/icp-api\.io\s+prod\s+yes\s+prod-deployer$/);
    for (const line of lines) expect(line.length).to.be.at.most(80);
  });

  it('--help lists the topics and --version answers', async () => {
    const help = await sandbox.run(['--help']);
    expect(help.exitCode).to.equal(0);
    expect(help.stdout).to.match(/TOPICS[\s\S]*\benv\b[\s\S]*\bnetwork\b/);
    const version = await sandbox.run(['--version']);
    expect(version.stdout).to.match(/^soulrecall\/0\.1\.0 /);
  });

  it('--version, answered before oclif loads, says what oclif itself would (Config#userAgent)', async () => {
    const { Config } = await import('@oclif/core');
    const config = await Config.load(REPOSITORY_ROOT);
    for (const args of [['--version'], ['--version', '--verbose']]) {
      const version = await sandbox.run(args);
      expect(version.exitCode, args.join(' ')).to.equal(0);
      expect(version.stdout, args.join(' ')).to.equal(`${config.userAgent}\n`);
      expect(version.stderr, args.join(' ')).to.equal('');
    }
  });

  it('ships the four soulrecall plugins as core plugins', async () => {
    const result = await sandbox.run(['plugins', '--core']);
    expect(result.exitCode).to.equal(0);
    for (const plugin of ['plugin-promotion', 'plugin-blue-green', 'plugin-history', 'plugin-network']) {
      expect(result.stdout).to.match(new RegExp(`@soulrecall/${plugin} 0\\.1\\.0 \\(core\\)`));
    }
  });

  it('autocomplete bash prints the completion script (test/cli/completion.test.ts runs it in bash)', async () => {
    const result = await sandbox.run(['autocomplete', 'bash']);
    expect(result.exitCode).to.equal(0);
    expect(result.stdout).to.include('complete -F _soulrecall_completion soulrecall');
  });

  describe('bad input: one sentence, a hint, a documented exit code, no stack trace', () => {
    const cases: Array<{ name: string; args: string[]; file?: string; exitCode: number; stderr: RegExp }> = [
      {
        name: 'invalid URL',
        args: ['env', 'list', '--config', 'bad.yaml'],
        file: 'environments:\n  staging: { network: "htp//x" }\n',
        exitCode: 3,
        stderr: /bad\.yaml:2: environments\.staging\.network "htp\/\/x" is neither/,
      },
      {
        name: 'unknown key',
        args: ['env', 'list', '--config', 'bad.yaml'],
        file: 'environments:\n  local: { network: local, colour: blue }\n',
        exitCode: 3,
        stderr: /bad\.yaml:2: unknown key "environments\.local\.colour"/,
      },
      {
        name: 'broken YAML',
        args: ['env', 'list', '--config', 'bad.yaml'],
        file: 'environments: [\n',
        exitCode: 3,
        stderr: /bad\.yaml:\d+: invalid YAML/,
      },
      {
        name: 'missing --config file',
        args: ['env', 'list', '--config', 'nope.yaml'],
        exitCode: 3,
        stderr: /nope\.yaml: the configuration file given with --config does not exist/,
      },
      { name: 'unknown flag', args: ['env', 'list', '--colour'], exitCode: 2, stderr: /Nonexistent flag: --colour/ },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const folder = join(sandbox.home, testCase.name.replace(/\W+/g, '-'));
        mkdirSync(folder, { recursive: true });
        if (testCase.file) writeFileSync(join(folder, 'bad.yaml'), testCase.file);
        const result = await sandbox.run(testCase.args, { cwd: folder });
        expect(result.exitCode, result.stderr).to.equal(testCase.exitCode);
        expect(result.stderr).to.match(testCase.stderr);
        expect(result.stderr).to.match(/^Hint: .+/m);
        expect(result.stderr).not.to.match(STACK_TRACE);
        expect(result.stdout).to.equal('');
      });
    }

    it('with --json the error is the one JSON document on stdout', async () => {
      const result = await sandbox.run(['env', 'list', '--config', 'nope.yaml', '--json'], { cwd: sandbox.home });
      expect(result.exitCode).to.equal(3);
      const output = JSON.parse(result.stdout);
      expect(output.error).to.deep.include({ code: 'CONFIG_NOT_FOUND', exitCode: 3 });
      expect(output.error.hint).to.be.a('string');
    });

    it('shows the stack trace with --verbose', async () => {
      const result = await sandbox.run(['env', 'list', '--config', 'nope.yaml', '--verbose'], { cwd: sandbox.home });
      expect(result.exitCode).to.equal(3);
      expect(result.stderr).to.match(STACK_TRACE);
    });
  });
});
