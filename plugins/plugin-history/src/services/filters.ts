import { ExitCode, SoulrecallError } from '@soulrecall/core';
import type { HistorySource } from './history-source.js';

/**
 * An environment filter as the store knows it: a name or alias of soulrecall.yaml when there
 * is one, else any environment the store has seen (history outlives configuration).
 */
export function resolveEnvironmentFilter(source: HistorySource, nameOrAlias: string | undefined): string | undefined {
  if (nameOrAlias === undefined) return undefined;
  const configured = source.config?.environments.find((env) => env.name === nameOrAlias || env.aliases.includes(nameOrAlias));
  if (configured) return configured.name;
  const recorded = source.store.catalog.environments().map((env) => env.name);
  if (recorded.includes(nameOrAlias)) return nameOrAlias;
  const known = [...new Set([...(source.config?.environments.map((env) => env.name) ?? []), ...recorded])];
  throw new SoulrecallError(`Unknown environment "${nameOrAlias}".`, {
    code: 'ENVIRONMENT_NOT_FOUND',
    exitCode: ExitCode.NotFound,
    hint: known.length > 0 ? `Known environments: ${known.join(', ')}.` : 'Nothing has been recorded yet, and there is no soulrecall.yaml here to name environments.',
  });
}

/** Fails unless the agent is in the store or in soulrecall.yaml. Called only when a query found nothing. */
export function requireKnownAgent(source: HistorySource, agent: string): void {
  const configured = source.config?.agents.map((a) => a.name) ?? [];
  const recorded = source.store.catalog.agents().map((a) => a.name);
  if (configured.includes(agent) || recorded.includes(agent)) return;
  const known = [...new Set([...configured, ...recorded])];
  throw new SoulrecallError(`Unknown agent "${agent}": soulrecall has no record of it${source.config ? ` and ${source.config.file} does not declare it` : ''}.`, {
    code: 'AGENT_NOT_FOUND',
    exitCode: ExitCode.NotFound,
    hint: known.length > 0 ? `Known agents: ${known.join(', ')}.` : 'Nothing has been recorded yet: deploy or promote an agent first.',
  });
}

