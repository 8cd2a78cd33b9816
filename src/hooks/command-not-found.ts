import type { Hook } from '@oclif/core';
import { askYesNo, ExitCode, formatCommandLine, renderError, SoulrecallError, suggestCommand } from '@soulrecall/core';

/**
 * Words that name no command. Replaces @oclif/plugin-not-found, which printed nothing on stdout
 * with `--json` and, when its suggestion was accepted, ran it without the positional arguments
 * (oclif folds the words after an unknown one into the id it reports, `delet:<canister-id>`,
 * and the plugin kept only the flags).
 *
 * With `--json`: the JSON error on stdout. On a terminal: asks whether to run the closest
 * command with the rest of the line as typed. Otherwise: one sentence and a hint naming it.
 * Exit 127 whenever nothing is run.
 */
const commandNotFound: Hook<'command_not_found'> = async function ({ id, argv, config }) {
  // Joined again, the id's words and argv are exactly the words typed after the program name.
  const words = [...id.split(':'), ...(argv ?? [])];
  const commandIds = config.commands
    .filter((command) => !command.hidden)
    .flatMap((command) => [command.id, ...command.aliases]);
  const { typed, suggestion } = suggestCommand(words, commandIds);
  const suggested = suggestion
    ? formatCommandLine([config.bin, ...suggestion.id.split(':'), ...suggestion.argv])
    : undefined;
  const message = `\`${typed.join(' ')}\` is not a ${config.bin} command.`;
  const help = `Run \`${config.bin} help\` for the list of commands.`;
  const json = words.includes('--json');

  // A question needs someone to read it (stderr) and to answer it (stdin).
  if (suggestion && !json && process.stdin.isTTY && process.stderr.isTTY) {
    process.stderr.write(`${message}\n`);
    if (await askYesNo(`Run \`${suggested}\` instead?`)) return config.runCommand(suggestion.id, suggestion.argv);
    this.exit(ExitCode.CommandNotFound);
  }
  const error = new SoulrecallError(message, {
    code: 'COMMAND_NOT_FOUND',
    hint: suggested ? `Did you mean \`${suggested}\`? ${help}` : help,
    details: { command: typed.join(' '), suggestion: suggested ?? null },
  });
  if (json) process.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
  else process.stderr.write(renderError(error, false));
  this.exit(error.exitCode);
};

export default commandNotFound;
