import { shortHash } from '@soulrecall/core';
import type { PromoteResult } from './engine/engine.js';

/** The human summary of a promote / resume / abort result (stdout; --json prints the result itself). */
export function renderPromoteResult(result: PromoteResult): string {
  const lines: string[] = [];
  const hop = `${result.agent} ${result.from} → ${result.to}`;
  switch (result.status) {
    case 'succeeded':
      lines.push(
        `Promoted ${hop} (${result.strategy}) as ${result.promotionId}: module ${shortHash(result.module.sha256)} on ${result.targetCanisterId}${result.targetDeployment ? `, version ${result.targetDeployment.version}` : ''}.`,
      );
      if (result.routeBefore !== result.routeAfter)
        lines.push(`Live canister: ${result.routeBefore ?? 'none'} → ${result.routeAfter}.`);
      if (typeof result.detail.writePauseMs === 'number')
        lines.push(
          `Memories copied into the new canister; writes were paused for ${result.detail.writePauseMs} ms at the cut-over.`,
        );
      if (typeof result.detail.note === 'string' && result.detail.cutOver === 'pending') lines.push(result.detail.note);
      break;
    case 'unchanged':
      lines.push(`Nothing to promote: ${hop}.`);
      break;
    case 'dry-run':
      lines.push(
        `Plan for ${hop} (${result.strategy}), module ${shortHash(result.module.sha256)} (${result.module.size} bytes):`,
      );
      result.steps.forEach((step, index) => lines.push(`  ${index + 1}. ${step.name}: ${step.description ?? ''}`));
      break;
    case 'recorded':
      lines.push(
        `Recorded ${hop} as ${result.promotionId}: version ${result.targetDeployment?.version} on ${result.targetCanisterId}.`,
      );
      break;
    case 'aborted':
      lines.push(`Aborted ${result.promotionId} (${hop}).`);
      break;
  }
  for (const note of result.notes) lines.push(note);
  return lines.join('\n');
}
