import {
  choiceArg,
  COMPLETION_SHELLS,
  completionScript,
  completionSetup,
  SoulrecallCommand,
  type CompletionShell,
} from '@soulrecall/core';

export interface AutocompleteResult {
  /** The shell asked for; undefined: setup instructions for every shell. */
  shell?: CompletionShell;
  setup: string;
  /** The completion script of `shell`. */
  script?: string;
}

export default class Autocomplete extends SoulrecallCommand<AutocompleteResult> {
  static override summary =
    'Print the shell completion script for bash, zsh or PowerShell (or, without a shell, how to enable it).';
  static override description =
    'Completes commands and topics (`promote list`), flags (also after arguments, and short ones), file paths for --wasm/--wasm-path/--config, ' +
    "environment names for -e/--env/--network/-f/--from/-t/--to and agent names for <agent>, read from the nearest soulrecall.yaml (or the line's --config). " +
    'The script asks the CLI on each TAB, so it keeps up with installed plugins and the project without being regenerated.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'source <(<%= config.bin %> <%= command.id %> bash)',
    'source <(<%= config.bin %> <%= command.id %> zsh)',
    '<%= config.bin %> <%= command.id %> powershell | Out-String | Invoke-Expression',
  ];
  static override args = {
    shell: choiceArg({ description: 'Shell to print the script for.', options: COMPLETION_SHELLS }),
  };

  public async run(): Promise<AutocompleteResult> {
    const { args } = await this.parse(Autocomplete);
    const bin = this.config.bin;
    if (args.shell === undefined) {
      const setup = COMPLETION_SHELLS.map((shell) => `${shell}:\n${indent(completionSetup(shell, bin))}`).join('\n\n');
      this.log(setup);
      return { setup };
    }
    const shell = args.shell;
    const script = completionScript(shell, bin);
    // The script alone on stdout, so that `source <(soulrecall autocomplete bash)` works.
    if (!this.jsonEnabled()) process.stdout.write(script);
    return { shell, setup: completionSetup(shell, bin), script };
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
