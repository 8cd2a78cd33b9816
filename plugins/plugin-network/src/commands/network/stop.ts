import { SoulrecallCommand } from '@soulrecall/core';
import { stopNetwork } from '@soulrecall/devnet';
import { findNetwork, networkFlags } from '../../network-flags.js';

export interface NetworkStopResult {
  stopped: true;
  pid: number;
  port: number;
  stateDir: string;
}

export default class NetworkStop extends SoulrecallCommand<NetworkStopResult> {
  static override summary = 'Stop a local network started with `network start`.';
  static override description =
    'Finds the network running on --port, whatever state directory it was started with (or by the pid file of --state-dir), sends it SIGTERM and waits until it has saved its state and exited. ' +
    'A pid file left by a process that is gone is removed and reported.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 4944',
    '<%= config.bin %> <%= command.id %> --state-dir ./.devnet --json',
  ];
  static override flags = { ...networkFlags };

  public async run(): Promise<NetworkStopResult> {
    const { flags } = await this.parse(NetworkStop);
    const { stateDir } = await findNetwork(flags);
    const info = await stopNetwork(stateDir, flags['state-dir'] === undefined ? flags.port : undefined);
    this.progress(`Stopped the network on port ${info.port || flags.port} (pid ${info.pid}).`);
    return { stopped: true, pid: info.pid, port: info.port || flags.port, stateDir };
  }
}
