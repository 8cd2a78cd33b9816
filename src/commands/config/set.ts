import { Flags } from '@oclif/core';
import { setRouting, SoulrecallCommand, type SetRoutingResult } from '@soulrecall/core';

export default class ConfigSet extends SoulrecallCommand<SetRoutingResult> {
  static override summary = 'Make a canister the live one for its agent and environment.';
  static override description = `--routing <canister-id> switches the route of the canister's agent and environment to it, records the change in the history, and writes it to canister_ids.json in the project root ({"<agent>": {"<env>": "<id>"}}, the dfx convention).

Refuses a canister soulrecall does not know, a stopped one, and an unhealthy one unless --force.`;
  static override examples = ['<%= config.bin %> <%= command.id %> --routing rrkah-fqaaa-aaaaa-aaaaq-cai', '<%= config.bin %> <%= command.id %> --routing rrkah-fqaaa-aaaaa-aaaaq-cai --network staging --force --json'];
  static override flags = {
    routing: Flags.string({ summary: 'Canister id to make live.', required: true }),
    network: Flags.string({ char: 'e', aliases: ['env'], summary: 'Environment (name or alias) of the canister; default: where the store recorded it.' }),
    force: Flags.boolean({ summary: 'Switch even if the health check says unhealthy.', default: false }),
  };

  public async run(): Promise<SetRoutingResult> {
    const { flags } = await this.parse(ConfigSet);
    const result = await setRouting(this.session(), flags.routing, { network: flags.network, force: flags.force });
    if (!result.changed) this.log(`${result.toCanisterId} already is the live canister of ${result.agent} in ${result.environment}.`);
    else this.log(`${result.agent} in ${result.environment} now routes to ${result.toCanisterId} (was ${result.fromCanisterId ?? 'none'}).`);
    return result;
  }
}
