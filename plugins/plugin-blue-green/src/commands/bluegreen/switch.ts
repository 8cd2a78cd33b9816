import { SoulrecallCommand } from '@soulrecall/core';
import { agentArg, bluegreenEnvironmentFlag, bluegreenYesFlag } from '../../flags.js';
import { switchColour, type SwitchResult } from '../../services/bluegreen.js';

export default class BluegreenSwitch extends SoulrecallCommand<SwitchResult> {
  static override summary = 'Route an agent to the other colour (blue ↔ green), after a health check.';
  static override description = `Checks that the colour that is not live runs, runs the module recorded for it and answers its health method, then makes it the live canister (recorded in the route history and written to canister_ids.json). An unhealthy canister is refused and the route stays as it was.`;
  static override examples = ['<%= config.bin %> <%= command.id %> my-agent -e prod --yes'];
  static override args = agentArg;
  static override flags = { ...bluegreenEnvironmentFlag, ...bluegreenYesFlag };

  public async run(): Promise<SwitchResult> {
    const { args, flags } = await this.parse(BluegreenSwitch);
    const result = await switchColour(this.session(), args.agent, flags.env, {
      yes: flags.yes,
      progress: (message) => this.progress(message),
    });
    this.log(
      `${result.agent} in ${result.environment} now routes to ${result.toColour} ${result.toCanisterId} (was ${result.fromCanisterId ?? 'none'}).`,
    );
    return result;
  }
}
