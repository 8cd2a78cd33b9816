import { Args, Flags } from '@oclif/core';
import {
  chooseOrRefuse,
  confirmOrRefuse,
  environmentFlag,
  rollback,
  type RollbackResult,
  SoulrecallCommand,
  yesFlag,
} from '@soulrecall/core';

export default class Rollback extends SoulrecallCommand<RollbackResult> {
  static override summary = "Go back to the previous good version of a canister's agent and environment.";
  static override description = `If the live route came to this canister from another canister that still exists and is healthy, the route is switched back. Otherwise the snapshot taken before the current version is restored (code and memory as they were then), or else the previous version's module is reinstalled from the artifact store in upgrade mode (memory kept).

--to-version N goes back to deployment version N instead of the previous one. --dry-run says what it would do and changes nothing. Protected environments ask for confirmation (or --yes).

After a blue-green promotion that copied memories, going back to blue discards what green learned since it became live (blue holds the state of the cut-over). soulrecall says so and asks: carry green's current state into blue first (--carry-state; blue is upgraded back to its own module over it, which works where that older module can read the newer state — if not, blue is put back as it was and nothing changes), or discard it (--yes). Without a terminal and without either flag it refuses (exit 10). The canister left behind is stopped, so no client writes where nobody reads.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --dry-run --json',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --to-version 3 --yes',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --carry-state',
  ];
  static override args = {
    canisterId: Args.string({ description: 'Canister id (a principal).', required: true }),
  };
  static override flags = {
    'to-version': Flags.integer({
      summary: 'Deployment version to go back to (default: the previous successful one).',
      min: 1,
    }),
    env: environmentFlag('Environment (name or alias) of the canister; default: where the store recorded it.'),
    'dry-run': Flags.boolean({ summary: 'Say what would be done, change nothing.', default: false }),
    yes: yesFlag(
      'Do not ask: confirm on protected environments, and discard what a blue-green green learned since it went live.',
    ),
    'carry-state': Flags.boolean({
      summary: "Blue-green: carry the live green's current memories back into blue first instead of discarding them.",
      default: false,
    }),
  };

  public async run(): Promise<RollbackResult> {
    const { args, flags } = await this.parse(Rollback);
    const result = await rollback(
      this.session({ requireConfig: false }),
      {
        canisterId: args.canisterId,
        toVersion: flags['to-version'],
        network: flags.env,
        dryRun: flags['dry-run'],
        carryState: flags['carry-state'],
      },
      {
        confirm: (question) => confirmOrRefuse({ yes: flags.yes, question }),
        progress: (message) => this.progress(message),
        decideState: async (discard) =>
          flags.yes
            ? 'discard'
            : chooseOrRefuse({
                question: `${discard.summary.charAt(0).toUpperCase()}${discard.summary.slice(1)}. [c]arry it into ${discard.backTo} first (its module must read it), [d]iscard it, or cancel?`,
                choices: { c: 'carry', carry: 'carry', d: 'discard', discard: 'discard' },
                hint: `Pass --carry-state to carry the memories into ${discard.backTo} first, or --yes to discard them.`,
              }),
      },
    );
    const { plan } = result;
    this.log(
      `${result.dryRun ? 'Would' : 'Rolled back:'} ${plan.description}${result.dryRun ? ' (dry run: nothing changed)' : ''}.`,
    );
    if (plan.discards && result.dryRun)
      this.log(`Going back discards memories: ${plan.discards.summary} (unless --carry-state).`);
    if (plan.state === 'discard' && !result.dryRun) this.log(`Discarded: ${plan.discards!.summary}.`);
    if (result.cutOver)
      this.log(
        `Memories carried back from ${plan.canisterId}: writes were paused for ${result.cutOver.writePauseMs} ms.`,
      );
    return result;
  }
}
