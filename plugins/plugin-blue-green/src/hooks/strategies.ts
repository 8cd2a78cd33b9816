import type { Hook } from '@oclif/core';
import type {} from '@soulrecall/core'; // core's typing of the hook events
import { BlueGreenStrategy } from '../strategy/blue-green.js';

/** `promote:strategies`: plugin-blue-green provides `blue-green` (what `promote --blue-green` selects). */
const strategies: Hook<'promote:strategies'> = async function () {
  return [new BlueGreenStrategy()];
};

export default strategies;
