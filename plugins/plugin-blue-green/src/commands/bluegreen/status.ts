import { renderTable, shortHash, SoulrecallCommand } from '@soulrecall/core';
import { agentArg, bluegreenEnvironmentFlag } from '../../flags.js';
import { blueGreenStatus, type BlueGreenStatus, type ColourStatus } from '../../services/bluegreen.js';

export default class BluegreenStatus extends SoulrecallCommand<BlueGreenStatus> {
  static override summary = "Show an agent's blue and green canisters in an environment.";
  static override description = `For each colour: the canister id, whether it is live, the deployed version and module hash soulrecall recorded, and its health now (running, expected module, health method).

The live canister is blue until a blue-green promotion switches to green; the other colour is the canister the route came from, or the newest green beside the live one.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> my-agent -e prod',
    '<%= config.bin %> <%= command.id %> my-agent -e prod --json',
  ];
  static override args = agentArg;
  static override flags = bluegreenEnvironmentFlag;

  public async run(): Promise<BlueGreenStatus> {
    const { args, flags } = await this.parse(BluegreenStatus);
    const status = await blueGreenStatus(this.session(), args.agent, flags.env);
    const rows = [status.blue, status.green].filter((row): row is ColourStatus => row !== null);
    if (rows.length === 0) {
      this.log(`${status.agent} has no canister in ${status.environment} yet.`);
      return status;
    }
    this.log(
      renderTable(rows, [
        { header: 'colour', get: (row) => row.colour },
        { header: 'canister', get: (row) => row.canisterId },
        { header: 'live', get: (row) => (row.live ? 'yes' : 'no') },
        { header: 'version', get: (row) => (row.version === null ? '-' : String(row.version)) },
        { header: 'module', get: (row) => shortHash(row.moduleSha256 ?? null) },
        {
          header: 'health',
          get: (row) => (row.health.healthy ? 'healthy' : `${row.health.status}: ${row.health.problems.join('; ')}`),
          shrinkable: true,
        },
      ]),
    );
    if (!status.green)
      this.log(
        `No green beside the live canister; \`soulrecall promote ${status.agent} --to ${status.environment} --blue-green --state fresh\` builds one.`,
      );
    return status;
  }
}
