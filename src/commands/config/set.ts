import { Flags } from '@oclif/core';
import {
  confirmOrRefuse,
  environmentFlag,
  setRouting,
  type SetRoutingResult,
  SoulrecallCommand,
  yesFlag,
} from '@soulrecall/core';

export default class ConfigSet extends SoulrecallCommand<SetRoutingResult> {
  static override summary = 'Make a canister the live one for its agent and environment.';
  static override description = `--routing <canister-id> switches the route of the canister's agent and environment to it, records the change in the history, and writes it where dfx or icp-cli users look for it: canister_ids.json in the project root for shared networks, .dfx/<env>/canister_ids.json (or icp-cli's .icp/…/mappings/<env>.ids.json) for the local one.

Refuses a canister soulrecall does not know, a stopped one, and an unhealthy one unless --force. A live canister that is stopped (an interrupted cut-over) is started again.

Between the colours of a blue-green promotion that copied memories: routing to the green left by \`promote --blue-green --no-switch\` first carries the live canister's latest state into it (the cut-over: a short write pause); routing back to the blue discards what the green learned since it became live, so it asks (--yes confirms; \`soulrecall rollback <green> --carry-state\` carries it back instead).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --routing rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> --routing rrkah-fqaaa-aaaaa-aaaaq-cai --network staging --force --json',
  ];
  static override flags = {
    routing: Flags.string({ summary: 'Canister id to make live.', required: true }),
    env: environmentFlag('Environment (name or alias) of the canister; default: where the store recorded it.'),
    force: Flags.boolean({ summary: 'Switch even if the health check says unhealthy.', default: false }),
    yes: yesFlag('Confirm without asking (discarding the memories of a green when routing back to its blue).'),
  };

  public async run(): Promise<SetRoutingResult> {
    const { flags } = await this.parse(ConfigSet);
    const result = await setRouting(this.session(), flags.routing, {
      network: flags.env,
      force: flags.force,
      confirm: (question) => confirmOrRefuse({ yes: flags.yes, question }),
      progress: (message) => this.progress(message),
    });
    if (!result.changed)
      this.log(
        `${result.toCanisterId} already is the live canister of ${result.agent} in ${result.environment}${result.started ? '; it was stopped and has been started again' : ''}.`,
      );
    else
      this.log(
        `${result.agent} in ${result.environment} now routes to ${result.toCanisterId} (was ${result.fromCanisterId ?? 'none'}).`,
      );
    if (result.cutOver)
      this.log(
        `Memories carried over from ${result.fromCanisterId}: writes were paused for ${result.cutOver.writePauseMs} ms; its state at the cut-over is backup ${result.cutOver.finalBackupId}.`,
      );
    if (result.discarded) this.log(`Discarded: ${result.discarded.summary}.`);
    return result;
  }
}
