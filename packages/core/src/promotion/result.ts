import type { JsonObject } from '@soulrecall/history-store';

export type PromoteStatus = 'succeeded' | 'unchanged' | 'dry-run' | 'recorded' | 'aborted';

/**
 * The result of `promote`, `promote resume` and `promote abort`; also their --json output.
 * It lives in core, not in plugin-promotion, because it is part of the `promote:after` payload
 * that any plugin may type against without depending on plugin-promotion.
 */
export interface PromoteResult {
  status: PromoteStatus;
  promotionId: string | null;
  agent: string;
  from: string;
  to: string;
  strategy: string;
  module: { sha256: string; size: number; origin: 'source-deployment' | 'file'; path: string | null };
  sourceDeployment: { id: number; version: number; canisterId: string } | null;
  targetCanisterId: string | null;
  targetDeployment: { id: number; version: number } | null;
  routeBefore: string | null;
  routeAfter: string | null;
  /** The steps (journal, or the plan with --dry-run). */
  steps: Array<{ name: string; status: string; description?: string; detail?: unknown }>;
  notes: string[];
  detail: JsonObject;
}
