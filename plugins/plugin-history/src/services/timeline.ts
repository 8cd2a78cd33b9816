import type { TimelineKind } from '@soulrecall/history-store';
import type { HistoryResult } from '../results.js';
import { parseSince } from '@soulrecall/core';
import { requireKnownAgent, resolveEnvironmentFilter } from './filters.js';
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
}

export const DEFAULT_HISTORY_LIMIT = 50;

/** `history`: deployments, promotions, route switches, rollbacks, backups and deletions, newest first. */
export function historyTimeline(source: HistorySource, query: HistoryQuery = {}): HistoryResult {
  const since = query.since === undefined ? undefined : parseSince(query.since, query.now).toISOString();
  const environment = resolveEnvironmentFilter(source, query.environment);
  const events = source.store.timeline({ agent: query.agent, environment, since, kinds: query.kinds, limit: query.limit ?? DEFAULT_HISTORY_LIMIT });
  if (events.length === 0 && query.agent !== undefined) requireKnownAgent(source, query.agent);
  return { agent: query.agent ?? null, environment: environment ?? null, since: since ?? null, events };
}
