import { Args, Flags } from '@oclif/core';
import {
  canisterHealth,
  type CanisterHealthVerdict,
  environmentFlag,
  SoulrecallCommand,
  SoulrecallError,
} from '@soulrecall/core';

// cycles is a bigint in the verdict; JSON has no bigint, so it goes out as a decimal string.
export type HealthResult = Omit<CanisterHealthVerdict, 'cycles'> & { cycles?: string };

export default class Health extends SoulrecallCommand<HealthResult> {
  static override summary = 'Check whether a canister is healthy.';
  static override description = `Healthy means: the network answered, code is installed, the canister is running and, when the agent has a health method (agents.<name>.health.method, or --method), its reply says healthy.

Exit codes: 0 healthy, 8 unhealthy (the reasons are printed, and in --json under error.details.verdict), 6 network unreachable or not answering as an IC network.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --network staging --method health --json',
  ];
  static override args = {
    canisterId: Args.string({ description: 'Canister id (a principal).', required: true }),
  };
  static override flags = {
    env: environmentFlag(
      'Environment (name or alias) of the canister, or a network: ic, local or a URL; default: where the store recorded it.',
    ),
    method: Flags.string({
      summary: "Query method whose reply says healthy; default: the agent's configured health method.",
    }),
  };

  public async run(): Promise<HealthResult> {
    const { args, flags } = await this.parse(Health);
    const verdict = await canisterHealth(this.session({ requireConfig: false }), args.canisterId, {
      network: flags.env,
      method: flags.method,
    });
    const result: HealthResult = { ...verdict, cycles: verdict.cycles?.toString() };
    if (!verdict.reachable) {
      // The network's own failure (unreachable, HTTP error, a reply that is not the IC's) keeps its code and hint.
      const failure = verdict.networkError;
      const how =
        failure === undefined || failure.code === 'NETWORK_UNREACHABLE' ? 'did not answer' : 'gave no usable answer';
      throw new SoulrecallError(
        `The network of canister ${verdict.canisterId} ${how}: ${failure?.message ?? verdict.problems.join('; ')}.`,
        {
          code: failure?.code ?? 'NETWORK_UNREACHABLE',
          hint: failure?.hint ?? 'Check the network (soulrecall status --network <env>).',
          details: { verdict: result },
        },
      );
    }
    if (!verdict.healthy) {
      throw new SoulrecallError(`Canister ${verdict.canisterId} is unhealthy: ${verdict.problems.join('; ')}.`, {
        code: 'UNHEALTHY',
        hint: 'See soulrecall logs and soulrecall status for the canister; soulrecall rollback goes back to the previous version.',
        details: { verdict: result },
      });
    }
    this.log(
      `healthy: ${verdict.canisterId} (${verdict.environment}) is ${verdict.status}${verdict.method ? `, ${verdict.method.name}: ${verdict.method.reason}` : ''}`,
    );
    return result;
  }
}
