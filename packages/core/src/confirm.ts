import { createInterface } from 'node:readline/promises';
import { SoulrecallError } from './errors.js';

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
    throw new SoulrecallError(
      `${options.question.replace(/\?$/, '')}: this needs confirmation and there is no terminal to ask on.`,
      {
        code: 'NOT_CONFIRMED',
        hint: `Run it in a terminal, or pass ${flag} to confirm.`,
      },
    );
  }
  if (await askYesNo(options.question, input, options.output ?? process.stderr)) return;
  throw new SoulrecallError('Cancelled: nothing was changed.', {
    code: 'NOT_CONFIRMED',
    hint: `Pass ${flag} to skip the question.`,
  });
}

/** Asks `question [y/N]` on a terminal: true only for `y` or `yes`. */
export async function askYesNo(
  question: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  const answer = (await ask(`${question} [y/N] `, input, output)).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}

/**
 * One line read after a prompt. Ctrl+C at the prompt is what it is anywhere else, an interrupt
 * (exit 130, a promotion journaled first): readline reads the key itself in raw mode, so no
 * signal is sent, and without this its question fails with an AbortError, which a command
 * reports as an unexpected failure (exit 1).
 */
async function ask(prompt: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string> {
  const readline = createInterface({ input, output });
  readline.once('SIGINT', () => {
    output.write('\n');
    process.kill(process.pid, 'SIGINT');
  });
  try {
    return await readline.question(prompt);
  } finally {
    readline.close();
  }
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
    throw new SoulrecallError(
      `${options.question.replace(/\?$/, '')}: this needs an answer and there is no terminal to ask on.`,
      { code: 'NOT_CONFIRMED', hint: options.hint },
    );
  }
  const answer = (await ask(`${options.question} `, input, options.output ?? process.stderr)).trim().toLowerCase();
  const chosen = options.choices[answer] ?? options.choices[answer.charAt(0)];
  if (chosen !== undefined) return chosen;
  throw new SoulrecallError('Cancelled: nothing was changed.', { code: 'NOT_CONFIRMED', hint: options.hint });
}

/** A terminal stream as `askSecret` needs it: raw mode switches echo and line editing off. */
export type TerminalInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * Asks for a secret (a key's passphrase) on a terminal without echoing it: the terminal is put in
 * raw mode, so soulrecall sees each key and prints nothing of what is typed. Backspace edits;
 * Enter ends; Ctrl-C restores the terminal and interrupts as it would anywhere else.
 */
export async function askSecret(
  question: string,
  options: { input?: TerminalInput; output?: NodeJS.WritableStream; interrupt?: () => void } = {},
): Promise<string> {
  // Raw mode swallows the signal the terminal would have sent: send it, so Ctrl-C here ends the command as it does
  // elsewhere.
  const interrupt = options.interrupt ?? (() => process.kill(process.pid, 'SIGINT'));
  const input = options.input ?? (process.stdin as TerminalInput);
  const output = options.output ?? process.stderr;
  output.write(question);
  input.setRawMode?.(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = () => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: Buffer | string) => {
      const chars = Array.from(chunk.toString());
      for (const [index, char] of chars.entries()) {
        if (char === '\r' || char === '\n') {
          finish();
          // Keys typed ahead (or pasted with the line) belong to whoever reads next.
          const rest = chars.slice(index + 1).join('');
          if (rest) input.unshift(Buffer.from(rest));
          resolve(typed);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(
            new SoulrecallError('Interrupted before the answer was typed.', {
              code: 'INTERRUPTED',
              hint: 'Run the command again.',
            }),
          );
          interrupt();
          return;
        }
        if (char === '\u007f' || char === '\b') typed = Array.from(typed).slice(0, -1).join('');
        else typed += char;
      }
    };
    input.on('data', onData);
  });
}
