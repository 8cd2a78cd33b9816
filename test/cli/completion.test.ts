import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { PROMPT_ONLY, TmuxPane } from '../helpers/tmux.js';

const execFileAsync = promisify(execFile);

const projectYaml = `pipeline: [local, staging, production]
environments:
  local:      { network: local }
  staging:    { network: "http://127.0.0.1:4944" }
  production: { network: ic, aliases: [prod], protected: true }
agents:
  my-agent:    { wasm: dist/agent.wasm, health: { method: health } }
  other-agent: { wasm: dist/other.wasm }
`;

/**
 * The words bash hands a completion function for `line` (cursor at the end): split at blanks,
 * and around "=" and ":", which are in bash's default COMP_WORDBREAKS.
 */
function compWords(line: string): string[] {
  const words = line
    .split(' ')
    .flatMap((word) => word.split(/([=:]+)/).filter((part, index, parts) => part !== '' || parts.length === 1));
  return words;
}

/**
 * `soulrecall autocomplete bash` loaded into the real bash, completions through it: as COMPREPLY
 * (the completion function called as bash calls it) and on the screen (tmux, TAB pressed); the
 * zsh script on the screen too. PowerShell is not installable here: its script is only generated.
 */
describe('soulrecall binary: shell completion', function () {
  this.timeout(180_000);
  const sandbox = new CliSandbox();
  const projectDir = join(sandbox.home, 'project');
  const scriptPath = join(sandbox.home, 'completion.bash');
  // `soulrecall` on PATH, as an installed CLI is: the script calls the program the user typed.
  const path = sandbox.pathWithBinary();
  const env = () => sandbox.env({ PATH: path, TERM: 'xterm', INPUTRC: '/dev/null' });

  before(async () => {
    mkdirSync(join(projectDir, 'dist'), { recursive: true });
    writeFileSync(join(projectDir, 'dist', 'agent.wasm'), '');
    writeFileSync(join(projectDir, 'soulrecall.yaml'), projectYaml);
    const result = await sandbox.run(['autocomplete', 'bash']);
    expect(result.exitCode, result.stderr).to.equal(0);
    writeFileSync(scriptPath, result.stdout);
  });
  after(() => sandbox.cleanup());

  /** COMPREPLY after bash calls the function `complete -p soulrecall` names, for `line`. */
  async function compreply(line: string, cwd = projectDir): Promise<{ reply: string[]; stderr: string }> {
    const driver = [
      'source "$0"',
      'line=$1; shift',
      'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=$line; COMP_POINT=${#line}',
      'spec=$(complete -p soulrecall) || exit 3',
      'function=${spec#*-F }; function=${function%% *}',
      '"$function" soulrecall "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const { stdout, stderr } = await execFileAsync(
      'bash',
      ['--norc', '--noprofile', '-i', '-c', driver, scriptPath, line, ...compWords(line)],
      { cwd, env: env() },
    );
    return { reply: stdout.split('\n').filter((word) => word !== ''), stderr };
  }

  describe('COMPREPLY in a project with environments local/staging/production and agents my-agent/other-agent', () => {
    const cases: Array<[string, string[]]> = [
      ['soulrecall prom', ['promote']],
      ['soulrecall promote l', ['list']],
      ['soulrecall promote --fr', ['--from']],
      ['soulrecall promote my-agent --fr', ['--from']],
      ['soulrecall promote my-agent -f ', ['local', 'staging', 'production']],
      ['soulrecall promote my-agent -f local -t pro', ['production']],
      ['soulrecall promote my-agent --from=st', ['staging']],
      ['soulrecall promote my-agent -f local --dry', ['--dry-run']],
      ['soulrecall deploy ', ['my-agent', 'other-agent']],
      ['soulrecall deploy my-agent -e ', ['local', 'staging', 'production']],
      ['soulrecall deploy my-agent --network pr', ['production']],
      ['soulrecall deploy my-agent -w di', ['dist']],
      ['soulrecall deploy my-agent --mode re', ['reinstall']],
      ['soulrecall promote list ', ['my-agent', 'other-agent']],
      ['soulrecall status --network s', ['staging']],
      ['soulrecall history --agent o', ['other-agent']],
      // Commands of every plugin: blue-green, network, oclif's plugins.
      ['soulrecall bluegreen s', ['status', 'switch']],
      ['soulrecall network st', ['start', 'status', 'stop']],
      ['soulrecall plugins li', ['link']],
      ['soulrecall autocomplete ', ['bash', 'zsh', 'powershell']],
      ['soulrecall __comp', []],
      ['soulrecall status ', []],
    ];
    for (const [line, expected] of cases) {
      it(`${JSON.stringify(line)} → ${JSON.stringify(expected)}`, async () => {
        const { reply, stderr } = await compreply(line);
        expect(reply.sort()).to.deep.equal([...expected].sort());
        expect(stderr).not.to.match(STACK_TRACE);
      });
    }

    it('completes names from the --config given on the line', async () => {
      const other = join(sandbox.home, 'other');
      mkdirSync(other, { recursive: true });
      writeFileSync(join(other, 'team.yaml'), 'environments:\n  qa: { network: local }\nagents:\n  team-agent:\n');
      expect((await compreply(`soulrecall promote --config ${join(other, 'team.yaml')} `)).reply).to.include(
        'team-agent',
      );
      expect((await compreply('soulrecall promote my-agent --config team.yaml -f ', other)).reply).to.deep.equal([
        'qa',
      ]);
    });
  });

  describe('bad input: commands and flags still complete, and nothing is printed', () => {
    const folders: Array<{ name: string; yaml?: string }> = [
      { name: 'no soulrecall.yaml' },
      { name: 'broken YAML', yaml: 'environments: [\n' },
      { name: 'not a mapping', yaml: '- local\n- staging\n' },
      { name: 'empty file', yaml: '' },
      { name: 'wrong types', yaml: 'environments: 3\nagents: [a, b]\n' },
    ];
    for (const folder of folders) {
      it(folder.name, async () => {
        const dir = join(sandbox.home, 'bad', folder.name.replace(/\W+/g, '-'));
        mkdirSync(dir, { recursive: true });
        if (folder.yaml !== undefined) writeFileSync(join(dir, 'soulrecall.yaml'), folder.yaml);
        expect((await compreply('soulrecall prom', dir)).reply).to.deep.equal(['promote']);
        expect((await compreply('soulrecall promote my-agent --fr', dir)).reply).to.deep.equal(['--from']);
        const names = await compreply('soulrecall promote my-agent -f ', dir);
        expect(names.reply).to.deep.equal([]);
        expect(names.stderr).not.to.match(STACK_TRACE);
        for (const words of [
          ['promote', 'my-agent', '-f', ''],
          ['deploy', ''],
          ['promote', '--config', 'missing.yaml', '-t', ''],
        ]) {
          const direct = await sandbox.run(['__complete', '--', ...words], { cwd: dir });
          expect(direct, `__complete ${words.join(' ')}`).to.deep.equal({ stdout: ':none\n', stderr: '', exitCode: 0 });
        }
      });
    }

    it('never opens the history store', async () => {
      await sandbox.run(['__complete', '--', 'promote', 'my-agent', '-f', ''], { cwd: projectDir });
      expect(existsSync(join(sandbox.home, 'history.db'))).to.equal(false);
    });

    it('a help or version flag being completed is a word, not a request for help', async () => {
      const result = await sandbox.run(['__complete', '--', 'promote', '--help', '--vers'], { cwd: projectDir });
      expect(result).to.deep.equal({ stdout: ':none\n', stderr: '', exitCode: 0 });
    });
  });

  /**
   * The shell in tmux, keys pressed as a user would. `setup` is typed first: a plain prompt
   * ("$ "), the generated script sourced, and the shell's own completion system as a fresh
   * install has it. `cases`: the line typed before TAB, and what the screen must show.
   */
  function onScreen(shell: 'bash' | 'zsh', start: string, setup: string, cases: Array<[string, RegExp]>): void {
    describe(`on the screen: ${shell} in tmux, TAB pressed`, () => {
      let pane: TmuxPane;

      before(async () => {
        const script = join(sandbox.home, `soulrecall.${shell}`);
        const generated = await sandbox.run(['autocomplete', shell]);
        expect(generated.exitCode, generated.stderr).to.equal(0);
        writeFileSync(script, generated.stdout);
        pane = await TmuxPane.start({
          socket: join(sandbox.home, `tmux-${shell}.sock`),
          width: 160,
          height: 40,
          cwd: projectDir,
          env: env(),
          command: start,
        });
        await pane.enter(`${setup}; source ${script}; clear`);
        await pane.waitFor(PROMPT_ONLY);
      });
      after(async () => {
        await pane?.kill();
      });

      for (const [line, expected] of cases) {
        it(`${line}<TAB> → ${expected}`, async () => {
          // Then "X", which shows where the cursor was left (tmux trims trailing blanks, so a space
          // after a completed word would not show otherwise). The shell takes keys in order.
          await pane.type(line);
          await pane.press('Tab');
          await pane.type('X');
          await pane.waitFor(expected);
          await pane.press('C-e', 'C-u', 'clear', 'Enter');
          await pane.waitFor(PROMPT_ONLY);
        });
      }
    });
  }

  // One TAB lists ambiguous candidates (show-all-if-ambiguous), so a single key press shows them.
  onScreen('bash', 'bash --norc --noprofile -i', "PS1='$ '; bind 'set show-all-if-ambiguous on'", [
    ['soulrecall prom', /^\$ soulrecall promote X$/m],
    ['soulrecall promote l', /^\$ soulrecall promote list X$/m],
    ['soulrecall promote my-agent --fr', /^\$ soulrecall promote my-agent --from X$/m],
    ['soulrecall promote my-agent -f ', /^local\s+production\s+staging\s*$/m],
    ['soulrecall deploy ', /^my-agent\s+other-agent\s*$/m],
    ['soulrecall deploy -w di', /^\$ soulrecall deploy -w dist\/X$/m],
    ['soulrecall promote my-agent --from=st', /^\$ soulrecall promote my-agent --from=staging X$/m],
  ]);

  // zsh lists ambiguous candidates on the first TAB by default (AUTO_LIST), with descriptions.
  onScreen('zsh', 'zsh -f -i', "PROMPT='$ '; bindkey -e; autoload -Uz compinit && compinit -u", [
    ['soulrecall prom', /^\$ soulrecall promote X$/m],
    ['soulrecall promote l', /^\$ soulrecall promote list X$/m],
    ['soulrecall promote my-agent --fr', /^\$ soulrecall promote my-agent --from X$/m],
    [
      'soulrecall promote my-agent -f ',
      /^local\s+-- network local\s*$[\s\S]*^production\s+-- network ic, protected\s*$/m,
    ],
    ['soulrecall deploy ', /^my-agent\s+-- dist\/agent\.wasm\s*$/m],
    ['soulrecall deploy -w di', /^\$ soulrecall deploy -w dist\/X$/m],
  ]);

  describe('autocomplete', () => {
    it('without a shell prints how to enable completion in bash, zsh and PowerShell', async () => {
      const result = await sandbox.run(['autocomplete']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(result.stdout).to.include('source <(soulrecall autocomplete bash)');
      expect(result.stdout).to.include('source <(soulrecall autocomplete zsh)');
      expect(result.stdout).to.include('soulrecall autocomplete powershell | Out-String | Invoke-Expression');
    });

    it('powershell prints its script (no pwsh here to run it)', async () => {
      const powershell = await sandbox.run(['autocomplete', 'powershell', '--json']);
      expect(powershell.exitCode).to.equal(0);
      const output = JSON.parse(powershell.stdout);
      expect(output).to.include({ shell: 'powershell' });
      expect(output.script).to.include("Register-ArgumentCompleter -Native -CommandName 'soulrecall'");
    });

    it('an unknown shell is a usage error', async () => {
      const result = await sandbox.run(['autocomplete', 'fish']);
      expect(result.exitCode).to.equal(2);
      expect(result.stderr).not.to.match(STACK_TRACE);
    });
  });
});
