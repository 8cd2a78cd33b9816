import type { Actor, Deployment, PromotionStatus, PromotionSummary } from '@soulrecall/history-store';
import type { PromotionListEntry, PromotionListResult } from '../results.js';
import { projectScopes, requireKnownAgent, resolveEnvironmentFilter } from './filters.js';
import type { HistorySource } from './history-source.js';

export interface PromotionListQuery {
  agent: string;
  /** Name or alias; matches either end of a promotion. */
  environment?: string;
  status?: PromotionStatus;
  limit?: number;
  /** Every project in the store (`--all-projects`; always outside a project). */
  allProjects?: boolean;
}

export const DEFAULT_PROMOTION_LIMIT = 20;

/**
 * `promote list`: the agent's promotions, newest first. An agent nobody knows is an error, an agent without promotions
 * is not.
 */
export function listPromotions(source: HistorySource, query: PromotionListQuery): PromotionListResult {
  const scopes = projectScopes(source, query.allProjects);
  const environment = resolveEnvironmentFilter(source, query.environment, scopes);
  const limit = query.limit ?? DEFAULT_PROMOTION_LIMIT;
  const entries = scopes
    .flatMap((scope) => {
      const summaries = scope.store.promotions.list({ agent: query.agent, environment, status: query.status, limit });
      const deployments = new Map<number, Deployment | null>();
      const deployment = (id: number | null) => {
        if (id === null) return null;
        if (!deployments.has(id)) deployments.set(id, scope.store.deployments.get(id));
        return deployments.get(id)!;
      };
      return summaries.map((summary) =>
        toListEntry(summary, deployment(summary.sourceDeploymentId), deployment(summary.targetDeploymentId)),
      );
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit);
  if (entries.length === 0) requireKnownAgent(source, query.agent, scopes);
  return {
    project: scopes.length === 1 && source.config ? source.store.project : null,
    agent: query.agent,
    environment: environment ?? null,
    status: query.status ?? null,
    promotions: entries,
  };
}

/** The row shared by `promote list` and `promote show`. */
export function toListEntry(
  summary: PromotionSummary,
  sourceDeployment: Deployment | null,
  targetDeployment: Deployment | null,
): PromotionListEntry {
  return {
    id: summary.id,
    project: summary.project,
    agent: summary.agent,
    fromEnvironment: summary.fromEnvironment,
    toEnvironment: summary.toEnvironment,
    strategy: summary.strategy,
    status: summary.status,
    version: targetDeployment?.version ?? null,
    sourceVersion: sourceDeployment?.version ?? null,
    moduleSha256: promotedModule(summary, sourceDeployment, targetDeployment),
    targetCanisterId: summary.targetCanisterId,
    by: whoOf(summary, targetDeployment),
    createdAt: summary.createdAt,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    durationMs: durationMs(summary.startedAt, summary.finishedAt),
    writePauseMs: summary.writePauseMs,
    error: summary.error,
  };
}

/**
 * Who ran it. The promotion records the OS user and host; the IC principal is recorded on the
 * deployments it made (signed by the target environment's identity), so fall back to that one.
 */
function whoOf(summary: PromotionSummary, targetDeployment: Deployment | null): Actor {
  return { ...summary.by, principal: summary.by.principal ?? targetDeployment?.by.principal ?? null };
}

/** The engine records the module it promotes in its options; older or foreign records fall back to the deployments. */
function promotedModule(
  summary: PromotionSummary,
  sourceDeployment: Deployment | null,
  targetDeployment: Deployment | null,
): string | null {
  const recorded = summary.options.moduleSha256;
  if (typeof recorded === 'string' && recorded.length > 0) return recorded;
  return targetDeployment?.moduleSha256 ?? sourceDeployment?.moduleSha256 ?? null;
}

export function durationMs(startedAt: string | null, finishedAt: string | null): number | null {
  if (startedAt === null || finishedAt === null) return null;
  return Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt));
}
