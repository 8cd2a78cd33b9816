import { SoulrecallCommand } from '@soulrecall/core';
import { agentArg, bluegreenEnvironmentFlag, bluegreenYesFlag } from '../../flags.js';
import { abortGreen, type AbortGreenResult } from '../../services/bluegreen.js';

export default class BluegreenAbort extends SoulrecallCommand<AbortGreenResult> {
  static override summary = 'Delete a green canister that is not live.';
  static override description = `Removes the green canister left by \`promote --blue-green --no-switch\` or \`--keep-failed\`: stops it, deletes it and marks it decommissioned. The live canister and the route are not touched. A green that is live is refused (switch back first).`;
  static override examples = ['<%= config.bin %> <%= command.id %> my-agent -e prod --yes'];
  static override args = agentArg;
  static override flags = { ...bluegreenEnvironmentFlag, ...bluegreenYesFlag };

  public async run(): Promise<AbortGreenResult> {
    const { args, flags } = await this.parse(BluegreenAbort);
    const result = await abortGreen(this.session(), args.agent, flags.env, {
      yes: flags.yes,
      progress: (message) => this.progress(message),
    });
    this.log(
      `Deleted green ${result.deletedCanisterId}; ${result.agent} in ${result.environment} still routes to ${result.live ?? 'nothing'}.`,
    );
    return result;
  }
}
