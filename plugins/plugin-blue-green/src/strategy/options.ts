import { SoulrecallError } from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';

/** What green starts with: blue's state (`copy`, the default) or nothing (`fresh`). */
export type StateMode = 'copy' | 'fresh';
export const STATE_MODES: readonly StateMode[] = ['copy', 'fresh'];

/** The blue-green flags of `promote`, as plugin-promotion passes them in `context.options`. */
export interface BlueGreenOptions {
  state: StateMode;
  verifyCmd: string | null;
  noSwitch: boolean;
  stopBlue: boolean;
  decommission: boolean;
  keepFailed: boolean;
}

export function parseBlueGreenOptions(options: JsonObject): BlueGreenOptions {
  const state = options.state === null || options.state === undefined ? 'copy' : options.state;
  if (state !== 'copy' && state !== 'fresh') {
    throw new SoulrecallError(`Unknown --state "${String(state)}".`, {
      code: 'INVALID_STATE_MODE',
      hint: "Use --state copy (the default: green gets blue's memories) or --state fresh (green starts empty).",
    });
  }
  const parsed: BlueGreenOptions = {
    state,
    verifyCmd: typeof options.verifyCmd === 'string' && options.verifyCmd.trim() !== '' ? options.verifyCmd : null,
    noSwitch: options.noSwitch === true,
    stopBlue: options.stopBlue === true,
    decommission: options.decommission === true,
    keepFailed: options.keepFailed === true,
  };
  if (parsed.noSwitch && (parsed.stopBlue || parsed.decommission)) {
    throw new SoulrecallError(
      `--no-switch keeps blue live, so ${parsed.decommission ? '--decommission' : '--stop-blue'} cannot apply.`,
      {
        code: 'FLAGS_CONFLICT',
        hint: 'Leave out --no-switch to switch automatically, or retire blue later with `soulrecall bluegreen finish`.',
      },
    );
  }
  return parsed;
}
