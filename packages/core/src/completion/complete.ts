/**
 * Shell completion, decided in one place for every shell (as Cobra's `__complete` does): the
 * shell scripts only pass the words typed so far and show what comes back.
 *
 * The commands are described by oclif's own metadata (the Config's commands, from every
 * installed plugin), reduced here to the few fields completion reads so that this stays a pure
 * function, tested without oclif.
 */

/** A flag as oclif's manifest describes it (a structural subset of `Command.Flag.Cached`). */
export interface CompletableFlag {
  name: string;
  char?: string;
  aliases?: string[];
  type: 'boolean' | 'option';
  options?: readonly string[];
  helpValue?: string | string[];
  multiple?: boolean;
  hidden?: boolean;
  summary?: string;
}

/** A positional argument (a structural subset of `Command.Arg.Cached`). */
export interface CompletableArg {
  name: string;
  options?: readonly string[];
  hidden?: boolean;
  description?: string;
}

/** A command (a structural subset of `Command.Loadable`); `id` uses `:` between topics. */
export interface CompletableCommand {
  id: string;
  summary?: string;
  description?: string;
  hidden?: boolean;
  aliases?: string[];
  flags: Record<string, CompletableFlag>;
  /** In declaration order, as oclif keeps them. */
  args: Record<string, CompletableArg>;
}

export interface CompletableTopic {
  name: string;
  description?: string;
  hidden?: boolean;
}

/** The names a project's soulrecall.yaml defines, for completing flag values and arguments. */
export interface ProjectNames {
  environments: Array<{ name: string; aliases: string[]; description?: string }>;
  agents: Array<{ name: string; description?: string }>;
}

export const NO_PROJECT_NAMES: ProjectNames = { environments: [], agents: [] };

export interface CompletionContext {
  /** Also lists each alias of a command as a command of its own (oclif's Config does). */
  commands: readonly CompletableCommand[];
  /** The program's name, for summaries written as oclif templates (`<%= config.bin %>`). */
  bin?: string;
  topics: readonly CompletableTopic[];
  /**
   * The project's names, read only when a completion needs them (most do not), from the file
   * given with `--config` on the line being completed, or else the nearest soulrecall.yaml.
   */
  projectNames(configPath: string | undefined): ProjectNames;
}

/**
 * What the shell does besides offering the candidates: `files`/`dirs` — complete paths itself
 * (only the shell knows how to quote them and mark folders); `none` — nothing more (no file
 * names where a canister id or an environment is expected).
 */
export type CompletionDirective = 'none' | 'files' | 'dirs';

export interface CompletionCandidate {
  /** Replaces the whole word being completed. */
  value: string;
  /** Shown next to the value by shells that can (zsh, PowerShell). */
  description?: string;
}

export interface CompletionResult {
  candidates: CompletionCandidate[];
  directive: CompletionDirective;
}

/** What a flag value or argument is, and so where its candidates come from. */
type ValueKind = 'environment' | 'agent' | 'file' | 'dir' | 'none';

/**
 * soulrecall's flags name their values consistently (`-e/--env/--network`, `-f/--from`,
 * `-t/--to` are environments everywhere), so the name says what a value is. A flag whose value
 * is something else under one of these names says so with `helpValue` (which `--help` shows
 * too), e.g. `history push --to <postgres-url>`.
 */
const FLAG_KINDS: Record<string, ValueKind> = {
  env: 'environment',
  network: 'environment',
  from: 'environment',
  to: 'environment',
  agent: 'agent',
  wasm: 'file',
  'wasm-path': 'file',
  config: 'file',
  'state-dir': 'dir',
};

const HELP_VALUE_KINDS: Record<string, ValueKind> = {
  '<env>': 'environment',
  '<environment>': 'environment',
  '<agent>': 'agent',
  '<file>': 'file',
  '<path>': 'file',
  '<dir>': 'dir',
};

/** Arguments by name; `from` is `identity import <name> <pem-file|dfx:name>`. */
const ARG_KINDS: Record<string, ValueKind> = {
  agent: 'agent',
  file: 'file',
  path: 'file',
  from: 'file',
};

/**
 * The candidates for the last of `words` (the words after the program name; the last one is
 * the word under the cursor, '' after a space).
 */
export function complete(words: readonly string[], context: CompletionContext): CompletionResult {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const commands = new Map<string, CompletableCommand>();
  for (const command of context.commands) {
    commands.set(command.id, command);
    for (const alias of command.aliases ?? []) if (!commands.has(alias)) commands.set(alias, command);
  }
  const isTopic = (id: string) => context.commands.some((command) => command.id.startsWith(`${id}:`));

  // The command is the longest run of leading words that names one (`promote list` before `promote`).
  let command: CompletableCommand | undefined;
  let idLength = 0;
  let path = 0; // leading words that form a command or topic
  for (let length = 1; length <= before.length && !before[length - 1]!.startsWith('-'); length++) {
    const id = before.slice(0, length).join(':');
    const found = commands.get(id);
    if (found) {
      command = found;
      idLength = length;
    }
    if (!found && !isTopic(id)) break;
    path = length;
  }

  const candidates: CompletionCandidate[] = [];
  if (path === before.length && !current.startsWith('-')) {
    candidates.push(...subcommands(before, current, context));
  }
  if (!command) return { candidates, directive: 'none' };

  const state = scan(before.slice(idLength), command);
  const pending = state.pendingFlag;
  if (pending)
    return valuesFor({ kind: flagKind(pending), options: pending.options }, { current, prefix: '' }, state, context);
  if (current.startsWith('-') && !state.afterDoubleDash) {
    const equals = current.indexOf('=');
    if (current.startsWith('--') && equals !== -1) {
      const flag = findLongFlag(command, current.slice(2, equals));
      if (!flag || flag.type !== 'option') return { candidates: [], directive: 'none' };
      return valuesFor(
        { kind: flagKind(flag), options: flag.options },
        { current: current.slice(equals + 1), prefix: current.slice(0, equals + 1) },
        state,
        context,
      );
    }
    return { candidates: flagCandidates(command, current, state.seenFlags), directive: 'none' };
  }
  const arg = Object.values(command.args)[state.positionals];
  if (!arg || arg.hidden) return { candidates, directive: 'none' };
  const result = valuesFor(
    { kind: ARG_KINDS[arg.name] ?? 'none', options: arg.options },
    { current, prefix: '' },
    state,
    context,
  );
  return { candidates: [...candidates, ...result.candidates], directive: result.directive };
}

/** The next topic or command word after `path` (the words typed so far, all naming topics). */
function subcommands(path: readonly string[], current: string, context: CompletionContext): CompletionCandidate[] {
  const prefix = path.length === 0 ? '' : `${path.join(':')}:`;
  const seen = new Map<string, CompletionCandidate>();
  for (const command of context.commands) {
    // An alias (`plugins add`) still resolves, but is not offered beside its command.
    if (command.hidden || (command.aliases ?? []).includes(command.id) || !command.id.startsWith(prefix)) continue;
    const [word, ...deeper] = command.id.slice(prefix.length).split(':');
    if (!word || !word.startsWith(current)) continue;
    // A word that is both a command and a topic (`promote`) is described as the command.
    if (deeper.length === 0)
      seen.set(word, { value: word, description: firstLine(command.summary ?? command.description, context.bin) });
    else if (!seen.has(word)) {
      const topic = context.topics.find((candidate) => candidate.name === `${prefix}${word}`);
      if (topic?.hidden) continue;
      seen.set(word, { value: word, description: firstLine(topic?.description) });
    }
  }
  return [...seen.values()];
}

interface ScanState {
  /** An option flag as the last word, waiting for its value. */
  pendingFlag?: CompletableFlag;
  positionals: number;
  seenFlags: Set<string>;
  afterDoubleDash: boolean;
  configPath?: string;
}

/** Walks the words after the command id as oclif's parser would, to know where the cursor is. */
function scan(words: readonly string[], command: CompletableCommand): ScanState {
  const state: ScanState = { positionals: 0, seenFlags: new Set(), afterDoubleDash: false };
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (state.afterDoubleDash || word === '-' || !word.startsWith('-')) {
      state.positionals++;
      continue;
    }
    if (word === '--') {
      state.afterDoubleDash = true;
      continue;
    }
    let flag: CompletableFlag | undefined;
    let inlineValue: string | undefined;
    if (word.startsWith('--')) {
      const equals = word.indexOf('=');
      flag = findLongFlag(command, word.slice(2, equals === -1 ? undefined : equals));
      if (equals !== -1) inlineValue = word.slice(equals + 1);
    } else {
      flag = Object.values(command.flags).find((candidate) => candidate.char === word[1]);
      if (word.length > 2) inlineValue = word.slice(2);
    }
    if (!flag) continue; // unknown: oclif will say so when the command runs
    state.seenFlags.add(flag.name);
    if (flag.type !== 'option') continue;
    const value = inlineValue ?? words[index + 1];
    if (inlineValue === undefined) {
      if (index + 1 >= words.length) {
        state.pendingFlag = flag;
        break;
      }
      index++;
    }
    if (flag.name === 'config') state.configPath = value;
  }
  return state;
}

function findLongFlag(command: CompletableCommand, name: string): CompletableFlag | undefined {
  return Object.values(command.flags).find((flag) => flag.name === name || (flag.aliases ?? []).includes(name));
}

function flagKind(flag: CompletableFlag): ValueKind {
  const helpValue = Array.isArray(flag.helpValue) ? flag.helpValue[0] : flag.helpValue;
  if (helpValue !== undefined) return HELP_VALUE_KINDS[helpValue] ?? 'none';
  return FLAG_KINDS[flag.name] ?? 'none';
}

/**
 * Flags not given yet (unless they may repeat): `--name` for `--…`; `-c` too for `-` or `-c`.
 * An alias is offered only when what was typed matches it and not the flag's own name
 * (`--netw` → `--network`, while `--` lists each flag once).
 */
function flagCandidates(
  command: CompletableCommand,
  current: string,
  seen: ReadonlySet<string>,
): CompletionCandidate[] {
  const candidates: CompletionCandidate[] = [];
  const shortToo = current.length <= 2 && !current.startsWith('--');
  for (const flag of Object.values(command.flags)) {
    if (flag.hidden || (seen.has(flag.name) && !flag.multiple)) continue;
    const description = firstLine(flag.summary);
    if (shortToo && flag.char && `-${flag.char}`.startsWith(current))
      candidates.push({ value: `-${flag.char}`, description });
    const long = [flag.name, ...(flag.aliases ?? [])].find((name) => `--${name}`.startsWith(current));
    if (long !== undefined) candidates.push({ value: `--${long}`, description });
  }
  return candidates;
}

/** What a flag or argument takes: a kind, or a fixed list of choices. */
interface ValueSlot {
  kind: ValueKind;
  options: readonly string[] | undefined;
}

/** The word being completed; `prefix` (such as `--env=`) is kept on every candidate. */
interface TypedWord {
  current: string;
  prefix: string;
}

function valuesFor(
  { kind, options }: ValueSlot,
  { current, prefix }: TypedWord,
  state: ScanState,
  context: CompletionContext,
): CompletionResult {
  const offer = (entries: Array<{ name: string; aliases?: string[]; description?: string }>): CompletionResult => {
    const candidates: CompletionCandidate[] = [];
    for (const entry of entries) {
      const name = [entry.name, ...(entry.aliases ?? [])].find((candidate) => candidate.startsWith(current));
      if (name !== undefined) candidates.push({ value: `${prefix}${name}`, description: entry.description });
    }
    return { candidates, directive: 'none' };
  };
  if (options && options.length > 0) return offer(options.map((name) => ({ name })));
  switch (kind) {
    case 'environment':
      return offer(context.projectNames(state.configPath).environments);
    case 'agent':
      return offer(context.projectNames(state.configPath).agents);
    case 'file':
      return { candidates: [], directive: 'files' };
    case 'dir':
      return { candidates: [], directive: 'dirs' };
    default:
      return { candidates: [], directive: 'none' };
  }
}

/** The first line of a summary, its oclif templates filled in (the bin) or dropped. */
function firstLine(text: string | undefined, bin = ''): string | undefined {
  const line = text
    ?.split('\n')[0]
    ?.replace(/<%=\s*config\.bin\s*%>/g, bin)
    .replace(/<%[\s\S]*?%>/g, '')
    .trim();
  return line || undefined;
}

/**
 * The wire format between `__complete` and the shell scripts: one candidate a line
 * (`value<TAB>description`), then `:<directive>` as the last line, as Cobra does.
 */
export function formatCompletion(result: CompletionResult): string {
  const lines = result.candidates.map((candidate) =>
    candidate.description ? `${candidate.value}\t${candidate.description.replace(/[\t\n]/g, ' ')}` : candidate.value,
  );
  return `${[...lines, `:${result.directive}`].join('\n')}\n`;
}
