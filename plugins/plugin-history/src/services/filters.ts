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

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(\d+)\s*([smhdw])$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--since`: an ISO time (`2026-11-26`, `2026-11-26T12:00:00Z`) or a span back from now
 * (`90s`, `30m`, `2h`, `3d`, `1w`). Anything else is a usage error (exit 2).
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!]!);
  if (ISO_DATE.test(text)) {
    const date = new Date(text.includes(' ') ? text.replace(' ', 'T') : text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new SoulrecallError(`--since "${value}" is neither an ISO time nor a relative time.`, {
    code: 'INVALID_SINCE',
    exitCode: ExitCode.Usage,
    hint: 'Use an ISO time such as 2026-11-26 or 2026-11-26T12:00:00Z, or a span back from now such as 30m, 2h, 3d or 1w.',
  });
}
