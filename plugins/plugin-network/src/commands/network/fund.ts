import { Args, Flags } from '@oclif/core';
import { ExitCode, SoulrecallCommand } from '@soulrecall/core';
import { fundRunningNetwork, parseCyclesAmount, type FundResult } from '@soulrecall/devnet';
import { findNetwork, networkFlags } from '../../network-flags.js';

export type NetworkFundResult = FundResult;

export default class NetworkFund extends SoulrecallCommand<NetworkFundResult> {
  static override summary = "Give a principal cycles on the local network's cycles ledger.";
  static override description =
    "The embedded network's faucet: mints cycles into the principal's account on the cycles ledger (um5iw-rqaaa-aaaaq-qaaba-cai), " +
    "from which icp-cli, dfx and soulrecall's mainnet path pay for canisters. `network start` funds soulrecall's default identity already. " +
    `Exit code ${ExitCode.Usage} for a bad --amount, ${ExitCode.InvalidInput} for something that is not a principal, ${ExitCode.NotFound} when no network runs on --port.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 2vxsx-fae',
    '<%= config.bin %> <%= command.id %> $(icp identity principal) --amount 500t',
    '<%= config.bin %> <%= command.id %> 2vxsx-fae --port 4944 --amount 2500000000000 --json',
  ];
  static override args = {
    principal: Args.string({ description: 'The principal to fund (a user or a canister).', required: true }),
  };
  static override flags = {
    ...networkFlags,
    amount: Flags.string({ summary: 'Cycles to give: digits with an optional k, m, b or t suffix.', default: '100t' }),
  };

  public async run(): Promise<NetworkFundResult> {
    const { args, flags } = await this.parse(NetworkFund);
    const cycles = parseCyclesAmount(flags.amount);
    const location = await findNetwork(flags);
    const result = await fundRunningNetwork(location.stateDir, flags.port, args.principal, cycles);
    this.log(
      `Funded ${result.principal} with ${result.cycles} cycles; its cycles-ledger balance is ${result.balance}.`,
    );
    return result;
  }
}
