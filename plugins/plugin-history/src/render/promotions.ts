import { outputWidth, renderTable, shortHash } from '@soulrecall/core';
import type { JsonValue } from '@soulrecall/history-store';
import type {
  PromotionDetail,
  PromotionEnd,
  PromotionListEntry,
  PromotionListResult,
  PromotionStepDetail,
} from '../results.js';
import { fitLine, formatAge, formatDuration, formatTime, wrap } from './format.js';

const LABEL_WIDTH = 10;

/** `promote list` as a table, newest first, fitted to the terminal (see `outputWidth`). */
export function renderPromotionList(
  result: PromotionListResult,
  now: Date = new Date(),
  width = outputWidth(),
): string {
  const projects = new Set(result.promotions.map((p) => p.project));
  return renderTable<PromotionListEntry>(
    result.promotions,
    [
      // Only when the list spans projects: the same agent may be promoted in several.
      ...(projects.size > 1
        ? [{ header: 'project', get: (p: PromotionListEntry) => p.project, shrinkable: true }]
        : []),
      { header: 'id', get: (p) => p.id },
      { header: 'age', get: (p) => formatAge(p.createdAt, now) },
      { header: 'from→to', get: (p) => `${p.fromEnvironment}→${p.toEnvironment}`, shrinkable: true },
      { header: 'strategy', get: (p) => p.strategy, shrinkable: true },
      { header: 'version', get: (p) => `${p.version === null ? '-' : `v${p.version}`} ${shortHash(p.moduleSha256)}` },
      { header: 'status', get: (p) => p.status },
      { header: 'by', get: (p) => p.by.osUser, shrinkable: true },
      { header: 'took', get: (p) => formatDuration(p.durationMs) },
    ],
    width,
  );
}

/** `promote show`: a labelled summary, the step journal, the snapshots and the route changes. */
export function renderPromotionDetail(detail: PromotionDetail, width = outputWidth()): string {
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(fitLine(`${label.padEnd(LABEL_WIDTH)}${value}`, width));
  // Messages are read in full: wrapped under themselves rather than cut.
  const paragraph = (label: string, value: string) => {
    const [first, ...rest] = wrap(value, width - LABEL_WIDTH, 0);
    lines.push(`${label.padEnd(LABEL_WIDTH)}${first}`, ...rest.map((line) => `${' '.repeat(LABEL_WIDTH)}${line}`));
  };
  lines.push(
    fitLine(
      `Promotion ${detail.id}: ${detail.agent} ${detail.fromEnvironment} → ${detail.toEnvironment} (${detail.strategy}), ${detail.status}`,
      width,
    ),
  );
  field(
    'module',
    `${shortHash(detail.module.sha256)}${detail.module.origin ? ` (from ${detail.module.origin === 'file' ? 'a file' : 'the source deployment'})` : ''}`,
  );
  if (detail.module.wasmPath) field('file', detail.module.wasmPath);
  if (detail.module.previousSha256)
    field('replaced', `${shortHash(detail.module.previousSha256)} (module the target ran before)`);
  field('source', describeEnd(detail.source));
  field('target', describeEnd(detail.target));
  field(
    'started',
    `${formatTime(detail.startedAt ?? detail.createdAt)}${detail.finishedAt ? `, finished ${formatTime(detail.finishedAt)} (${formatDuration(detail.durationMs)})` : ''}`,
  );
  if (detail.writePauseMs !== null)
    field(
      'pause',
      `${formatDuration(detail.writePauseMs)} (writes paused at the cut-over, from stopping blue until green was live)`,
    );
  field('by', `${detail.by.osUser}@${detail.by.host}`);
  if (detail.by.principal) field('principal', detail.by.principal);
  for (const change of detail.routeChanges)
    field(
      'route',
      `${change.environment}: ${change.fromCanisterId ?? 'none'} → ${change.toCanisterId} (${change.cause})`,
    );
  if (detail.error) paragraph('error', detail.error);
  if (detail.rollback.rolledBack || detail.rollback.undoneSteps.length > 0) {
    const parts = [detail.rollback.rolledBack ? 'rolled back' : 'partly undone'];
    if (detail.rollback.undoneSteps.length > 0) parts.push(`undone: ${detail.rollback.undoneSteps.join(', ')}`);
    if (detail.rollback.restoredBackupIds.length > 0)
      parts.push(`restored ${detail.rollback.restoredBackupIds.join(', ')}`);
    paragraph('rollback', parts.join('; '));
    if (detail.rollback.reason && detail.rollback.reason !== detail.error) paragraph('reason', detail.rollback.reason);
  }
  if (detail.steps.length > 0) {
    lines.push('', 'Steps');
    lines.push(
      renderTable<PromotionStepDetail>(
        detail.steps,
        [
          { header: '#', get: (s) => String(s.index) },
          { header: 'step', get: (s) => s.name },
          { header: 'status', get: (s) => s.status },
          { header: 'started', get: (s) => (s.startedAt ? s.startedAt.slice(11, 19) : '-') },
          { header: 'took', get: (s) => formatDuration(s.durationMs) },
          { header: 'detail', get: (s) => s.error ?? describeDetail(s.detail), shrinkable: true },
        ],
        width,
      ),
    );
  }
  if (detail.snapshots.length > 0) {
    lines.push('', 'Snapshots');
    lines.push(
      renderTable(
        detail.snapshots,
        [
          { header: 'backup', get: (b) => b.id },
          { header: 'canister', get: (b) => b.canisterId, shrinkable: true },
          { header: 'snapshot', get: (b) => b.snapshotId, shrinkable: true },
          { header: 'restored', get: (b) => (b.restores.length === 0 ? 'no' : `${b.restores.length}×`) },
        ],
        width,
      ),
    );
  }
  return lines.join('\n');
}

function describeEnd(end: PromotionEnd): string {
  const parts = [end.environment];
  if (end.deployment) parts.push(`v${end.deployment.version}`);
  if (end.canisterId) parts.push(`on ${end.canisterId}`);
  return `${parts.join(' ')}${end.deployment ? `, ${end.deployment.status}` : ''}`;
}

/** A step's detail as `key=value` pairs, long values shortened. */
function describeDetail(detail: JsonValue | null): string {
  if (detail === null) return '';
  if (typeof detail !== 'object' || Array.isArray(detail)) return JSON.stringify(detail);
  return Object.entries(detail)
    .filter(([, value]) => value !== null && typeof value !== 'object')
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? shortHash(value) : String(value)}`,
    )
    .join(' ');
}
