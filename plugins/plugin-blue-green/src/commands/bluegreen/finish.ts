import { SoulrecallCommand } from '@soulrecall/core';
import { agentArg, bluegreenEnvironmentFlag, bluegreenYesFlag } from '../../flags.js';
import { finishBlueGreen, type FinishResult } from '../../services/bluegreen.js';

export default class BluegreenFinish extends SoulrecallCommand<FinishResult> {
  static override summary = 'Keep the live colour: re-check it, then stop and delete the other one.';
  static override description = `Ends a blue-green rollout. The live canister is checked first (running, expected module, health method); if it is unhealthy nothing is deleted. Then the other colour is stopped, deleted and marked decommissioned, which also ends instant rollback to it.`;
  static override examples = ['<%= config.bin %> <%= command.id %> my-agent -e prod --yes'];
  static override args = agentArg;
  static override flags = { ...bluegreenEnvironmentFlag, ...bluegreenYesFlag };

  public async run(): Promise<FinishResult> {
    const { args, flags } = await this.parse(BluegreenFinish);
    const result = await finishBlueGreen(this.session(), args.agent, flags.env, {
      yes: flags.yes,
      progress: (message) => this.progress(message),
    });
    this.log(
      `Deleted ${result.deletedColour} ${result.deletedCanisterId}; ${result.liveColour} ${result.live} stays live for ${result.agent} in ${result.environment}.`,
    );
    return result;
  }
}
