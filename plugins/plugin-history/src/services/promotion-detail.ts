import { SoulrecallError } from '@soulrecall/core';
import {
  SHORT_ID_ALPHABET,
  type Deployment,
  type JsonValue,
  type Promotion,
  type RouteChange,
} from '@soulrecall/history-store';
import type { PromotionDetail, PromotionEnd, PromotionSnapshot } from '../results.js';
import type { HistorySource } from './history-source.js';
import { projectScopes } from './filters.js';
import { durationMs, toListEntry } from './promotion-list.js';

const PROMOTION_ID = new RegExp(`^prm-[${SHORT_ID_ALPHABET}]{6}$`);
const BACKUP_ID = new RegExp(`^bak-[${SHORT_ID_ALPHABET}]{6}$`);
const ROUTE_PAGE = 100;

/** `promote show`: everything recorded about one promotion. */
export function showPromotion(source: HistorySource, promotionId: string): PromotionDetail {
  const id = promotionId.trim().toLowerCase();
  // Outside a project the id alone says whose it is: ids are unique across projects.
  const owner = PROMOTION_ID.test(id)
    ? projectScopes(source).find((scope) => scope.store.promotions.get(id) !== null)
    : undefined;
  const promotion = owner?.store.promotions.get(id) ?? null;
  if (!promotion || !owner) {
    const malformed = !PROMOTION_ID.test(id);
    throw new SoulrecallError(
      malformed
        ? `"${promotionId}" is not a promotion id (they look like prm-k3x9qa).`
        : `No promotion ${id} is recorded.`,
      {
        code: 'PROMOTION_NOT_FOUND',
        hint: '`soulrecall promote list <agent>` lists the promotions of an agent with their ids.',
      },
    );
  }
  return detailOf(owner, promotion);
}

function detailOf(source: HistorySource, promotion: Promotion): PromotionDetail {
  const store = source.store;
  const sourceDeployment =
    promotion.sourceDeploymentId === null ? null : store.deployments.get(promotion.sourceDeploymentId);
  const targetDeployment = targetDeploymentOf(source, promotion);
  const snapshots = snapshotsOf(source, promotion, targetDeployment);
  const restoredBackupIds = snapshots
    .filter((snapshot) => snapshot.restores.some((restore) => restore.at >= promotion.createdAt))
    .map((snapshot) => snapshot.id);
  const undoneSteps = promotion.steps.filter((step) => step.status === 'undone').map((step) => step.name);
  const rolledBack = promotion.status === 'rolled-back' || targetDeployment?.status === 'rolled-back';
  const options = promotion.options;
  const entry = toListEntry(promotion, sourceDeployment, targetDeployment);
  return {
    ...entry,
    module: {
      sha256: entry.moduleSha256,
      origin: typeof options.moduleOrigin === 'string' ? options.moduleOrigin : null,
      wasmPath: typeof options.wasmPath === 'string' ? options.wasmPath : null,
      previousSha256: stringInSteps(promotion, 'previousModuleHash'),
    },
    source: end(source, promotion.fromEnvironment, sourceDeployment?.canisterId ?? null, sourceDeployment),
    target: end(
      source,
      promotion.toEnvironment,
      promotion.targetCanisterId ?? targetDeployment?.canisterId ?? null,
      targetDeployment,
    ),
    steps: promotion.steps.map((step) => ({ ...step, durationMs: durationMs(step.startedAt, step.finishedAt) })),
    snapshots,
    routeChanges: routeChangesOf(source, promotion),
    rollback: {
      rolledBack,
      reason:
        promotion.status === 'rolled-back'
          ? promotion.error
          : targetDeployment?.status === 'rolled-back'
            ? targetDeployment.error
            : null,
      undoneSteps,
      restoredBackupIds,
    },
    options,
  };
}

/** The deployment the promotion made: recorded on the promotion once it finished, else the one its journal began. */
function targetDeploymentOf(source: HistorySource, promotion: Promotion): Deployment | null {
  if (promotion.targetDeploymentId !== null) return source.store.deployments.get(promotion.targetDeploymentId);
  for (const step of promotion.steps) {
    const id = isObject(step.detail) ? step.detail.deploymentId : undefined;
    if (typeof id === 'number') {
      const deployment = source.store.deployments.get(id);
      if (deployment?.promotionId === promotion.id) return deployment;
    }
  }
  return null;
}

function end(
  source: HistorySource,
  environment: string,
  canisterId: string | null,
  deployment: Deployment | null,
): PromotionEnd {
  return {
    environment,
    canisterId,
    deployment,
    canister: canisterId === null ? null : source.store.canisters.get(environment, canisterId),
  };
}

/** Snapshots named in the journal (any strategy's step details) or taken before the target deployment. */
function snapshotsOf(
  source: HistorySource,
  promotion: Promotion,
  targetDeployment: Deployment | null,
): PromotionSnapshot[] {
  const ids = new Set<string>();
  if (targetDeployment?.snapshotBackupId) ids.add(targetDeployment.snapshotBackupId);
  for (const step of promotion.steps) collectStrings(step.detail, (value) => BACKUP_ID.test(value) && ids.add(value));
  const snapshots: PromotionSnapshot[] = [];
  for (const id of ids) {
    const backup = source.store.backups.get(id);
    if (backup) snapshots.push({ ...backup, restores: source.store.backups.restores(id) });
  }
  return snapshots;
}

/** Route changes carrying this promotion's id, paging back through the target's route history until before it began. */
function routeChangesOf(source: HistorySource, promotion: Promotion): RouteChange[] {
  const found: RouteChange[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = source.store.routes.history({
      agent: promotion.agent,
      environment: promotion.toEnvironment,
      beforeId,
      limit: ROUTE_PAGE,
    });
    found.push(...page.filter((change) => change.promotionId === promotion.id));
    const oldest = page[page.length - 1];
    if (page.length < ROUTE_PAGE || !oldest || oldest.at < promotion.createdAt) break;
    beforeId = oldest.id;
  }
  return found.reverse();
}

function stringInSteps(promotion: Promotion, key: string): string | null {
  for (const step of promotion.steps) {
    const value = isObject(step.detail) ? step.detail[key] : undefined;
    if (typeof value === 'string') return value;
  }
  return null;
}

function collectStrings(value: JsonValue | null, visit: (text: string) => unknown): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((item) => collectStrings(item, visit));
  else if (isObject(value)) Object.values(value).forEach((item) => collectStrings(item, visit));
}

function isObject(value: JsonValue | null | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
