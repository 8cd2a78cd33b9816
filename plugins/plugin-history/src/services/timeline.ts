import type { TimelineKind } from '@soulrecall/history-store';
import type { HistoryResult } from '../results.js';
import { parseSince } from '@soulrecall/core';
import { projectScopes, requireKnownAgent, resolveEnvironmentFilter } from './filters.js';
import type { HistorySource } from './history-source.js';

export interface HistoryQuery {
  agent?: string;
  /** Name or alias. */
  environment?: string;
  /** ISO time or relative (`2h`, `3d`). */
  since?: string;
  kinds?: TimelineKind[];
  limit?: number;
  now?: Date;
  /** Every project in the store, not only this folder's (`--all-projects`). */
  allProjects?: boolean;
}

export const DEFAULT_HISTORY_LIMIT = 50;

/** `history`: deployments, promotions, route switches, rollbacks, backups and deletions, newest first. */
export function historyTimeline(source: HistorySource, query: HistoryQuery = {}): HistoryResult {
  const since = query.since === undefined ? undefined : parseSince(query.since, query.now).toISOString();
  const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
  const scopes = projectScopes(source, query.allProjects);
  if (scopes.length > 1 || !source.config) {
    const environment = resolveEnvironmentFilter(source, query.environment, scopes);
    const events = scopes
      .flatMap((scope) => scope.store.timeline({ agent: query.agent, environment, since, kinds: query.kinds, limit }))
      // Audit ids grow with time across the one log every project writes to: newest first overall.
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
    if (events.length === 0 && query.agent !== undefined) requireKnownAgent(source, query.agent, scopes);
    return {
      project: null,
      agent: query.agent ?? null,
      environment: environment ?? null,
      since: since ?? null,
      events,
    };
  }
  const environment = resolveEnvironmentFilter(source, query.environment);
  const events = source.store.timeline({ agent: query.agent, environment, since, kinds: query.kinds, limit });
  if (events.length === 0 && query.agent !== undefined) requireKnownAgent(source, query.agent);
  return {
    project: source.store.project,
    agent: query.agent ?? null,
    environment: environment ?? null,
    since: since ?? null,
    events,
  };
}
