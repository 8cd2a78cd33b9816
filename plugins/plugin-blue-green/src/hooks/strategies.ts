import type { PromotionStrategy } from '@soulrecall/core';
import { BlueGreenStrategy } from '../strategy/blue-green.js';

/** `promote:strategies`: plugin-blue-green provides `blue-green` (what `promote --blue-green` selects). */
export default async function strategies(): Promise<PromotionStrategy[]> {
  return [new BlueGreenStrategy()];
}
