import { ExitCode, SoulrecallCommand } from '@soulrecall/core';
import { networkStatus, type NetworkLocation, type NetworkStatus } from '@soulrecall/devnet';
import { findNetwork, networkFlags } from '../../network-flags.js';

export type NetworkStatusResult = NetworkStatus & Pick<NetworkLocation, 'foundBy'>;

export default class NetworkStatusCommand extends SoulrecallCommand<NetworkStatusResult> {
  static override summary = 'Show whether a local network is running and answering.';
  static override description =
    "Finds the network running on --port, whatever state directory it was started with (it names its own when asked), or by the pid file of --state-dir or of the port's default state directory; then asks it for /api/v2/status. " +
    `Exit code ${ExitCode.Success} when it runs and answers, ${ExitCode.Unreachable} when it is not running, ${ExitCode.Unhealthy} when its process runs but does not answer.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 4944 --json',
  ];
  static override flags = { ...networkFlags };

  public async run(): Promise<NetworkStatusResult> {
    const { flags } = await this.parse(NetworkStatusCommand);
    const location = await findNetwork(flags);
    const status: NetworkStatusResult = {
      ...(await networkStatus(location.stateDir, flags.port)),
      foundBy: location.foundBy,
    };
    if (status.running && status.healthy) {
      this.log(`running at ${status.url} (pid ${status.pid}, since ${status.startedAt}, state in ${status.stateDir})`);
    } else if (status.running) {
      this.log(`process ${status.pid} runs but the network does not answer`);
      process.exitCode = ExitCode.Unhealthy;
    } else {
      this.log(status.stalePidFile ? `not running (stale pid file of process ${status.pid})` : 'not running');
      process.exitCode = ExitCode.Unreachable;
    }
    this.verbose(`state directory: ${status.stateDir}`);
    return status;
  }
}
