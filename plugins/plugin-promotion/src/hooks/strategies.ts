import type { Hook } from '@oclif/core';
import type { PromotionStrategy } from '@soulrecall/core';
import { InPlaceStrategy } from '../strategies/in-place.js';

/** `promote:strategies`: plugin-promotion provides `in-place`. */
const hook: Hook<'promote:strategies'> = async function (): Promise<PromotionStrategy[]> {
  return [new InPlaceStrategy()];
};

export default hook;

declare module '@oclif/core' {
  interface Hooks {
    'promote:strategies': { options: Record<string, never>; return: PromotionStrategy[] };
  }
}
