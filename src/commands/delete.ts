import { Args } from '@oclif/core';
import { deleteCanister, type DeletionResult, environmentFlag, SoulrecallCommand, yesFlag } from '@soulrecall/core';

export default class Delete extends SoulrecallCommand<DeletionResult> {
  static override summary = 'Stop and delete a canister, and mark it decommissioned.';
  static override description = `Refuses the live canister of a route (switch the route first with config set --routing), unless the network says it no longer exists: then its record is marked deleted and its route removed, and a deploy gives the agent a new canister. Refuses canisters soulrecall does not know. On a protected environment it asks for confirmation (or --yes; without a terminal it refuses).

The canister's cycles are lost with it.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --network prod --yes --json',
  ];
  static override args = {
    canisterId: Args.string({ description: 'Canister id (a principal).', required: true }),
  };
  static override flags = {
    env: environmentFlag('Environment (name or alias) of the canister; default: where the store recorded it.'),
    yes: yesFlag('Do not ask for confirmation on protected environments.'),
  };

  public async run(): Promise<DeletionResult> {
    const { args, flags } = await this.parse(Delete);
    const result = await deleteCanister(this.session({ requireConfig: flags.env !== undefined }), args.canisterId, {
      network: flags.env,
      yes: flags.yes,
    });
    this.log(
      `Deleted canister ${result.canisterId} (${result.agent} in ${result.environment})${result.deletedOnNetwork ? '' : ' — it was already gone from the network; marked decommissioned'}.`,
    );
    if (result.routeCleared)
      this.log(
        `${result.agent} has no live canister in ${result.environment} any more: soulrecall deploy ${result.agent} -e ${result.environment} gives it a new one.`,
      );
    return result;
  }
}
