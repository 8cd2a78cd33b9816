import { Args, Flags } from '@oclif/core';
import { confirmOrRefuse, rollback, SoulrecallCommand, type RollbackResult } from '@soulrecall/core';

export default class Rollback extends SoulrecallCommand<RollbackResult> {
  static override summary = "Go back to the previous good version of a canister's agent and environment.";
  static override description = `If the live route came to this canister from another canister that still exists and is healthy, the route is switched back. Otherwise the snapshot taken before the current version is restored (code and memory as they were then), or else the previous version's module is reinstalled from the artifact store in upgrade mode (memory kept).

--to-version N goes back to deployment version N instead of the previous one. --dry-run says what it would do and changes nothing. Protected environments ask for confirmation (or --yes).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --dry-run --json',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --to-version 3 --yes',
  ];
  static override args = {
    canisterId: Args.string({ description: 'Canister id (a principal).', required: true }),
  };
  static override flags = {
    'to-version': Flags.integer({ summary: 'Deployment version to go back to (default: the previous successful one).', min: 1 }),
    network: Flags.string({ char: 'e', aliases: ['env'], summary: 'Environment (name or alias) of the canister; default: where the store recorded it.' }),
    'dry-run': Flags.boolean({ summary: 'Say what would be done, change nothing.', default: false }),
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation on protected environments.', default: false }),
  };

  public async run(): Promise<RollbackResult> {
    const { args, flags } = await this.parse(Rollback);
    const result = await rollback(
      this.session({ requireConfig: false }),
      { canisterId: args.canisterId, toVersion: flags['to-version'], network: flags.network, dryRun: flags['dry-run'] },
      { confirm: (question) => confirmOrRefuse({ yes: flags.yes, question }), progress: (message) => this.progress(message) },
    );
    const { plan } = result;
    this.log(`${result.dryRun ? 'Would' : 'Rolled back:'} ${plan.description}${result.dryRun ? ' (dry run: nothing changed)' : ''}.`);
    return result;
  }
}
