/**
 * What the interface specification derives from a module's exports and custom sections:
 * its methods, its `icp:` metadata and the enhanced-orthogonal-persistence upgrade rule.
 */
import type { Failure } from './errors.js';
import type { CustomSectionMetadata, SystemTask } from './types.js';
import type { WasmModuleSummary } from './wasm-binary.js';

export const EOP_SECTION = 'icp:private enhanced-orthogonal-persistence';

const METHOD_PREFIXES = {
  updates: 'canister_update ',
  queries: 'canister_query ',
  compositeQueries: 'canister_composite_query ',
} as const;

export function methodsOf(summary: WasmModuleSummary): {
  updates: string[];
  queries: string[];
  compositeQueries: string[];
} {
  const names = (prefix: string) =>
    summary.exports.filter((e) => e.kind === 0 && e.name.startsWith(prefix)).map((e) => e.name.slice(prefix.length));
  return {
    updates: names(METHOD_PREFIXES.updates),
    queries: names(METHOD_PREFIXES.queries),
    compositeQueries: names(METHOD_PREFIXES.compositeQueries),
  };
}

/** The system tasks a module exports, in the order a round runs them: the global timer, then the heartbeat. */
export function systemTasksOf(summary: WasmModuleSummary): SystemTask[] {
  const tasks: SystemTask[] = ['global_timer', 'heartbeat'];
  return tasks.filter((task) => summary.exports.some((e) => e.kind === 0 && e.name === `canister_${task}`));
}

export function metadataOf(summary: WasmModuleSummary): CustomSectionMetadata[] {
  const metadata: CustomSectionMetadata[] = [];
  for (const section of summary.customSections) {
    const match = /^icp:(public|private) (.+)$/.exec(section.name);
    if (match)
      metadata.push({
        name: match[2]!,
        visibility: match[1] as 'public' | 'private',
        content: new Uint8Array(section.content),
      });
  }
  return metadata;
}

export function hasEnhancedOrthogonalPersistence(summary: WasmModuleSummary): boolean {
  return summary.customSections.some((s) => s.name === EOP_SECTION);
}

/** The replica's rule for upgrading a canister that uses enhanced orthogonal persistence. */
export function checkUpgradeOptions(
  current: WasmModuleSummary,
  next: WasmModuleSummary,
  persistence: 'keep' | 'replace' | undefined,
): Failure | undefined {
  if (hasEnhancedOrthogonalPersistence(current) && persistence === undefined) {
    return {
      kind: 'contract',
      message:
        'Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option (`keep` to retain the main memory, `replace` to discard it).',
    };
  }
  if (persistence === 'keep' && !hasEnhancedOrthogonalPersistence(next)) {
    return {
      kind: 'contract',
      message:
        'Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option requires that the new canister module supports enhanced orthogonal persistence.',
    };
  }
  return undefined;
}
