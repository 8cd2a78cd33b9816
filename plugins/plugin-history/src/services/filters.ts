import { SoulrecallError } from '@soulrecall/core';
import type { HistorySource } from './history-source.js';

/**
 * An environment filter as the store knows it: a name or alias of soulrecall.yaml when there
 * is one, else any environment the store has seen (history outlives configuration).
 */
export function resolveEnvironmentFilter(
  source: HistorySource,
  nameOrAlias: string | undefined,
  scopes: HistorySource[] = [source],
): string | undefined {
  if (nameOrAlias === undefined) return undefined;
  const configured = configuredName(source, nameOrAlias);
  if (configured) return configured;
  const recorded = [...new Set(scopes.flatMap((scope) => scope.store.catalog.environments().map((env) => env.name)))];
  if (recorded.includes(nameOrAlias)) return nameOrAlias;
  const known = [...new Set([...(source.config?.environments.map((env) => env.name) ?? []), ...recorded])];
  throw new SoulrecallError(`Unknown environment "${nameOrAlias}".`, {
    code: 'ENVIRONMENT_NOT_FOUND',
    hint:
      known.length > 0
        ? `Known environments: ${known.join(', ')}.`
        : 'Nothing has been recorded yet, and there is no soulrecall.yaml here to name environments.',
  });
}

/** The environment soulrecall.yaml names `nameOrAlias`, if it does. */
export function configuredName(source: HistorySource, nameOrAlias: string | undefined): string | undefined {
  if (nameOrAlias === undefined) return undefined;
  return source.config?.environments.find((env) => env.name === nameOrAlias || env.aliases.includes(nameOrAlias))?.name;
}

/**
 * The stores a read looks through: this project's, or every project's with `--all-projects` and
 * outside any project (no soulrecall.yaml to scope to: the history of every project answers).
 */
export function projectScopes(source: HistorySource, allProjects = false): HistorySource[] {
  if (!allProjects && source.config) return [source];
  const projects = source.store.projects();
  return projects.length === 0
    ? [source]
    : projects.map((project) => ({
        store: source.store.forProject(project),
        config: project === source.store.project ? source.config : undefined,
      }));
}

/** Fails unless the agent is in the store or in soulrecall.yaml. Called only when a query found nothing. */
export function requireKnownAgent(source: HistorySource, agent: string, scopes: HistorySource[] = [source]): void {
  const configured = source.config?.agents.map((a) => a.name) ?? [];
  const recorded = scopes.flatMap((scope) => scope.store.catalog.agents().map((a) => a.name));
  if (configured.includes(agent) || recorded.includes(agent)) return;
  const known = [...new Set([...configured, ...recorded])];
  throw new SoulrecallError(
    `Unknown agent "${agent}": soulrecall has no record of it${source.config ? ` and ${source.config.file} does not declare it` : ''}.`,
    {
      code: 'AGENT_NOT_FOUND',
      hint:
        known.length > 0
          ? `Known agents: ${known.join(', ')}.`
          : 'Nothing has been recorded yet: deploy or promote an agent first.',
    },
  );
}
