/** The npm name users install this plugin by (`soulrecall plugins install ...`). */
export const PLUGIN_NAME = '@soulrecall/plugin-blue-green';

export { BlueGreenStrategy } from './strategy/blue-green.js';
export { parseBlueGreenOptions, STATE_MODES, type BlueGreenOptions, type StateMode } from './strategy/options.js';
export { nextCommands } from './strategy/next-commands.js';
export {
  runVerifyCommand,
  describeVerifyFailure,
  type VerifyCommandInput,
  type VerifyCommandOutcome,
} from './strategy/verify-command.js';
export { readPair, type ColourPair, type Colour } from './services/pair.js';
export {
  blueGreenStatus,
  switchColour,
  finishBlueGreen,
  abortGreen,
  type BlueGreenStatus,
  type ColourStatus,
  type SwitchResult,
  type FinishResult,
  type AbortGreenResult,
} from './services/bluegreen.js';
