/**
 * Runs a user guide (docs/*.md) as a test: every ```bash block, in order, in a scratch project.
 * The convention, which docs/README.md states for guide writers:
 *
 * - A ```text block right after a ```bash block is what the guide shows: each of its lines must match a line of
 *   the block's output (stdout and stderr as a terminal interleaves them), in order; other output lines may
 *   come between. `…` matches any text, a run of spaces any run of spaces, and `<name>` one word, which is then
 *   remembered: a later command's `<name>` is replaced by the value last shown there. A placeholder no output
 *   has shown yet is an error, never left in a command.
 * - A command fails its block when it exits with anything but 0 (or the `exit N` the block declares). Shell blocks
 *   are ```bash; a ```sh or ```console block is refused, never skipped.
 * - `<!-- guide-test: … -->` right before a block says how to run it (several joined with `;`):
 *   `syntax-only (why)`: not run, only checked against the oclif manifest (the command exists, each flag is one
 *   of its flags or aliases), and the guide must say so visibly ("not run by the tests");
 *   `exit N`: its commands exit N; `terminal`: run on a terminal (a pty), answering `y` to a question;
 *   `with name=value …`: placeholders the prose names; `file <path>`: the block is a file the user writes.
 * - `export NAME=value` sets NAME for the guide's later commands, as it would in the reader's shell.
 * - The test's networks and servers stand in for the addresses the guides use (see `addresses`): in commands and
 *   files the guide's address is replaced by the test's, in output the test's by the guide's.
 */
import type { Config } from '@oclif/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runProgram } from './cli.js';

const DIRECTIVE = /^<!--\s*guide-test:\s*(.*?)\s*-->$/;
const PLACEHOLDER = /<([a-z][a-z0-9-]*)>/g;
const VISIBLE_NOTE = 'not run by the tests';
const COMMAND_TIMEOUT_MS = 150_000;

export interface GuideBlock {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  language: string;
  body: string[];
  directives: Directives;
  /** The ```text block that follows a bash block. */
  expected?: string[];
  /** The prose (non-blank lines) just before the block, where a visible note belongs. */
  before: string[];
  /** The line after the closing fence (0-based), to tell whether an output block follows directly. */
  end?: number;
}

interface Directives {
  syntaxOnly?: string;
  exitCode?: number;
  terminal?: boolean;
  bindings: Record<string, string>;
  file?: string;
}

export function parseDirectives(text: string): Directives {
  const directives: Directives = { bindings: {} };
  for (const part of text.split(';').map((item) => item.trim())) {
    let match: RegExpMatchArray | null;
    if ((match = part.match(/^syntax-only\s*\((.+)\)$/))) directives.syntaxOnly = match[1];
    else if ((match = part.match(/^exit (\d+)$/))) directives.exitCode = Number(match[1]);
    else if (part === 'terminal') directives.terminal = true;
    else if ((match = part.match(/^file (\S+)$/))) directives.file = match[1];
    else if ((match = part.match(/^with (.+)$/)))
      for (const pair of match[1]!.split(/\s+/)) {
        const [name, ...value] = pair.split('=');
        directives.bindings[name!] = value.join('=');
      }
    else throw new Error(`unknown guide-test directive "${part}"`);
  }
  return directives;
}

/** The fenced blocks of a guide, each with its directives, and a bash block's expected output. */
export function parseGuide(markdown: string): GuideBlock[] {
  const lines = markdown.split('\n');
  const blocks: GuideBlock[] = [];
  let pending: Directives | undefined;
  let prose: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const directive = line.trim().match(DIRECTIVE);
    if (directive) {
      pending = parseDirectives(directive[1]!);
      continue;
    }
    const fence = line.match(/^```(\S*)\s*$/);
    if (!fence) {
      if (line.trim()) prose = [...prose.slice(-2), line];
      continue;
    }
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !lines[index]!.startsWith('```'); index++) body.push(lines[index]!);
    const block: GuideBlock = {
      line: start + 1,
      language: fence[1]!,
      body,
      directives: pending ?? { bindings: {} },
      before: prose,
    };
    pending = undefined;
    prose = [];
    const previous = blocks[blocks.length - 1];
    const onlyBlankBetween = previous && lines.slice(previous.end ?? 0, start).every((between) => !between.trim());
    if (block.language === 'text' && previous?.language === 'bash' && onlyBlankBetween && !previous.expected) {
      previous.expected = body.filter((expected) => expected.trim() && expected.trim() !== '…');
      if (previous.expected.length === 0)
        throw new Error(`line ${start + 1}: an output block of only "…" checks nothing`);
    } else blocks.push(Object.assign(block, { end: index + 1 }));
  }
  return blocks;
}

/** Shell words of one command line, split into the commands joined by `&&`, `||`, `|` or `;` (no expansion). */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) commands[commands.length - 1]!.push(word);
    word = undefined;
  };
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (char === "'" || char === '"') {
      const close = line.indexOf(char, index + 1);
      word = (word ?? '') + line.slice(index + 1, close < 0 ? undefined : close);
      index = close < 0 ? line.length : close;
    } else if (/\s/.test(char)) endWord();
    else if (char === '#' && word === undefined) break;
    else if ('&|;'.includes(char)) {
      endWord();
      if (line[index + 1] === char) index++;
      commands.push([]);
    } else word = (word ?? '') + char;
  }
  endWord();
  return commands.filter((command) => command.length > 0);
}

/** The command lines of a bash block: comments and blank lines dropped, `\` continuations joined. */
export function commandLines(body: string[]): string[] {
  const commands: string[] = [];
  let current = '';
  for (const raw of body) {
    const line = raw.trim();
    if (!current && (!line || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) current += `${line.slice(0, -1).trimEnd()} `;
    else {
      commands.push(current + line);
      current = '';
    }
  }
  return commands;
}

/**
 * What the oclif manifest says of a command line: nothing when every soulrecall command in it exists and each
 * of its flags is declared by that command, else what is wrong. Words that are not `soulrecall …` are not checked.
 */
export function manifestProblems(line: string, config: Config): string[] {
  const problems: string[] = [];
  for (const words of shellCommands(line)) {
    const rest = soulrecallArguments(words);
    if (!rest) continue;
    const positional = rest.filter((word) => !word.startsWith('-'));
    let id: string | undefined;
    for (let length = positional.length; length > 0 && !id; length--) {
      const candidate = positional.slice(0, length).join(':');
      if (config.findCommand(candidate)) id = candidate;
    }
    const command = id === undefined ? undefined : config.findCommand(id);
    if (!command) {
      if (positional.length > 0 || !rest.every((word) => ['--version', '--help', '-h'].includes(word)))
        problems.push(`\`soulrecall ${rest.join(' ')}\`: no such command`);
      continue;
    }
    const flags = Object.entries(command.flags);
    for (const word of rest.filter((item) => item.startsWith('-') && item !== '-')) {
      const known = word.startsWith('--')
        ? flags.some(([name, flag]) => {
            const given = word.slice(2).split('=')[0]!;
            const names = [name, ...(flag.aliases ?? [])];
            return names.includes(given) || (flag.type === 'boolean' && flag.allowNo && given === `no-${name}`);
          })
        : flags.some(([, flag]) => [flag.char, ...(flag.charAliases ?? [])].includes(word.slice(1, 2) as never));
      if (!known && word !== '--help') problems.push(`\`soulrecall ${id.replaceAll(':', ' ')}\` has no flag ${word}`);
    }
  }
  return problems;
}

/** The arguments of a `soulrecall …` command (after any `NAME=value` prefixes), or undefined for another program. */
function soulrecallArguments(words: string[]): string[] | undefined {
  const start = words.findIndex((word) => !/^[A-Z_][A-Z0-9_]*=/.test(word));
  return words[start] === 'soulrecall' ? words.slice(start + 1) : undefined;
}

export interface GuideRunnerOptions {
  /** Where the commands run: the guide's project folder. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  config: Config;
  /** Guide address → the test's (e.g. http://127.0.0.1:4944 → a devnet's URL). */
  addresses: Record<string, string>;
  /** The test's network that `network: local` in a file the guide writes stands for. */
  localNetwork: string;
  /** Each command run and its output (GUIDE_LOG=1 in the test), for whoever writes a guide's output blocks. */
  log?: (line: string) => void;
}

export interface GuideReport {
  ran: number;
  /** `guide:line: command (why; what was checked)` of each command of a syntax-only block. */
  syntaxOnly: string[];
}

export class GuideRunner {
  private readonly bindings: Record<string, string>;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: GuideRunnerOptions) {
    this.bindings = {};
    this.env = { ...options.env };
  }

  async run(guide: string, markdown: string): Promise<GuideReport> {
    const report: GuideReport = { ran: 0, syntaxOnly: [] };
    for (const block of parseGuide(markdown)) {
      const where = `${guide}:${block.line}`;
      Object.assign(this.bindings, block.directives.bindings);
      // A shell block under another name would be skipped without a word: every command a guide shows runs.
      if (['sh', 'shell', 'console', 'zsh'].includes(block.language))
        throw new Error(`${where}: a \`\`\`${block.language} block: write it as \`\`\`bash so that it runs`);
      if (block.directives.file) this.writeFile(block);
      else if (block.language !== 'bash') continue;
      else if (block.directives.syntaxOnly) report.syntaxOnly.push(...this.checkSyntax(where, block));
      else report.ran += await this.runBlock(where, block);
    }
    return report;
  }

  private writeFile(block: GuideBlock): void {
    let text = `${block.body.join('\n')}\n`.replace(/network: local\b/g, `network: "${this.options.localNetwork}"`);
    text = this.toTest(text);
    const path = join(this.options.cwd, block.directives.file!);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }

  private checkSyntax(where: string, block: GuideBlock): string[] {
    const visible = [...block.before, ...block.body].some((line) => line.includes(VISIBLE_NOTE));
    if (!visible) throw new Error(`${where}: a syntax-only block needs a visible note saying it is "${VISIBLE_NOTE}"`);
    const problems = commandLines(block.body).flatMap((line) => manifestProblems(line, this.options.config));
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
    return commandLines(block.body).map((line) => {
      const checked = shellCommands(line).some((words) => soulrecallArguments(words) !== undefined);
      const how = checked ? 'command and flags checked against the manifest' : 'not soulrecall: nothing to check';
      return `${where}: ${line.replace(/\s+#.*$/, '')} (${block.directives.syntaxOnly}; ${how})`;
    });
  }

  private async runBlock(where: string, block: GuideBlock): Promise<number> {
    const expected = block.expected ?? [];
    const commands = commandLines(block.body);
    let output = '';
    for (const line of commands) {
      // Each command runs in a shell of its own: a `cd` would not carry over as it does in the reader's shell.
      if (/^cd\s/.test(line) || line.includes('&& cd '))
        throw new Error(`${where}: \`${line}\`: cd does not carry over`);
      const exported = line.match(/^export ([A-Z_][A-Z0-9_]*)=(.*)$/);
      const command = this.toTest(this.substitute(where, line));
      if (exported) {
        this.env[exported[1]!] = this.toTest(this.substitute(where, shellCommands(exported[2]!)[0]?.[0] ?? ''));
        continue;
      }
      this.options.log?.(`  $ ${command}`);
      const result = await this.execute(command, block.directives.terminal === true);
      const shown = this.toGuide(result.output);
      this.options.log?.(shown);
      output += shown;
      const wanted = block.directives.exitCode ?? 0;
      if (result.exitCode !== wanted)
        throw new Error(`${where}: \`${line}\` exited ${result.exitCode}, not ${wanted}:\n${shown}`);
      // Bind what the output shows so far, so the block's next command can use it.
      matchOutput(expected, output, this.bindings);
    }
    const missing = matchOutput(expected, output, this.bindings);
    if (missing)
      throw new Error(
        `${where}: the output no longer shows what the guide shows.\nguide line not found (in order): ${missing}\n` +
          `output of \`${commands.join(' ; ')}\`:\n${output}`,
      );
    return commands.length;
  }

  private substitute(where: string, line: string): string {
    return line.replace(PLACEHOLDER, (_, name: string) => {
      const value = this.bindings[name];
      if (value === undefined) throw new Error(`${where}: <${name}> in \`${line}\` is not shown by any output before`);
      return value;
    });
  }

  private toTest(text: string): string {
    let result = text;
    for (const [guide, test] of Object.entries(this.options.addresses)) result = result.replaceAll(guide, test);
    return result;
  }

  private toGuide(text: string): string {
    let result = text;
    for (const [guide, test] of Object.entries(this.options.addresses))
      if (/^[a-z]+:\/\//.test(guide)) result = result.replaceAll(test, guide);
    return result;
  }

  private async execute(command: string, terminal: boolean): Promise<{ output: string; exitCode: number }> {
    const options = { cwd: this.options.cwd, env: this.env, timeoutMs: COMMAND_TIMEOUT_MS };
    if (!terminal) {
      const result = await runProgram('sh', ['-c', `exec 2>&1\n${command}`], options);
      return { output: result.stdout, exitCode: result.exitCode };
    }
    // util-linux `script` gives the command a pty, the way a reader runs it; `y` answers its question.
    const shell = `stty cols 160 rows 50 2>/dev/null; ${command}`;
    const result = await runProgram('script', ['-qefc', shell, '/dev/null'], { ...options, input: 'y\ny\n' });
    // eslint-disable-next-line no-control-regex
    const plain = result.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    return { output: plain, exitCode: result.exitCode };
  }
}

/**
 * Matches the guide's expected lines, in order, against the output's lines and binds the placeholders of the
 * lines that matched; returns the first expected line that was not found, or undefined when all were.
 */
export function matchOutput(expected: string[], output: string, bindings: Record<string, string>): string | undefined {
  const lines = output.split('\n').map((line) => line.trimEnd());
  let from = 0;
  for (const line of expected) {
    const names: string[] = [];
    const pattern = line
      .trim()
      .split(/(…|<[a-z][a-z0-9-]*>|\s+)/)
      .map((part) => {
        if (part === '…') return '.*?';
        if (/^\s+$/.test(part)) return '\\s+';
        const placeholder = part.match(/^<([a-z][a-z0-9-]*)>$/);
        if (placeholder) {
          names.push(placeholder[1]!);
          return '([^\\s`,()…]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    const regex = new RegExp(`^\\s*${pattern}\\s*$`);
    const found = lines.findIndex((candidate, index) => index >= from && regex.test(candidate));
    if (found < 0) return line;
    const values = lines[found]!.match(regex)!.slice(1);
    names.forEach((name, index) => (bindings[name] = values[index]!));
    from = found + 1;
  }
  return undefined;
}
