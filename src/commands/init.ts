import { Flags } from '@oclif/core';
import {
  confirmOrRefuse,
  INIT_SOURCES,
  initProject,
  type InitResult,
  shortHash,
  SoulrecallCommand,
  yesFlag,
} from '@soulrecall/core';

export default class Init extends SoulrecallCommand<InitResult> {
  static override summary = 'Write soulrecall.yaml from a dfx or icp-cli project, adopting its canister ids.';
  static override description = `Reads dfx.json (canisters → agents with the module dfx builds and their candid; dfx's local and ic networks and the project's own → environments) or icp.yaml (canisters, networks, environments, the implicit local and ic ones included), writes soulrecall.yaml (pipeline: local first, ic last and protected), then takes into the history every canister id the project's tool kept: canister_ids.json, .dfx/<network>/canister_ids.json, .icp/{data,cache}/mappings/<env>.ids.json. Each canister is recorded with the module it runs on chain (a succeeded deployment) and becomes its agent's live canister in that environment; when the project's built module is that module, its bytes are kept so it can be promoted. A network that does not answer only leaves its canisters' module unknown (a warning).

With neither file, init writes a three-stage pipeline (local → staging → production). An existing soulrecall.yaml is replaced only with --force, or after asking on a terminal; without a terminal (or with --yes) init refuses and writes nothing (exit 10).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --yes --json',
    '<%= config.bin %> <%= command.id %> --from icp --force',
  ];
  static override flags = {
    from: Flags.option({
      summary: 'Read this project file when the folder has both dfx.json and icp.yaml.',
      options: INIT_SOURCES,
    })(),
    force: Flags.boolean({ summary: 'Replace an existing soulrecall.yaml without asking.', default: false }),
    yes: yesFlag('Ask nothing (an existing soulrecall.yaml is then kept unless --force).'),
  };

  public async run(): Promise<InitResult> {
    const { flags } = await this.parse(Init);
    const result = await initProject(
      {
        root: process.cwd(),
        from: flags.from,
        existing: flags.force ? 'replace' : flags.yes ? 'refuse' : 'ask',
        dataDir: this.dataDir(),
      },
      {
        confirm: (question) => confirmOrRefuse({ yes: false, question, flag: '--force' }),
        progress: (message) => this.progress(message),
      },
    );
    this.log(
      result.source
        ? `Read ${result.source}: ${result.agents.length} agent(s), environments ${result.pipeline.join(' → ')}.`
        : `No dfx.json or icp.yaml here: the default pipeline ${result.pipeline.join(' → ')}.`,
    );
    this.log(`${result.replaced ? 'Replaced' : 'Wrote'} ${result.file}.`);
    for (const canister of result.adopted) {
      const module = canister.moduleSha256
        ? `module ${shortHash(canister.moduleSha256)}${canister.moduleStored ? '' : ' (its bytes are not in the project: promote it with -w)'}`
        : canister.reachable
          ? 'no module installed'
          : 'module unknown (network unreachable)';
      this.log(
        `${canister.outcome === 'known' ? 'Already known' : 'Adopted'}: ${canister.agent} in ${canister.environment}, ${canister.canisterId} (from ${canister.from}), ${module}${canister.live ? ', live' : ''}.`,
      );
    }
    for (const warning of result.warnings) this.progress(`Warning: ${warning}`);
    return result;
  }
}
