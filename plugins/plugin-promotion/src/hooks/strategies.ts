import type { Hook } from '@oclif/core';
import type { PromotionStrategy } from '@soulrecall/core'; // also brings core's typing of the hook events
import { InPlaceStrategy } from '../strategies/in-place.js';

/** `promote:strategies`: plugin-promotion provides `in-place`. */
const hook: Hook<'promote:strategies'> = async function (): Promise<PromotionStrategy[]> {
  return [new InPlaceStrategy()];
};

export default hook;
