import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, runProgram, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';
import { TmuxPane } from '../helpers/tmux.js';

/** An agent whose name is longer than an 80-column table has room for. */
const LONG_AGENT = 'customer-support-agent-eu-west-1';

/** A timeline line: `2026-11-26 13:20:05  kind  …`. */
const EVENT_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}\S/;

interface TypoCase {
  name: string;
  /** `{live}` is replaced by the live staging canister of my-agent. */
  args: string[];
  /** The suggested command line, arguments kept; null when nothing is close enough to suggest. */
  suggestion: string | null;
  /** The words named as not being a command. */
  typed: string;
}

/**
 * Issue 16, terminal manners: what a user sees on a real terminal (tmux) and what a script
 * reads from a pipe. Tables are cut only to fit a terminal, never in a pipe; `history` is one
 * event per line in a pipe; Ctrl-C during a promotion shows how to resume or abort it and gives
 * the cursor back; a mistyped command suggests the right one, arguments kept, and `--json` gets
 * a JSON error.
 */
describe('soulrecall binary: terminals and pipes', function () {
  this.timeout(600_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  const path = sandbox.pathWithBinary();
  // A user's terminal, not CI (where progress is plain lines even on a terminal).
  const env = (extra: NodeJS.ProcessEnv = {}) =>
    sandbox.env({ PATH: path, TERM: 'xterm', INPUTRC: '/dev/null', CI: '', ...extra });
  let project: TestProject;
  const production: string[] = [];
  let stagingCanister: string;

  /** A shell in a tmux pane of `width` columns, in the project folder, with a plain `$ ` prompt. */
  async function shell(name: string, width: number, height = 30): Promise<TmuxPane> {
    const pane = await TmuxPane.start({
      socket: join(sandbox.home, `tmux-${name}.sock`),
      width,
      height,
      cwd: project.dir,
      env: env(),
      command: 'bash --norc --noprofile -i',
    });
    await pane.type("PS1='$ '; clear");
    await pane.press('Enter');
    await pane.waitFor(/^\s*\$\s*$/);
    return pane;
  }

  let runs = 0;
  /**
   * Types a command line followed by `echo "run<n> exit=$?"` (n new each time, so a screen
   * left by the previous run never counts), and returns the screen once that shows.
   * `answer`: once `ready` resolves, these keys are pressed.
   */
  async function runInPane(
    pane: TmuxPane,
    line: string,
    answer?: { ready: () => Promise<unknown>; keys: string[] },
  ): Promise<{ screen: string; exitCode: number }> {
    const marker = `run${++runs}`;
    await pane.type(`clear; ${line}; echo "${marker} exit=$?"`);
    await pane.press('Enter');
    if (answer) {
      await answer.ready();
      await pane.press(...answer.keys);
    }
    // Not anchored at the line's start: after Ctrl-C the terminal's `^C` may precede it.
    const ended = new RegExp(`${marker} exit=(\\d+)$`, 'm');
    const screen = await pane.waitFor(ended, { joined: true });
    return { screen, exitCode: Number(ended.exec(screen)![1]) };
  }

  before(async () => {
    project = await createProject(sandbox, pool, {
      protectedStages: [],
      extraAgents: { [LONG_AGENT]: `{ wasm: ${JSON.stringify(agentWasm.v1)}, health: { method: health } }` },
    });
    for (const agent of ['my-agent', LONG_AGENT]) {
      await project.deploy(agent, 'local');
      const staged = await project.json(['promote', agent, '-f', 'local', '-t', 'staging']);
      expect(staged.exitCode, staged.stderr).to.equal(0);
      if (agent === 'my-agent') stagingCanister = staged.json.targetCanisterId;
      const released = await project.json(['promote', agent, '-f', 'staging', '-t', 'production']);
      expect(released.exitCode, released.stderr).to.equal(0);
      production.push(released.json.targetCanisterId);
    }
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  describe('piped output is never cut', () => {
    it('`soulrecall list | grep -c production` counts every production canister, in the project and outside any (a project column too)', async () => {
      for (const cwd of [project.dir, sandbox.home]) {
        const counted = await runProgram('sh', ['-c', 'soulrecall list | grep -c production'], { cwd, env: env() });
        expect(counted.stdout, cwd).to.equal(`${production.length}\n`);
      }
    });

    it('list: every cell in full, wider than 80 columns, COLUMNS ignored in a pipe', async () => {
      const listed = await project.run(['list']);
      expect(listed.exitCode, listed.stderr).to.equal(0);
      expect(listed.stdout).not.to.include('…');
      expect(Math.max(...listed.stdout.split('\n').map((line) => line.length))).to.be.greaterThan(80);
      for (const canisterId of production)
        expect(listed.stdout).to.match(new RegExp(`^production\\s+(my-agent|${LONG_AGENT})\\s+${canisterId}\\s`, 'm'));
      const narrow = await project.run(['list'], { env: { COLUMNS: '40' } });
      expect(narrow.stdout).to.equal(listed.stdout);
    });

    it('promote list: the hop in full (`staging→production`)', async () => {
      const listed = await project.run(['promote', 'list', LONG_AGENT]);
      expect(listed.exitCode, listed.stderr).to.equal(0);
      expect(listed.stdout).to.include('staging→production').and.include('local→staging');
      expect(listed.stdout).not.to.include('…');
    });

    it('history: one event per line', async () => {
      const history = await project.run(['history']);
      expect(history.exitCode, history.stderr).to.equal(0);
      const { json } = await project.json(['history']);
      const lines = history.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^WHEN\s+KIND\s+WHAT$/);
      expect(lines.slice(1)).to.have.length(json.events.length);
      for (const line of lines.slice(1)) expect(line).to.match(EVENT_LINE);
      expect(Math.max(...lines.map((line) => line.length)), 'some summary is longer than 80 columns').to.be.greaterThan(
        80,
      );
    });
  });

  describe('on an 80-column terminal (tmux)', () => {
    let pane: TmuxPane;
    before(async () => {
      pane = await shell('narrow', 80);
    });
    after(async () => {
      await pane?.kill();
    });

    it('list cuts cells with … to fit 80 columns', async () => {
      const { screen, exitCode } = await runInPane(pane, 'soulrecall list');
      expect(exitCode).to.equal(0);
      const table = screen.split('\n').filter((line) => /^(ENV|local|staging|production)\s/.test(line));
      expect(table, screen).to.have.length(1 + 3 * 2);
      expect(
        table.every((line) => line.length <= 80),
        screen,
      ).to.equal(true);
      expect(screen).to.include('…').and.not.include(LONG_AGENT);
    });

    it('COLUMNS=200 soulrecall list shows full cells', async () => {
      const { screen, exitCode } = await runInPane(pane, 'COLUMNS=200 soulrecall list');
      expect(exitCode).to.equal(0);
      expect(screen).not.to.include('…');
      for (const canisterId of production)
        expect(screen).to.match(new RegExp(`^production\\s+(my-agent|${LONG_AGENT})\\s+${canisterId}\\s`, 'm'));
    });

    it('history wraps long summaries under themselves and promote show fits, within 80 columns', async () => {
      // The joined screen undoes the terminal's own wrapping: lines still within 80 columns were cut or wrapped by
      // soulrecall.
      const history = await runInPane(pane, 'soulrecall history --limit 8');
      expect(history.exitCode).to.equal(0);
      const lines = history.screen.split('\n');
      expect(
        lines.some((line) => /^ {33}\S/.test(line)),
        'a continuation line',
      ).to.equal(true);
      expect(
        lines.every((line) => line.length <= 80),
        'nothing wrapped by the terminal',
      ).to.equal(true);

      const [promotion] = project.withStore((store) => store.promotions.list({ agent: LONG_AGENT, limit: 1 }));
      const shown = await runInPane(pane, `soulrecall promote show ${promotion!.id}`);
      expect(shown.exitCode).to.equal(0);
      expect(shown.screen).to.include(`Promotion ${promotion!.id}`).and.include('Steps');
      expect(
        shown.screen.split('\n').every((line) => line.length <= 80),
        'nothing wrapped by the terminal',
      ).to.equal(true);
    });

    /** The mistyped delete of the live staging canister, answered with `keys`. */
    const mistypedDelete = (...keys: string[]) => {
      const question = new RegExp(
        `^\`delet\` is not a soulrecall command\\.\\nRun \`soulrecall delete ${stagingCanister} --network staging\` instead\\? \\[y/N\\]\\s*$`,
        'm',
      );
      return runInPane(pane, `soulrecall delet ${stagingCanister} --network staging`, {
        ready: () => pane.waitFor(question, { joined: true }),
        keys,
      });
    };

    it('a typo offers the command with its arguments, and runs it so when answered yes', async () => {
      const { screen, exitCode } = await mistypedDelete('y', 'Enter');
      // The live canister is refused: delete ran with the canister id and --network it was given.
      expect(screen).to.include(
        `Error: Canister ${stagingCanister} is the live canister of my-agent in staging; it was not deleted.`,
      );
      expect(exitCode).to.equal(9);
    });

    it('a typo answered no runs nothing and exits 127', async () => {
      const { screen, exitCode } = await mistypedDelete('n', 'Enter');
      expect(screen).not.to.include('live canister');
      expect(exitCode).to.equal(127);
    });

    it('Ctrl-C at the question is an interrupt: nothing run, exit 130', async () => {
      const { screen, exitCode } = await mistypedDelete('C-c');
      expect(screen).not.to.include('live canister');
      expect(screen).not.to.match(STACK_TRACE);
      expect(exitCode).to.equal(130);
    });

    it('a typo with stderr not on the terminal asks nothing (no one would see the question): the error goes there, exit 127', async () => {
      const { screen, exitCode } = await runInPane(
        pane,
        `soulrecall delet ${stagingCanister} --network staging 2> typo.txt`,
      );
      expect(exitCode).to.equal(127);
      expect(screen).not.to.include('[y/N]');
      expect(readFileSync(join(project.dir, 'typo.txt'), 'utf8')).to.match(
        new RegExp(
          `^Error: \`delet\` is not a soulrecall command\\.\\nHint: Did you mean \`soulrecall delete ${stagingCanister} --network staging\`\\?`,
        ),
      );
    });

    it('a typo with --json prints a JSON error and asks nothing', async () => {
      const { screen, exitCode } = await runInPane(pane, 'soulrecall promot --json');
      expect(exitCode).to.equal(127);
      expect(screen).to.include('"code": "COMMAND_NOT_FOUND"').and.not.include('[y/N]');
    });
  });

  describe('typos, piped: one sentence, a hint with the right command line, exit 127, a JSON error with --json', () => {
    const cases: TypoCase[] = [
      {
        name: 'a mistyped command with an argument and a flag',
        args: ['delet', '{live}', '--network', 'staging'],
        suggestion: 'soulrecall delete {live} --network staging',
        typed: 'delet',
      },
      { name: 'a mistyped command alone', args: ['promot'], suggestion: 'soulrecall promote', typed: 'promot' },
      {
        name: 'a mistyped subcommand of a topic',
        args: ['bluegreen', 'swich', 'my-agent', '-e', 'staging'],
        suggestion: 'soulrecall bluegreen switch my-agent -e staging',
        typed: 'bluegreen swich',
      },
      {
        name: 'a mistyped topic',
        args: ['netwrk', 'status', '--port', '4999'],
        suggestion: 'soulrecall network status --port 4999',
        typed: 'netwrk status',
      },
      { name: 'nothing close', args: ['xyzzy', 'plugh'], suggestion: null, typed: 'xyzzy' },
    ];
    const fill = (text: string) => text.replaceAll('{live}', stagingCanister);

    for (const testCase of cases) {
      it(`${testCase.name}: ${testCase.args.join(' ')}`, async () => {
        const args = testCase.args.map(fill);
        // The suggestion is the line as typed, the command's words corrected: `--json` too.
        const suggested = (extra: string) =>
          testCase.suggestion === null ? null : `${fill(testCase.suggestion)}${extra}`;
        const hint = (extra: string) =>
          `${testCase.suggestion === null ? '' : `Did you mean \`${suggested(extra)}\`? `}Run \`soulrecall help\` for the list of commands.`;
        const message = `\`${testCase.typed}\` is not a soulrecall command.`;

        const human = await project.run(args);
        expect(human.exitCode).to.equal(127);
        expect(human.stdout).to.equal('');
        expect(human.stderr).to.equal(`Error: ${message}\nHint: ${hint('')}\n`);

        const json = await project.run([...args, '--json']);
        expect(json.exitCode).to.equal(127);
        expect(json.stderr).to.equal('');
        expect(JSON.parse(json.stdout)).to.deep.equal({
          error: {
            code: 'COMMAND_NOT_FOUND',
            message,
            hint: hint(' --json'),
            exitCode: 127,
            details: { command: testCase.typed, suggestion: suggested(' --json') },
          },
        });
      });
    }

    it('the suggested command was not run: the canister is still recorded and live', () => {
      project.withStore((store) => {
        expect(store.routes.get('my-agent', 'staging')?.canisterId).to.equal(stagingCanister);
      });
    });
  });

  describe('Ctrl-C during a promotion on a 100×30 terminal (tmux)', () => {
    let pane: TmuxPane;
    before(async () => {
      await project.deploy('my-agent', 'local', agentWasm.v2);
      pane = await shell('interrupt', 100);
    });
    after(async () => {
      await pane?.kill();
    });

    it('shows the interruption line with the resume and abort commands, restores the cursor and exits 130', async () => {
      let promotionId = '';
      const { screen, exitCode } = await runInPane(
        pane,
        'SOULRECALL_PAUSE_AFTER_STEP=install soulrecall promote my-agent -f local -t staging',
        {
          ready: async () => (promotionId = await pausedAfterInstall(project)),
          keys: ['C-c'],
        },
      );
      expect(screen).to.include(
        `Interrupted. Promotion ${promotionId} stopped where the journal says: \`soulrecall promote resume ${promotionId}\` continues, \`soulrecall promote abort ${promotionId}\` undoes.`,
      );
      expect(exitCode).to.equal(130);
      expect(await pane.display('#{cursor_flag}'), 'the cursor is visible').to.equal('1');
      expect(screen).not.to.match(STACK_TRACE);

      // The journal is right: resume finishes the promotion.
      const resumed = await project.json(['promote', 'resume', promotionId]);
      expect(resumed.exitCode, resumed.stderr).to.equal(0);
      expect(resumed.json).to.include({ status: 'succeeded', promotionId });
    });

    it('draws the steps on stderr: stdout sent to a file gets the result and nothing else', async () => {
      await project.deploy('my-agent', 'local', agentWasm.v1);
      const { screen, exitCode } = await runInPane(
        pane,
        'soulrecall promote my-agent -f local -t staging > promoted.txt',
      );
      expect(exitCode).to.equal(0);
      expect(screen, 'the task list is on the terminal').to.match(/✔ install/);
      const stdout = readFileSync(join(project.dir, 'promoted.txt'), 'utf8');
      expect(stdout).to.match(
        /^Promoted my-agent local → staging \(in-place\) as prm-\w+: module \w+ on \S+, version \d+\.\n$/,
      );
    });
  });
});

/**
 * Waits until the store shows a running promotion of my-agent whose install step succeeded (it then pauses), and
 * returns its id.
 */
async function pausedAfterInstall(project: TestProject): Promise<string> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const paused = project.withStore((store) =>
      store.promotions
        .list({ agent: 'my-agent', status: 'running', limit: 5 })
        .map((summary) => store.promotions.require(summary.id))
        .find((promotion) => promotion.steps.some((step) => step.name === 'install' && step.status === 'succeeded')),
    );
    if (paused) return paused.id;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the promotion never paused after its install step');
}
