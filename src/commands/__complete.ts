import { Command } from '@oclif/core';
// The completion entry alone, not all of @soulrecall/core: this runs on every TAB.
import { complete, formatCompletion, NEW_WORD_MARKER, readProjectNames } from '@soulrecall/core/completion';

/**
 * What the shell scripts of `autocomplete` call on TAB (like Cobra's `__complete`). Not a
 * SoulrecallCommand: the words being completed (`--json`, `--config x`) are data here, never
 * flags of this command, so argv is read raw and never parsed.
 */
export default class Complete extends Command {
  static override hidden = true;
  static override strict = false;
  static override summary = 'Completion candidates for the shell scripts of `autocomplete` (internal).';
  static override description =
    'Usage: __complete [--new-word] -- <word>...: the words typed after the program name, the last one being the word under the cursor (--new-word: an empty word after them). ' +
    'Prints one candidate a line (value, a tab, a description), then a directive line: :none, :files or :dirs (the shell completes paths itself). Reads soulrecall.yaml (never the history store or a network) and prints nothing at all on any error.';

  public async run(): Promise<void> {
    try {
      const separator = this.argv.indexOf('--');
      const words = separator === -1 ? [...this.argv] : this.argv.slice(separator + 1);
      if (this.argv.slice(0, Math.max(separator, 0)).includes(NEW_WORD_MARKER) || words.length === 0) words.push('');
      const result = complete(words, {
        commands: this.config.commands,
        topics: this.config.topics,
        bin: this.config.bin,
        projectNames: (configPath) => readProjectNames({ cwd: process.cwd(), configPath }),
      });
      process.stdout.write(formatCompletion(result));
    } catch {
      // A TAB never prints an error: the shell offers nothing instead.
    }
  }
}
