import type { CanisterOverview, DeploymentStatus } from '@soulrecall/history-store';
import { resolveEnvironment } from '../config/environments.js';
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
}

/** Every canister soulrecall knows, from the store alone (no network). */
export function listInventory(session: Session, query: InventoryQuery = {}): InventoryEntry[] {
  const environment = query.environment !== undefined && session.config ? resolveEnvironment(session.config, query.environment).name : query.environment;
  const canisters = session.store.canisters.list({ agent: query.agent, environment, includeDecommissioned: query.includeDecommissioned });
  return canisters.map((canister) => ({ ...canister, lastStatus: lastStatusOf(session, canister) }));
}

function lastStatusOf(session: Session, canister: CanisterOverview): InventoryEntry['lastStatus'] {
  if (canister.decommissionedAt !== null) return 'decommissioned';
  const latest = session.store.deployments.latest({ environment: canister.environment, canisterId: canister.canisterId });
  return latest?.status ?? 'created';
}
