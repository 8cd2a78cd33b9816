/** The npm name users install this plugin by (`soulrecall plugins install ...`). */
export const PLUGIN_NAME = '@soulrecall/plugin-promotion';

export { PromotionEngine, requirePromotion } from './engine/engine.js';
export type { EngineDependencies, PromoteRequest, PromoteResult, PromoteStatus } from './engine/types.js';
export { resolvePromotionRoute, type PromotionRoute } from './engine/request.js';
export { createPromotionEngine } from './engine/wiring.js';
export { InPlaceStrategy } from './strategies/in-place.js';
