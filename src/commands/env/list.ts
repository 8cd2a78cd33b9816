import { environmentsInPipelineOrder, renderTable, SoulrecallCommand, type EnvironmentConfig } from '@soulrecall/core';

/** An environment as soulrecall.yaml resolved it, with its place in the pipeline. */
export interface EnvironmentListEntry extends Pick<
  EnvironmentConfig,
  'name' | 'network' | 'networkKind' | 'networkUrl' | 'rootKey' | 'aliases' | 'protected'
> {
  /** Position in the pipeline (1 = first), or null for an environment outside it. */
  stage: number | null;
  /** The identity used in this environment, or null for the default one. */
  identity: string | null;
}

export interface EnvironmentListResult {
  configFile: string;
  pipeline: string[];
  environments: EnvironmentListEntry[];
}

export default class EnvList extends SoulrecallCommand<EnvironmentListResult> {
  static override summary = 'List the environments of the pipeline with their resolved networks.';
  static override description =
    'Reads soulrecall.yaml and shows each environment in promotion order: the network URL soulrecall talks to, where the root key comes from, aliases, whether it is protected, and the identity used.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --config ./deploy/soulrecall.yaml',
  ];

  public async run(): Promise<EnvironmentListResult> {
    await this.parse(EnvList);
    const config = this.projectConfig();
    const environments = environmentsInPipelineOrder(config).map((environment): EnvironmentListEntry => {
      const index = config.pipeline.indexOf(environment.name);
      return {
        name: environment.name,
        stage: index === -1 ? null : index + 1,
        network: environment.network,
        networkKind: environment.networkKind,
        networkUrl: environment.networkUrl,
        rootKey: environment.rootKey,
        aliases: environment.aliases,
        protected: environment.protected,
        identity: environment.identity ?? null,
      };
    });
    this.log(
      renderTable(environments, [
        { header: 'stage', get: (e) => (e.stage === null ? '-' : String(e.stage)) },
        { header: 'name', get: (e) => e.name },
        { header: 'network', get: (e) => e.networkUrl, shrinkable: true },
        { header: 'aliases', get: (e) => e.aliases.join(',') || '-', shrinkable: true },
        { header: 'protected', get: (e) => (e.protected ? 'yes' : 'no') },
        { header: 'identity', get: (e) => e.identity ?? 'default', shrinkable: true },
      ]),
    );
    return { configFile: config.file, pipeline: config.pipeline, environments };
  }
}
