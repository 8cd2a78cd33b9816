import { Args, Flags } from '@oclif/core';
import { SoulrecallCommand, SoulrecallError, yesFlag } from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';
import type { PromoteResult } from '../../engine/engine.js';
import { createPromotionEngine } from '../../engine/wiring.js';
import { renderPromoteResult } from '../../render.js';
import { runInterruptible } from '../../progress/interruptible.js';
import { StepProgress } from '../../progress/step-progress.js';

/** Subcommands other plugins provide; without them `promote list x` must not promote an agent called "list". */
const HISTORY_SUBCOMMANDS = ['list', 'show'];

export default class Promote extends SoulrecallCommand<PromoteResult> {
  static override summary = 'Promote what runs in one environment to the next.';
  static override description = `Moves exactly the module that was tested in the source environment (its live deployment, read back from the artifact store by hash) into the target environment. Every step is journaled before and after it happens: if the terminal dies, \`promote resume <id>\` continues and \`promote abort <id>\` undoes.

Strategies: in-place (default) upgrades the target's live canister, keeping its memories, with a snapshot taken first and restored automatically if the new version is unhealthy. --blue-green builds a new canister beside the live one and switches to it once healthy (plugin @soulrecall/plugin-blue-green): by default it copies the live canister's memories into the new one (a rehearsal while the old one serves, then a short measured write pause at the cut-over); --state fresh starts it empty.

--to defaults to the stage after --from in the pipeline; with neither, the last hop (staging → production).`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> my-agent --from local --to staging',
    '<%= config.bin %> <%= command.id %> my-agent -f staging -t prod --yes',
    '<%= config.bin %> <%= command.id %> my-agent -f staging -t prod -w ./dist/agent.wasm',
    '<%= config.bin %> <%= command.id %> my-agent --from staging --to prod --blue-green',
    '<%= config.bin %> <%= command.id %> my-agent --blue-green --no-switch',
    '<%= config.bin %> <%= command.id %> my-agent -f staging -t prod --dry-run',
  ];

  static override args = {
    agent: Args.string({
      description: 'Agent to promote (as named under `agents:` in soulrecall.yaml).',
      required: true,
    }),
  };

  static override flags = {
    from: Flags.string({ char: 'f', summary: 'Source environment (name or alias).' }),
    to: Flags.string({ char: 't', summary: 'Target environment (name or alias); default: the stage after --from.' }),
    'target-canister': Flags.string({
      summary: 'Upgrade this canister in the target (you must control it; adopted if unknown).',
    }),
    'blue-green': Flags.boolean({
      summary: 'Use the blue-green strategy (same as --strategy blue-green).',
      exclusive: ['strategy'],
    }),
    strategy: Flags.string({ summary: 'Promotion strategy provided by an installed plugin.', default: 'in-place' }),
    'wasm-path': Flags.string({
      char: 'w',
      summary: "Promote this module file instead of the source environment's (asks for --yes if it differs).",
    }),
    'skip-deploy': Flags.boolean({
      summary: 'Record the promotion and the target deployment without touching any network.',
    }),
    'dry-run': Flags.boolean({
      summary: 'Print the plan (steps, canisters, module hashes, snapshot) and change nothing.',
    }),
    yes: yesFlag('Confirm without asking (protected environments, modules not from the source).'),
    force: Flags.boolean({
      summary: 'Promote despite drift in the source, or when the target already runs the module (recorded).',
    }),
    state: Flags.option({
      summary:
        "Blue-green: what the new canister starts with: the live canister's memories (copy, default) or nothing (fresh).",
      options: ['copy', 'fresh'] as const,
      helpGroup: 'BLUE-GREEN',
    })(),
    'verify-cmd': Flags.string({
      summary: 'Blue-green: shell command that must exit 0 before the switch.',
      helpGroup: 'BLUE-GREEN',
    }),
    'no-switch': Flags.boolean({
      summary: 'Blue-green: stop after verification and print the next commands.',
      helpGroup: 'BLUE-GREEN',
    }),
    'stop-blue': Flags.boolean({
      summary:
        'Blue-green with --state fresh: stop the old canister after the switch (with copy it always stays stopped).',
      helpGroup: 'BLUE-GREEN',
    }),
    decommission: Flags.boolean({
      summary: 'Blue-green: delete the old canister right after a successful switch.',
      helpGroup: 'BLUE-GREEN',
    }),
    'keep-failed': Flags.boolean({
      summary: 'Blue-green: keep a green canister that failed verification.',
      helpGroup: 'BLUE-GREEN',
    }),
  };

  public async run(): Promise<PromoteResult> {
    // Checked before parsing: `promote list x` has one argument too many and would fail as a usage error.
    const subcommand = this.argv[0];
    if (subcommand !== undefined && HISTORY_SUBCOMMANDS.includes(subcommand)) {
      throw new SoulrecallError(
        `\`soulrecall promote ${subcommand}\` needs the history plugin, which is not installed.`,
        {
          code: 'PLUGIN_MISSING',
          hint: 'Install it with `soulrecall plugins install @soulrecall/plugin-history` (to promote an agent really named that, rename it).',
        },
      );
    }
    const { args, flags } = await this.parse(Promote);
    const session = this.session();
    const strategyOptions: JsonObject = {
      state: flags.state ?? null,
      verifyCmd: flags['verify-cmd'] ?? null,
      noSwitch: flags['no-switch'],
      stopBlue: flags['stop-blue'],
      decommission: flags.decommission,
      keepFailed: flags['keep-failed'],
    };
    const progress = new StepProgress(StepProgress.modeFor(this.jsonEnabled()));
    const engine = await createPromotionEngine(this.config, session, {
      progress: (message) => this.verbose(message),
      onStep: progress.onStep,
      onPlan: progress.onPlan,
    });
    const result = await runInterruptible(engine, progress, () =>
      engine.promote({
        agent: args.agent,
        from: flags.from,
        to: flags.to,
        strategy: flags['blue-green'] ? 'blue-green' : flags.strategy,
        targetCanister: flags['target-canister'],
        wasmPath: flags['wasm-path'],
        skipDeploy: flags['skip-deploy'],
        dryRun: flags['dry-run'],
        yes: flags.yes,
        force: flags.force,
        strategyOptions,
      }),
    );
    this.log(renderPromoteResult(result));
    return result;
  }
}
