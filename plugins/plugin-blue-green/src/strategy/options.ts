import { ExitCode, SoulrecallError, type PromotionContext } from '@soulrecall/core';
import type { JsonObject } from '@soulrecall/history-store';

/** The blue-green flags of `promote`, as plugin-promotion passes them in `context.options`. */
export interface BlueGreenOptions {
  /** `fresh`: green starts with empty memories (the only state mode this version has). */
  state: 'fresh' | null;
  verifyCmd: string | null;
  noSwitch: boolean;
  stopBlue: boolean;
  decommission: boolean;
  keepFailed: boolean;
}

export function parseBlueGreenOptions(options: JsonObject): BlueGreenOptions {
  const parsed: BlueGreenOptions = {
    state: options.state === 'fresh' ? 'fresh' : null,
    verifyCmd: typeof options.verifyCmd === 'string' && options.verifyCmd.trim() !== '' ? options.verifyCmd : null,
    noSwitch: options.noSwitch === true,
    stopBlue: options.stopBlue === true,
    decommission: options.decommission === true,
    keepFailed: options.keepFailed === true,
  };
  if (parsed.noSwitch && (parsed.stopBlue || parsed.decommission)) {
    throw new SoulrecallError(`--no-switch keeps blue live, so ${parsed.decommission ? '--decommission' : '--stop-blue'} cannot apply.`, {
      code: 'FLAGS_CONFLICT',
      exitCode: ExitCode.Usage,
      hint: 'Leave out --no-switch to switch automatically, or retire blue later with `soulrecall bluegreen finish`.',
    });
  }
  return parsed;
}

/**
 * An agent's memories live in its canister and this version does not copy them into green, so
 * a blue-green promotion over a live canister needs the user to accept an empty green.
 */
export function requireFreshState(options: BlueGreenOptions, context: Pick<PromotionContext, 'agent' | 'to' | 'targetCanisterId'>): void {
  if (options.state === 'fresh') return;
  throw new SoulrecallError(
    `A blue-green promotion builds a new canister, and ${context.agent.name}'s memories live in its live canister ${context.targetCanisterId} in ${context.to.name}: they are not copied, so green would start with empty memories.`,
    {
      code: 'STATE_NOT_COPIED',
      exitCode: ExitCode.Usage,
      hint: 'Pass --state fresh to accept a green without memories, or promote without --blue-green: the in-place strategy upgrades the live canister and keeps them.',
    },
  );
}
