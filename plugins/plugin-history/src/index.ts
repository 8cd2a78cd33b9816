/** The npm name users install this plugin by (`soulrecall plugins install ...`). */
export const PLUGIN_NAME = '@soulrecall/plugin-history';

export type * from './results.js';
export type { HistorySource } from './services/history-source.js';
export { listPromotions, DEFAULT_PROMOTION_LIMIT, type PromotionListQuery } from './services/promotion-list.js';
export { showPromotion } from './services/promotion-detail.js';
export { historyTimeline, DEFAULT_HISTORY_LIMIT, type HistoryQuery } from './services/timeline.js';
