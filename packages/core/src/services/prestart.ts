import { historyBackendOf, prestartPostgres } from '@soulrecall/history-store';
import { loadProjectConfig } from '../config/loader.js';
import type { ProjectConfig } from '../config/types.js';
import { historyUrlOf } from './session.js';

/** The value of `--name value` or `--name=value` in raw command-line arguments. */
export function flagValueOf(argv: readonly string[], name: string): string | undefined {
  const index = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index === -1) return undefined;
  const arg = argv[index]!;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
}

/**
 * Called by bin/run.js before oclif loads: when the command's history is a team's PostgreSQL,
 * its connection (a worker thread) starts now and comes up on the other core while the CLI
 * loads, instead of after it. Never fails: a bad file or URL is the command's to report.
 */
export function prestartHistory(argv: readonly string[]): void {
  let config: ProjectConfig | undefined;
  try {
    config = loadProjectConfig({ configPath: flagValueOf(argv, 'config') });
  } catch {
    config = undefined;
  }
  try {
    const url = historyUrlOf(config);
    if (url !== undefined && historyBackendOf(url) === 'postgres') prestartPostgres(url);
  } catch {
    // Not a store URL: the command says so.
  }
}
