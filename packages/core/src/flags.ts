import { Args, Flags } from '@oclif/core';

/**
 * Flags that mean the same thing in every command, declared once so that their spellings cannot
 * drift apart between commands and plugins. Each command still words its own summary, since
 * "the environment" of `list` (a filter) is not the one of `deploy` (a target).
 */

/**
 * The environment a command works in: `-e staging`, `--env staging` or `--network staging` (the
 * older spelling the guides use), by name or alias; where a command says so, also a bare network
 * (ic, local or a URL). `<env>` also tells shell completion to offer the project's environments.
 */
export function environmentFlag(summary: string, options: { required: true }): ReturnType<typeof requiredEnvironment>;
export function environmentFlag(summary: string): ReturnType<typeof optionalEnvironment>;
export function environmentFlag(summary: string, options?: { required: true }) {
  return options?.required ? requiredEnvironment(summary) : optionalEnvironment(summary);
}

/** The environment flag's spellings; the test of shared flags checks every command accepts them all. */
export const ENVIRONMENT_FLAG_SPELLINGS = ['-e', '--env', '--network'] as const;

function requiredEnvironment(summary: string) {
  return Flags.string({ char: 'e', aliases: ['network'], helpValue: '<env>', summary, required: true });
}

function optionalEnvironment(summary: string) {
  return Flags.string({ char: 'e', aliases: ['network'], helpValue: '<env>', summary });
}

/** An agent as named under `agents:` in soulrecall.yaml, as a filter (`-a my-agent`, `--agent my-agent`). */
export function agentFlag(summary: string) {
  return Flags.string({ char: 'a', helpValue: '<agent>', summary });
}

/** Confirm without asking: `-y` or `--yes`; what it confirms is the command's to say. */
export function yesFlag(summary: string) {
  return Flags.boolean({ char: 'y', summary, default: false });
}

/**
 * A positional argument with a fixed set of values, typed as that set. oclif checks `options`
 * before `parse` runs, so `parse` only narrows the type; the guard keeps that true without a cast.
 */
export function choiceArg<const Choices extends readonly string[]>(definition: {
  description: string;
  options: Choices;
}) {
  const isChoice = (input: string): input is Choices[number] => definition.options.includes(input);
  return Args.custom<Choices[number]>({
    description: definition.description,
    options: [...definition.options],
    parse: async (input) => {
      if (!isChoice(input)) throw new Error(`Expected ${input} to be one of: ${definition.options.join(', ')}`);
      return input;
    },
  })();
}

/** A promotion's id as `promote list` prints it (`prm-k3x9qa`): the argument of promote show, resume and abort. */
export function promotionIdArg() {
  return Args.string({ description: 'Promotion id, as `promote list` prints it (e.g. prm-k3x9qa).', required: true });
}
