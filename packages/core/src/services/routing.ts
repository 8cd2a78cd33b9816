import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouteCause, RouteChange } from '@soulrecall/history-store';
import { ExitCode, SoulrecallError } from '../errors.js';
import type { Session } from './session.js';

export const CANISTER_IDS_FILE = 'canister_ids.json';

export interface RouteSwitchInput {
  agent: string;
  environment: string;
  canisterId: string;
  cause: RouteCause;
  reason?: string;
  promotionId?: string;
  /** Compare-and-set: the canister believed live now (null = no route yet). */
  expectedCanisterId?: string | null;
  principal?: string;
}

export interface RouteSwitchResult {
  agent: string;
  environment: string;
  fromCanisterId: string | null;
  toCanisterId: string;
  changeId: number;
  at: string;
  /** canister_ids.json that was updated, or null outside a project. */
  canisterIdsFile: string | null;
}

/**
 * Makes a canister the live one of its agent and environment: atomically in the store (with
 * every change kept), then in the project's canister_ids.json (dfx convention) so front ends
 * and teammates find it. The store is the source of truth; the file follows it.
 */
export function switchRoute(session: Session, input: RouteSwitchInput): RouteSwitchResult {
  const change: RouteChange = session.store.routes.set({
    agent: input.agent,
    environment: input.environment,
    canisterId: input.canisterId,
    cause: input.cause,
    reason: input.reason,
    promotionId: input.promotionId,
    expectedCanisterId: input.expectedCanisterId,
    by: input.principal ? { principal: input.principal } : undefined,
  });
  const canisterIdsFile = session.config ? writeCanisterId(session.config.root, input.agent, input.environment, input.canisterId) : null;
  return {
    agent: change.agent,
    environment: change.environment,
    fromCanisterId: change.fromCanisterId,
    toCanisterId: change.toCanisterId,
    changeId: change.id,
    at: change.at,
    canisterIdsFile,
  };
}

/**
 * Removes the route of a first deployment that is being undone (its canister is deleted):
 * from the store, then from canister_ids.json.
 */
export function clearRoute(session: Session, input: { agent: string; environment: string; canisterId: string; reason: string; promotionId?: string; principal?: string }): void {
  session.store.routes.clear({ agent: input.agent, environment: input.environment, expectedCanisterId: input.canisterId, reason: input.reason, promotionId: input.promotionId, by: input.principal ? { principal: input.principal } : undefined });
  if (session.config) removeCanisterId(session.config.root, input.agent, input.environment);
}

/**
 * Makes canister_ids.json say what the store says for one agent and environment (the store is
 * the source of truth; a crash between the two writes leaves the file behind). Returns whether
 * the file changed.
 */
export function syncCanisterIds(session: Session, agent: string, environment: string): boolean {
  if (!session.config) return false;
  const route = session.store.routes.get(agent, environment);
  const written = readCanisterIds(session.config.root)[agent]?.[environment];
  if (route?.canisterId === written) return false;
  if (route) writeCanisterId(session.config.root, agent, environment, route.canisterId);
  else removeCanisterId(session.config.root, agent, environment);
  return true;
}

/** Drops `<agent>.<env>` from canister_ids.json (and the agent when it has no environment left). */
export function removeCanisterId(root: string, agent: string, environment: string): void {
  const ids = readCanisterIds(root);
  if (!ids[agent] || !(environment in ids[agent]!)) return;
  const { [environment]: _removed, ...rest } = ids[agent]!;
  if (Object.keys(rest).length === 0) delete ids[agent];
  else ids[agent] = rest;
  writeIds(root, ids);
}

/** Sets `{"<agent>": {"<env>": "<id>"}}` in `<root>/canister_ids.json`, keeping everything else (temp file + rename). */
export function writeCanisterId(root: string, agent: string, environment: string, canisterId: string): string {
  const ids = readCanisterIds(root);
  ids[agent] = { ...ids[agent], [environment]: canisterId };
  return writeIds(root, ids);
}

function writeIds(root: string, ids: Record<string, Record<string, string>>): string {
  const file = join(root, CANISTER_IDS_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(ids, null, 2)}\n`);
  renameSync(temp, file);
  return file;
}

/** The project's canister_ids.json, or {} when there is none. */
export function readCanisterIds(root: string): Record<string, Record<string, string>> {
  const file = join(root, CANISTER_IDS_FILE);
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, Record<string, string>>;
  } catch {
    // fall through to the error below
  }
  throw new SoulrecallError(`${file} is not a JSON object of {"<agent>": {"<environment>": "<canister id>"}}.`, {
    code: 'CANISTER_IDS_INVALID',
    exitCode: ExitCode.InvalidInput,
    hint: 'Fix or delete the file; soulrecall rewrites it from its history on the next route change.',
  });
}
