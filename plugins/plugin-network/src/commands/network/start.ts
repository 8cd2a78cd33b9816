import { Flags } from '@oclif/core';
import { identityPrincipal, SoulrecallCommand } from '@soulrecall/core';
import { runNetwork, startNetworkInBackground } from '@soulrecall/devnet';
import { networkFlags, stateDirFor } from '../../network-flags.js';

export interface NetworkStartResult {
  url: string;
  port: number;
  pid: number;
  stateDir: string;
  background: boolean;
  /** soulrecall's selected identity, funded on the cycles ledger at start. */
  fundedPrincipal: string;
}

export default class NetworkStart extends SoulrecallCommand<NetworkStartResult> {
  static override summary = 'Start the embedded local Internet Computer network.';
  static override description =
    'Runs a local IC network (@soulrecall/devnet) that @dfinity/agent talks to with full certificate and signature verification. ' +
    'In the foreground it runs until Ctrl-C; with --background it starts a detached process, waits until the network answers and returns. ' +
    'State (root key, canisters and their memory) is kept in the state directory and survives restarts; --clean starts afresh. ' +
    'Several networks can run side by side on different ports. ' +
    "soulrecall's selected identity starts with 100 T cycles on the network's cycles ledger (topped up at each start); `network fund` gives any principal more.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --background',
    '<%= config.bin %> <%= command.id %> --port 4944 --background --clean',
    '<%= config.bin %> <%= command.id %> --background --json',
  ];
  static override flags = {
    ...networkFlags,
    background: Flags.boolean({
      summary: 'Start a detached network process and return once it answers.',
      default: false,
    }),
    clean: Flags.boolean({ summary: 'Delete the state directory first (new root key, no canisters).', default: false }),
  };

  public async run(): Promise<NetworkStartResult> {
    const { flags } = await this.parse(NetworkStart);
    const stateDir = stateDirFor(flags.port, flags['state-dir']);
    // The identity soulrecall deploys with can pay for canisters the mainnet way (through the cycles ledger) from the
    // start.
    const fundedPrincipal = (await identityPrincipal(this.session({ requireConfig: false }))).principal;
    const options = { port: flags.port, stateDir, clean: flags.clean, fundedPrincipals: [fundedPrincipal] };
    if (flags.background) {
      const info = await startNetworkInBackground(options);
      this.progress(`Network running in the background at ${info.url} (pid ${info.pid}, state in ${stateDir}).`);
      // The port alone finds it again, whatever the state directory (`network stop` asks the port).
      this.progress(`Stop it with: ${this.config.bin} network stop --port ${info.port}`);
      return { url: info.url, port: info.port, pid: info.pid, stateDir, background: true, fundedPrincipal };
    }
    const network = await runNetwork(options);
    const result = {
      url: network.devnet.url,
      port: network.devnet.port,
      pid: process.pid,
      stateDir,
      background: false,
      fundedPrincipal,
    };
    this.progress(`Network listening at ${result.url} (state in ${stateDir}). Press Ctrl-C to stop.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    this.progress('Stopping the network…');
    await network.stop();
    return result;
  }
}
