import { relative } from 'node:path';
import type { CanisterClient } from '@soulrecall/canister-client';
import type { EnvironmentConfig } from '../config/types.js';
import { hasErrorCode } from '../errors.js';
import { environmentOfRecord } from './canister-lookup.js';
import { canisterIdsLocation, readCanisterId, writtenRoutes } from './canister-ids.js';
import { syncCanisterIds } from './routing.js';
import type { Session } from './session.js';
import { shortHash } from '../output/table.js';

/**
 * `soulrecall doctor [--fix]`: reconciles the store with the networks and canister_ids.json.
 * Each finding says what is wrong and what to do; `--fix` repairs what needs no decision
 * (stale locks, canister_ids.json, canisters that exist but were not recorded, records of
 * canisters that are gone, deployments whose install never happened) and says what it did.
 * What needs a decision (resume or abort, drift) is reported with the exact commands.
 */

export type DoctorFindingKind =
  | 'unfinished-promotion'
  | 'pending-deployment'
  | 'stale-lock'
  | 'missing-canister'
  | 'untracked-canister'
  | 'route-file-mismatch'
  | 'drift'
  | 'unreachable';

export interface DoctorFinding {
  kind: DoctorFindingKind;
  environment: string | null;
  agent: string | null;
  /** What it is about: a promotion, deployment, canister id or lock. */
  subject: string;
  /** One sentence: what is wrong. */
  summary: string;
  /** What `--fix` does about it (null: it needs a decision, see `next`). */
  fix: string | null;
  /** True once `--fix` did it. */
  fixed: boolean;
  /** Commands that resolve it. */
  next: string[];
}

export interface DoctorResult {
  /** Nothing left to do (after --fix, when given). */
  clean: boolean;
  fixed: number;
  findings: DoctorFinding[];
  checked: { environments: string[]; canisters: number; promotions: number };
}

export interface DoctorOptions {
  fix?: boolean;
  progress?: (message: string) => void;
}

const finding = (input: Omit<DoctorFinding, 'fixed' | 'next'> & { next?: string[] }): DoctorFinding => ({
  fixed: false,
  next: [],
  ...input,
});

/** The environments to look at: the project's, or (outside a project) every one the store has seen. */
function environmentsOf(session: Session): EnvironmentConfig[] {
  if (session.config) return session.config.environments;
  return session.store.catalog.environments().flatMap((environment) => {
    const canister = session.store.canisters.list({ environment: environment.name, includeDecommissioned: true })[0];
    return canister ? [environmentOfRecord(session, canister)] : [];
  });
}

export async function doctor(session: Session, options: DoctorOptions = {}): Promise<DoctorResult> {
  const { store } = session;
  const findings: DoctorFinding[] = [];
  const environments = environmentsOf(session);
  const fix = options.fix === true;
  const by = { principal: null as string | null };

  // --- the store alone -------------------------------------------------------------------
  const unfinished = [
    ...store.promotions.list({ status: 'running', limit: 1000 }),
    ...store.promotions.list({ status: 'failed', limit: 1000 }),
    ...store.promotions.list({ status: 'planned', limit: 1000 }),
  ].filter((promotion) => promotion.options.failedVerdict !== true);
  for (const promotion of unfinished) {
    const held = store.locks.get(promotion.agent, promotion.toEnvironment);
    if (held?.operationId === promotion.id && !store.locks.staleness(held)) continue; // it is running right now
    findings.push(
      finding({
        kind: 'unfinished-promotion',
        environment: promotion.toEnvironment,
        agent: promotion.agent,
        subject: promotion.id,
        summary: `Promotion ${promotion.id} of ${promotion.agent} (${promotion.fromEnvironment} → ${promotion.toEnvironment}) stopped ${promotion.status === 'failed' ? 'with an error' : 'part-way'}${promotion.error ? `: ${promotion.error}` : ''}.`,
        fix: null,
        next: [`soulrecall promote resume ${promotion.id}`, `soulrecall promote abort ${promotion.id}`],
      }),
    );
  }
  const unfinishedIds = new Set(unfinished.map((promotion) => promotion.id));

  for (const lease of store.locks.list()) {
    const why = store.locks.staleness(lease);
    if (!why) continue;
    const entry = finding({
      kind: 'stale-lock',
      environment: lease.environment,
      agent: lease.agent,
      subject: lease.operationId,
      summary: `The lock on ${lease.agent}/${lease.environment} belongs to ${lease.operation} ${lease.operationId}, which is gone (${why === 'expired' ? `expired at ${lease.expiresAt}` : `pid ${lease.pid} on ${lease.host} is not running`}).`,
      fix: 'remove the lock',
    });
    // A promotion's lock is released by its resume or abort; removing it alone changes nothing there.
    if (fix && !unfinishedIds.has(lease.operationId))
      entry.fixed = store.locks.releaseStale(lease.agent, lease.environment);
    findings.push(entry);
  }

  if (session.config) {
    const onFile = writtenRoutes(session.config);
    const routes = store.routes.list();
    const pairs = new Set([
      ...routes.map((route) => `${route.agent}\u0000${route.environment}`),
      ...onFile.map((entry) => `${entry.agent}\u0000${entry.environment}`),
    ]);
    for (const pair of pairs) {
      const [agent, environment] = pair.split('\u0000') as [string, string];
      if (!session.config.environments.some((env) => env.name === environment)) continue;
      const live = store.routes.get(agent, environment)?.canisterId ?? null;
      const written = readCanisterId(session.config, agent, environment) ?? null;
      const file = relative(session.config.root, canisterIdsLocation(session.config, environment).file);
      if (live === written) continue;
      const entry = finding({
        kind: 'route-file-mismatch',
        environment,
        agent,
        subject: `${agent}/${environment}`,
        summary: `${file} says ${agent} in ${environment} is ${written ?? 'nowhere'}, the history says ${live ?? 'no live canister'}.`,
        fix: `rewrite ${file} from the history`,
      });
      if (fix) {
        syncCanisterIds(session, agent, environment);
        entry.fixed = true;
      }
      findings.push(entry);
    }
  }

  // --- against each network -------------------------------------------------------------
  let canistersChecked = 0;
  for (const environment of environments) {
    const recorded = store.canisters.list({ environment: environment.name });
    const pending = store.deployments.list({ environment: environment.name, status: 'pending', limit: 1000 });
    const creations = store.audit.list({
      environment: environment.name,
      action: 'canister.create-requested',
      limit: 1000,
    });
    if (recorded.length === 0 && pending.length === 0 && creations.length === 0) continue;
    options.progress?.(`Checking ${environment.name} (${environment.networkUrl})…`);
    let client: CanisterClient;
    try {
      client = await session.client(environment);
    } catch (error) {
      findings.push(
        finding({
          kind: 'unreachable',
          environment: environment.name,
          agent: null,
          subject: environment.networkUrl,
          summary: `${environment.name} (${environment.networkUrl}) did not answer, so its canisters were not checked: ${(error as Error).message}`,
          fix: null,
          next: ['soulrecall doctor (again, once the network answers)'],
        }),
      );
      continue;
    }
    by.principal = client.principal;
    const onNetwork = async (canisterId: string): Promise<string | null | 'absent'> => {
      try {
        return (await client.status(canisterId)).moduleHash;
      } catch (error) {
        if (hasErrorCode(error, 'CANISTER_NOT_FOUND')) return 'absent';
        if (hasErrorCode(error, 'NOT_A_CONTROLLER'))
          return (await client.moduleHash(canisterId).catch(() => null)) ?? null;
        throw error;
      }
    };

    for (const canister of recorded) {
      canistersChecked += 1;
      const moduleHash = await onNetwork(canister.canisterId);
      if (moduleHash === 'absent') {
        const live = canister.live;
        const entry = finding({
          kind: 'missing-canister',
          environment: environment.name,
          agent: canister.agent,
          subject: canister.canisterId,
          summary: `Canister ${canister.canisterId} (${canister.agent}, ${canister.role}) is recorded but does not exist on ${environment.name}${live ? ', and it is the live canister' : ''}.`,
          fix: live ? null : 'record it as deleted',
          // Live: deciding that it is gone for good (and not, say, a network URL pointing at the
          // wrong replica) is the user's; delete then records it and removes its route.
          next: live
            ? [
                `soulrecall delete ${canister.canisterId} --network ${environment.name}`,
                `soulrecall deploy ${canister.agent} -e ${environment.name}`,
                `soulrecall backup list --network ${environment.name}`,
              ]
            : [],
        });
        if (fix && !live) {
          store.canisters.decommission({
            environment: environment.name,
            canisterId: canister.canisterId,
            reason: 'doctor: no longer on the network',
            by,
          });
          entry.fixed = true;
        }
        findings.push(entry);
        continue;
      }
      if (
        canister.moduleSha256 &&
        moduleHash !== null &&
        moduleHash !== canister.moduleSha256 &&
        !pending.some((deployment) => deployment.canisterId === canister.canisterId)
      ) {
        findings.push(
          finding({
            kind: 'drift',
            environment: environment.name,
            agent: canister.agent,
            subject: canister.canisterId,
            summary: `Canister ${canister.canisterId} runs module ${shortHash(moduleHash)}, but version ${canister.deployedVersion} (${shortHash(canister.moduleSha256)}) is recorded: it was changed outside soulrecall.`,
            fix: null,
            next: [
              `soulrecall status ${canister.canisterId} --network ${environment.name}`,
              `soulrecall deploy ${canister.agent} -e ${environment.name} --canister ${canister.canisterId}`,
            ],
          }),
        );
      }
    }

    for (const deployment of pending) {
      // its promotion's resume or abort settles it
      if (deployment.promotionId && unfinishedIds.has(deployment.promotionId)) continue;
      const moduleHash = await onNetwork(deployment.canisterId);
      const installed = moduleHash === deployment.moduleSha256;
      const entry = finding({
        kind: 'pending-deployment',
        environment: environment.name,
        agent: deployment.agent,
        subject: String(deployment.id),
        summary: `Deployment ${deployment.id} (version ${deployment.version} of ${deployment.agent} on ${deployment.canisterId}) never finished; the canister ${installed ? 'runs its module' : 'does not run its module'}.`,
        fix: installed ? null : 'record it as failed (its install never happened)',
        next: installed
          ? [
              `soulrecall health ${deployment.canisterId} --network ${environment.name}`,
              `soulrecall deploy ${deployment.agent} -e ${environment.name}`,
            ]
          : [],
      });
      if (fix && !installed) {
        store.deployments.finish(
          deployment.id,
          { status: 'failed', error: 'interrupted before its install (doctor)' },
          by,
        );
        entry.fixed = true;
      }
      findings.push(entry);
    }

    const { isCreationPlan } = await import('@soulrecall/canister-client');
    for (const creation of creations) {
      const plan = creation.detail.plan;
      const planned = isCreationPlan(plan) && plan.kind === 'specified-id' ? plan.canisterId : null;
      if (!planned || store.canisters.get(environment.name, planned)) continue;
      const state = await onNetwork(planned);
      if (state === 'absent') continue; // the create call never reached the network: nothing to track
      const agent = creation.agent ?? 'unknown';
      const entry = finding({
        kind: 'untracked-canister',
        environment: environment.name,
        agent,
        subject: planned,
        summary: `Canister ${planned} exists on ${environment.name} (created for ${agent}, ${creation.at}) but was never recorded: the process stopped during its creation.`,
        fix: 'record it (not live), so it can be used or deleted',
        next: [`soulrecall delete ${planned} --network ${environment.name}`],
      });
      if (fix) {
        store.canisters.record({
          canisterId: planned,
          networkUrl: environment.networkUrl,
          environment: environment.name,
          agent,
          by,
        });
        entry.fixed = true;
      }
      findings.push(entry);
    }
  }

  const fixed = findings.filter((entry) => entry.fixed).length;
  return {
    clean: findings.every((entry) => entry.fixed),
    fixed,
    findings,
    checked: {
      environments: environments.map((environment) => environment.name),
      canisters: canistersChecked,
      promotions: unfinished.length,
    },
  };
}
