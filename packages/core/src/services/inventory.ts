import type { CanisterOverview, DeploymentStatus, HistoryStore } from '@soulrecall/history-store';
import { resolveEnvironment } from '../config/environments.js';
import { DEFAULT_PROJECT } from '../config/loader.js';
import type { Session } from './session.js';

/** One row of `soulrecall list`. */
export interface InventoryEntry extends CanisterOverview {
  /**
   * What soulrecall last saw happen to the canister: the status of its latest deployment
   * (`succeeded`, `failed`, `rolled-back`, `pending`), `created` when nothing was ever deployed,
   * `decommissioned` once deleted.
   */
  lastStatus: DeploymentStatus | 'created' | 'decommissioned';
}

export interface InventoryQuery {
  /** Environment name or alias (resolved through soulrecall.yaml when there is one). */
  environment?: string;
  agent?: string;
  includeDecommissioned?: boolean;
  /** Every project in the store, not only this folder's (`--all-projects`). */
  allProjects?: boolean;
}

/** Every canister soulrecall knows, from the store alone (no network). */
export function listInventory(session: Session, query: InventoryQuery = {}): InventoryEntry[] {
  const environment = environmentFilter(session, query);
  return projectStores(session, query.allProjects).flatMap((store) =>
    store.canisters
      .list({ agent: query.agent, environment, includeDecommissioned: query.includeDecommissioned })
      .map((canister) => ({ ...canister, lastStatus: lastStatusOf(store, canister) })),
  );
}

/**
 * This project's store, or one view per project in the store (sorted by name) with
 * `--all-projects` and outside any project (there is no folder to scope to).
 */
export function projectStores(session: Session, allProjects = false): HistoryStore[] {
  return allProjects || !session.config
    ? session.store.projects().map((project) => session.store.forProject(project))
    : [session.store];
}

/**
 * The projects other than this one that have records: what an empty `list` or `history` names,
 * so that a user who upgraded (records from before projects are in `default`) or who is in the
 * wrong folder learns where the records are.
 */
export function otherProjects(session: Session): string[] {
  return session.store.projects().filter((project) => project !== session.project);
}

/** The hint for an empty listing when other projects have records, or undefined. */
export function otherProjectsHint(session: Session, command: string): string | undefined {
  const others = otherProjects(session);
  if (others.length === 0) return undefined;
  const legacy = others.includes(DEFAULT_PROJECT)
    ? ` Records made before projects existed are in project "${DEFAULT_PROJECT}": write \`project: ${DEFAULT_PROJECT}\` in soulrecall.yaml to keep using them here.`
    : '';
  return `Other projects in this history: ${others.join(', ')} (see \`soulrecall ${command} --all-projects\`).${legacy}`;
}

function environmentFilter(session: Session, query: InventoryQuery): string | undefined {
  if (query.environment === undefined || !session.config) return query.environment;
  // Across projects a name this soulrecall.yaml does not define is another project's environment.
  if (
    query.allProjects &&
    !session.config.environments.some(
      (env) => env.name === query.environment || env.aliases.includes(query.environment!),
    )
  )
    return query.environment;
  return resolveEnvironment(session.config, query.environment).name;
}

function lastStatusOf(store: HistoryStore, canister: CanisterOverview): InventoryEntry['lastStatus'] {
  if (canister.decommissionedAt !== null) return 'decommissioned';
  const latest = store.deployments.latest({ environment: canister.environment, canisterId: canister.canisterId });
  return latest?.status ?? 'created';
}
