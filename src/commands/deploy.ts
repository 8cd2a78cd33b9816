import { Args, Flags } from '@oclif/core';
import {
  confirmOrRefuse,
  deploy,
  DEPLOY_MODES,
  type DeployResult,
  environmentFlag,
  pauseAfterStep,
  shortHash,
  SoulrecallCommand,
  yesFlag,
} from '@soulrecall/core';

export default class Deploy extends SoulrecallCommand<DeployResult> {
  static override summary = 'Install or upgrade an agent in an environment, recording a deployment.';
  static override description = `Takes the agent's module (-w, or agents.<name>.wasm in soulrecall.yaml), keeps it in the artifact store, creates the agent's canister in that environment if it has none, snapshots an existing canister before changing it, installs (chunked when large), runs the health check (the agent's health.method; without one: running with the new module) and records the deployment as version N. The first canister of an environment becomes its live route.

If the canister is unhealthy after an upgrade, the snapshot is restored automatically, the deployment is recorded as rolled back and the command exits with code 12. --mode reinstall on a canister with state, and any deploy to a protected environment, ask for confirmation (or --yes; without a terminal they refuse).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> my-agent -e local',
    '<%= config.bin %> <%= command.id %> my-agent -e staging -w dist/agent-v2.wasm --json',
    '<%= config.bin %> <%= command.id %> my-agent -e prod --mode upgrade --yes',
    '<%= config.bin %> <%= command.id %> my-agent -e local --canister rrkah-fqaaa-aaaaa-aaaaq-cai --mode reinstall --yes',
  ];
  static override args = {
    agent: Args.string({ description: 'Agent name (from soulrecall.yaml).', required: true }),
  };
  static override flags = {
    env: environmentFlag('Environment (name or alias) to deploy to.', { required: true }),
    wasm: Flags.string({
      char: 'w',
      aliases: ['wasm-path'],
      summary: "Module to deploy; default: the agent's wasm in soulrecall.yaml.",
    }),
    mode: Flags.option({
      summary: 'auto: install into an empty canister, else upgrade (keeps memory); reinstall erases memory.',
      options: DEPLOY_MODES,
      default: 'auto',
    })(),
    canister: Flags.string({
      summary:
        "Deploy to this canister instead of the environment's live one (adopted if soulrecall does not know it yet).",
    }),
    yes: yesFlag('Do not ask for confirmation (protected environment, reinstall).'),
  };

  public async run(): Promise<DeployResult> {
    const { args, flags } = await this.parse(Deploy);
    const result = await deploy(
      this.session(),
      { agent: args.agent, environment: flags.env, wasmPath: flags.wasm, mode: flags.mode, canisterId: flags.canister },
      {
        confirm: (question) => confirmOrRefuse({ yes: flags.yes, question }),
        progress: (message) => this.progress(message),
        afterStep: pauseAfterStep(process.env.SOULRECALL_PAUSE_AFTER_STEP),
      },
    );
    this.log(
      `Deployed ${result.agent} version ${result.version} to ${result.environment}: canister ${result.canisterId}${result.created ? ' (created)' : ''}, ${result.mode}, module ${shortHash(result.moduleSha256)}.`,
    );
    if (result.snapshot) this.log(`Snapshot before the upgrade: ${result.snapshot.backupId}.`);
    this.log(`Healthy${result.live ? '; this canister is the live route' : ''}.`);
    return result;
  }
}
