import path from 'node:path';
import { Flags } from '@oclif/core';
import { dataDir } from '@soulrecall/core';
import { locateNetwork, type NetworkLocation } from '@soulrecall/devnet';

export const DEFAULT_PORT = 4943;

/** Flags every `network` command shares. */
export const networkFlags = {
  port: Flags.integer({
    summary: 'Port of the network (0 picks a free one when starting).',
    default: DEFAULT_PORT,
    min: 0,
    max: 65535,
  }),
  'state-dir': Flags.string({
    summary:
      'Where the network keeps its state (default: <data dir>/networks/<port>); status and stop find a running network by --port alone.',
  }),
};

/** A network's state directory: the one given, else one per port under the data directory. */
export function stateDirFor(port: number, given: string | undefined): string {
  return given ? path.resolve(given) : path.join(dataDir(), 'networks', String(port));
}

/**
 * The network `status` and `stop` mean: by --state-dir when given, else the one running on --port, whatever its state
 * directory.
 */
export function findNetwork(flags: { port: number; 'state-dir'?: string }): Promise<NetworkLocation> {
  return locateNetwork({
    port: flags.port,
    stateDir: flags['state-dir'],
    defaultStateDir: stateDirFor(flags.port, undefined),
  });
}
