import { Flags } from '@oclif/core';
import { agentFlag, environmentFlag, liveRoutes, renderTable, SoulrecallCommand } from '@soulrecall/core';

export interface ConfigGetResult {
  routes: ReturnType<typeof liveRoutes>;
}

export default class ConfigGet extends SoulrecallCommand<ConfigGetResult> {
  static override summary = 'Show the live routes (which canister serves each agent in each environment).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --routing',
    '<%= config.bin %> <%= command.id %> --routing --agent my-agent -e prod --json',
  ];
  static override flags = {
    routing: Flags.boolean({ summary: 'Show the live routes.', required: true }),
    agent: agentFlag('Only routes of this agent.'),
    env: environmentFlag('Only routes of this environment (name or alias).'),
  };

  public async run(): Promise<ConfigGetResult> {
    const { flags } = await this.parse(ConfigGet);
    const routes = liveRoutes(this.session({ requireConfig: flags.env !== undefined }), {
      agent: flags.agent,
      environment: flags.env,
    });
    if (routes.length === 0) this.progress('No live routes yet.');
    else
      this.log(
        renderTable(routes, [
          { header: 'agent', get: (r) => r.agent, shrinkable: true },
          { header: 'env', get: (r) => r.environment },
          { header: 'canister', get: (r) => r.canisterId },
          { header: 'since', get: (r) => r.since, shrinkable: true },
        ]),
      );
    return { routes };
  }
}
