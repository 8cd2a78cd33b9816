import { createInterface } from 'node:readline/promises';
import { ExitCode, SoulrecallError } from './errors.js';

export interface ConfirmOptions {
  /** `--yes` was given. */
  yes: boolean;
  /** What is about to happen, as a question ("Upgrade my-agent in production?"). */
  question: string;
  /** The flag that skips the question, named in the refusal (default `--yes`). */
  flag?: string;
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
}

/**
 * Asks before something destructive. `--yes` answers for the user; without a terminal to ask on
 * (CI, pipes) soulrecall refuses rather than guess.
 */
export async function confirmOrRefuse(options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  const input = options.input ?? process.stdin;
  const flag = options.flag ?? '--yes';
  if (!input.isTTY) {
    throw new SoulrecallError(`${options.question.replace(/\?$/, '')}: this needs confirmation and there is no terminal to ask on.`, {
      code: 'NOT_CONFIRMED',
      exitCode: ExitCode.NotConfirmed,
      hint: `Run it in a terminal, or pass ${flag} to confirm.`,
    });
  }
  const readline = createInterface({ input, output: options.output ?? process.stderr });
  try {
    const answer = (await readline.question(`${options.question} [y/N] `)).trim().toLowerCase();
    if (answer === 'y' || answer === 'yes') return;
  } finally {
    readline.close();
  }
  throw new SoulrecallError('Cancelled: nothing was changed.', { code: 'NOT_CONFIRMED', exitCode: ExitCode.NotConfirmed, hint: `Pass ${flag} to skip the question.` });
}

export interface ChoiceOptions<T extends string> {
  question: string;
  /** Answer letter → value, e.g. `{ c: 'carry', d: 'discard' }`; anything else cancels. */
  choices: Record<string, T>;
  /** Said when there is no terminal to ask on: which flags answer the question. */
  hint: string;
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
}

/** Asks the user to pick one of a few answers; without a terminal soulrecall refuses rather than guess. */
export async function chooseOrRefuse<T extends string>(options: ChoiceOptions<T>): Promise<T> {
  const input = options.input ?? process.stdin;
  if (!input.isTTY) {
    throw new SoulrecallError(`${options.question.replace(/\?$/, '')}: this needs an answer and there is no terminal to ask on.`, { code: 'NOT_CONFIRMED', exitCode: ExitCode.NotConfirmed, hint: options.hint });
  }
  const readline = createInterface({ input, output: options.output ?? process.stderr });
  try {
    const answer = (await readline.question(`${options.question} `)).trim().toLowerCase();
    const chosen = options.choices[answer] ?? options.choices[answer.charAt(0)];
    if (chosen !== undefined) return chosen;
  } finally {
    readline.close();
  }
  throw new SoulrecallError('Cancelled: nothing was changed.', { code: 'NOT_CONFIRMED', exitCode: ExitCode.NotConfirmed, hint: options.hint });
}
